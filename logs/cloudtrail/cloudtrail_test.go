package cloudtrail_test

import (
	"bytes"
	"compress/gzip"
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
