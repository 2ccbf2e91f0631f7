package cloudtrail_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"github.com/borderwatch/borderwatch/logs"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/borderwatch/borderwatch/logs/cloudtrail"
	"github.com/borderwatch/borderwatch/logs/logstest"
)

var samples = []string{"testdata/records.json", "testdata/single.ndjson"}

func TestGolden(t *testing.T) { logstest.Golden(t, "cloudtrail", samples...) }

func TestDetectedLikeNamed(t *testing.T) { logstest.SameWhenDetected(t, "cloudtrail", samples...) }

func TestReadme(t *testing.T) { logstest.CheckReadme(t) }

func FuzzParse(f *testing.F) {
	logstest.AddSeeds(f, samples...)
	f.Fuzz(func(t *testing.T, data []byte) { logstest.Fuzz(t, "cloudtrail", data) })
}

// CloudTrail delivers gzip files holding one {"Records":[...]} document.
func TestGzipRecordsFile(t *testing.T) {
	raw, err := os.ReadFile("testdata/records.json")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "123456789012_CloudTrail_us-east-1_20240506T0850Z_abc.json.gz")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	c := logstest.Read(t, logs.SourceConfig{Paths: []string{path}})
	if len(c.Events) != 4 || len(c.Rejected) != 0 {
		t.Fatalf("got %d events and %d rejections, want 4 and 0", len(c.Events), len(c.Rejected))
	}
	if got := c.Events[1].User.Email; got != "bob@example.com" {
		t.Errorf("assumed-role user email = %q", got)
	}
}

// A delivered file is one JSON document on one line, often larger than a line may be: it is
// read as a document (up to logs.max_document), not rejected as a long line.
func TestBigSingleLineRecordsFile(t *testing.T) {
	raw, err := os.ReadFile("testdata/single.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	rec := bytes.SplitN(raw, []byte("\n"), 2)[0]
	var doc bytes.Buffer
	doc.WriteString(`{"Records":[`)
	const n = 3000 // about 1.3 MB
	for i := 0; i < n; i++ {
		if i > 0 {
			doc.WriteByte(',')
		}
		doc.Write(bytes.Replace(rec, []byte("858d3027"), []byte(fmt.Sprintf("%08d", i)), 1))
	}
	doc.WriteString("]}")
	path := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(path, doc.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	c := logstest.Read(t, logs.SourceConfig{Paths: []string{path}, MaxLine: 1 << 20})
	if len(c.Events) != n || len(c.Rejected) != 0 {
		t.Fatalf("got %d events and %d rejections, want %d and 0", len(c.Events), len(c.Rejected), n)
	}
}
