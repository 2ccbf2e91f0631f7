package all_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/logs"
	_ "github.com/borderwatch/borderwatch/logs/all"
	"github.com/borderwatch/borderwatch/logs/logstest"
)

// samples returns every format's sample inputs (testdata files that are not golden output),
// keyed by format name.
func samples(t *testing.T) map[string][]string {
	out := map[string][]string{}
	for _, f := range logs.Formats() {
		if f.Name == "generic" {
			continue // needs a mapping and is never detected
		}
		files, _ := filepath.Glob(filepath.Join("..", f.Name, "testdata", "*"))
		for _, p := range files {
			fi, err := os.Stat(p)
			if err != nil || !fi.Mode().IsRegular() || strings.Contains(p, ".golden.") || strings.HasSuffix(p, ".go") {
				continue
			}
			out[f.Name] = append(out[f.Name], p)
		}
	}
	if len(out) == 0 {
		t.Fatal("no samples found")
	}
	return out
}

// TestMixedDirectory copies every format's samples into one directory and reads it without
// naming a format: each file must give exactly what reading it with its format named gives.
func TestMixedDirectory(t *testing.T) {
	dir := t.TempDir()
	type copied struct{ format, path string }
	var files []copied
	for format, paths := range samples(t) {
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(dir, format+"-"+filepath.Base(p))
			if err := os.WriteFile(dst, b, 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, copied{format, dst})
		}
	}
	mixed := logstest.Read(t, logs.SourceConfig{Paths: []string{dir}})
	for _, r := range mixed.Rejected {
		if r.Format == "detect" {
			t.Errorf("not recognized: %s", r.Error())
		}
	}
	got := map[string][]string{}
	for _, ev := range mixed.Events {
		got[ev.Borderwatch.Input.Path] = append(got[ev.Borderwatch.Input.Path], ev.Event.Dataset+"/"+ev.Event.ID+"/"+ev.Event.Action)
	}
	for _, f := range files {
		named := logstest.Read(t, logs.SourceConfig{Paths: []string{f.path}, Format: f.format})
		var want []string
		for _, ev := range named.Events {
			want = append(want, ev.Event.Dataset+"/"+ev.Event.ID+"/"+ev.Event.Action)
		}
		if fmt.Sprint(got[f.path]) != fmt.Sprint(want) {
			t.Errorf("%s (%s): detected\n  %v\nnamed\n  %v", filepath.Base(f.path), f.format, got[f.path], want)
		}
	}
	t.Logf("%d files of %d formats, %d events, %d rejected records", len(files), len(samples(t)), len(mixed.Events), len(mixed.Rejected))
}
