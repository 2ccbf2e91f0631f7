package okta_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/logstest"
	_ "github.com/borderwatch/borderwatch/logs/okta"
)

func TestGolden(t *testing.T) {
	logstest.Golden(t, "okta", "testdata/okta.ndjson", "testdata/okta-page.json")
}

// Auto-detection must reach the same result as the named format.
func TestDetectedLikeNamed(t *testing.T) {
	for _, sample := range []string{"testdata/okta.ndjson", "testdata/okta-page.json"} {
		named := logstest.Marshal(t, logstest.Read(t, logs.SourceConfig{Paths: []string{sample}, Format: "okta"}))
		detected := logstest.Marshal(t, logstest.Read(t, logs.SourceConfig{Paths: []string{sample}}))
		if !bytes.Equal(named, detected) {
			t.Errorf("%s: detected output differs from --format okta", sample)
		}
	}
}

func TestGzip(t *testing.T) {
	raw, err := os.ReadFile("testdata/okta.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gzPath := filepath.Join(dir, "okta.ndjson.gz")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	if err := os.WriteFile(gzPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	plain := logstest.Read(t, logs.SourceConfig{Paths: []string{"testdata/okta.ndjson"}})
	gz := logstest.Read(t, logs.SourceConfig{Paths: []string{gzPath}})
	if len(gz.Events) != len(plain.Events) || len(gz.Events) == 0 {
		t.Fatalf("gzip gave %d events, plain %d", len(gz.Events), len(plain.Events))
	}
	for i := range gz.Events {
		if gz.Events[i].Event.ID != plain.Events[i].Event.ID {
			t.Errorf("event %d: id %q, want %q", i, gz.Events[i].Event.ID, plain.Events[i].Event.ID)
		}
	}
}

// A line over the cap is rejected with its line number; the lines around it still parse and
// memory stays bounded (the line is not kept whole).
func TestHugeLine(t *testing.T) {
	good := `{"uuid":"u%d","published":"2024-05-06T08:15:02Z","eventType":"user.session.start","actor":{"type":"User","alternateId":"a@example.com"},"client":{"ipAddress":"192.0.2.1"},"outcome":{"result":"SUCCESS"}}`
	huge := `{"uuid":"big","published":"2024-05-06T08:15:02Z","eventType":"user.session.start","debugContext":{"debugData":{"x":"` +
		strings.Repeat("A", 3<<20) + `"}}}`
	in := strings.Replace(good, "%d", "1", 1) + "\n" + huge + "\n" + strings.Replace(good, "%d", "2", 1) + "\n"
	path := filepath.Join(t.TempDir(), "okta.ndjson")
	if err := os.WriteFile(path, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	c := logstest.Read(t, logs.SourceConfig{Paths: []string{path}, MaxLine: 1 << 20})
	if len(c.Events) != 2 || c.Events[0].Event.ID != "u1" || c.Events[1].Event.ID != "u2" {
		t.Fatalf("events: got %d, want u1 and u2", len(c.Events))
	}
	if len(c.Rejected) != 1 {
		t.Fatalf("rejected: got %d, want 1", len(c.Rejected))
	}
	r := c.Rejected[0]
	if r.Where != path+":2" || r.Format != "okta" || !strings.Contains(r.Err.Error(), "longer than") || len(r.Raw) != 1<<20 {
		t.Errorf("rejection = %s (raw %d bytes)", r.Error(), len(r.Raw))
	}
}

func TestReadme(t *testing.T) { logstest.CheckReadme(t) }

func FuzzParse(f *testing.F) {
	for _, s := range []string{"testdata/okta.ndjson"} {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			f.Add(line)
		}
	}
	f.Add([]byte(`{"published":"2024-01-01T00:00:00Z","eventType":"x","debugContext":{"debugData":{"risk":"{=,=}","behaviors":"{a=, =b,}","tunnels":"[1,{\"type\":2}]"}}}`))
	f.Add([]byte(`[[],{},null]`))
	f.Fuzz(func(t *testing.T, data []byte) { logstest.Fuzz(t, "okta", data) })
}
