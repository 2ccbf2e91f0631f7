package syslog_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/logs"
	_ "github.com/borderwatch/borderwatch/logs/all"
	"github.com/borderwatch/borderwatch/logs/logstest"
)

// syslogFormats are the formats built on this package.
var syslogFormats = []string{"asa", "fortigate", "globalprotect", "openssh", "openvpn", "pulse"}

// TestMixedDirectory copies every syslog-text sample into one directory and reads it with
// auto-detection: each file must be read by its own format and give exactly the events its
// golden file lists.
func TestMixedDirectory(t *testing.T) {
	dir := t.TempDir()
	want := map[string]int{} // dataset → events
	for _, format := range syslogFormats {
		samples, err := filepath.Glob(filepath.Join("..", format, "testdata", "*.log"))
		if err != nil || len(samples) == 0 {
			t.Fatalf("%s: no samples", format)
		}
		for _, s := range samples {
			data, err := os.ReadFile(s)
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(dir, format+"-"+filepath.Base(s))
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				t.Fatal(err)
			}
			golden, err := os.ReadFile(strings.TrimSuffix(s, ".log") + ".golden.ndjson")
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(bytes.NewReader(golden))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				if bytes.HasPrefix(sc.Bytes(), []byte(`{"@timestamp"`)) {
					want["borderwatch."+format]++
				}
			}
		}
	}
	c := logstest.Read(t, logs.SourceConfig{Paths: []string{dir}, Options: logs.Options{Year: 2026}})
	evs, rejected := c.Snapshot()
	got := map[string]int{}
	for _, ev := range evs {
		in := ev.Borderwatch.Input
		if in == nil {
			t.Fatalf("event without borderwatch.input: %s", ev.Event.Original)
		}
		format, _, _ := strings.Cut(filepath.Base(in.Path), "-")
		if ev.Event.Dataset != "borderwatch."+format {
			b, _ := json.Marshal(ev)
			t.Errorf("%s:%d read as %s: %s", in.Path, in.Line, ev.Event.Dataset, b)
		}
		got[ev.Event.Dataset]++
	}
	for ds, n := range want {
		if got[ds] != n {
			t.Errorf("%s: %d events, want %d (as in the golden files)", ds, got[ds], n)
		}
	}
	for _, r := range rejected {
		format, _, _ := strings.Cut(filepath.Base(r.Where), "-")
		if r.Format != "" && r.Format != format {
			t.Errorf("%s rejected by %s: %v", r.Where, r.Format, r.Err)
		}
	}
	t.Logf("%d events, %d rejected records from %d formats", len(evs), len(rejected), len(want))
}
