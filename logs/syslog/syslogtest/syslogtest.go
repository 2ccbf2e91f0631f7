// Package syslogtest holds the test harness shared by the syslog-text format parsers: golden
// files, fuzzing seeds, detection against the other formats' samples and README checks.
package syslogtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
)

// The -update flag may already be defined by another test helper linked into the same test
// binary (logs/logstest): share it instead of defining it twice.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files from the parsers' output")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// Received is the received time (the file's modification time) given to every sample record:
// stamps without a year take theirs from it.
var Received = time.Date(2026, time.November, 23, 6, 0, 0, 0, time.UTC)

// Lines splits a sample file into records the way the line framer does: on LF, keeping a CR
// (parsers must cope with CRLF), dropping a final empty line.
func Lines(data []byte) [][]byte {
	lines := bytes.Split(data, []byte("\n"))
	if n := len(lines); n > 0 && len(lines[n-1]) == 0 {
		lines = lines[:n-1]
	}
	return lines
}

// Samples returns the sample files of the package under test: testdata/*.log.
func Samples(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.log"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples in testdata/*.log (%v)", err)
	}
	return files
}

// Golden parses each testdata/*.log sample with the named format and compares the result
// with testdata/<name>.golden.ndjson: one line per emitted event (after Normalize), or a
// {"skipped":...} / {"rejected":...} line for records that gave none. Run the test with
// -update to rewrite the golden files.
func Golden(t *testing.T, format string, opts logs.Options) {
	t.Helper()
	f, ok := logs.Lookup(format)
	if !ok {
		t.Fatalf("format %q is not registered", format)
	}
	for _, path := range Samples(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			p, err := f.New(opts)
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			for i, line := range Lines(data) {
				rec := &logs.Record{Data: line, Path: filepath.ToSlash(path), Line: int64(i + 1), Received: Received}
				n := 0
				err := p.Parse(rec, func(ev *borderwatch.Event) {
					n++
					borderwatch.Normalize(ev)
					b, err := json.Marshal(ev)
					if err != nil {
						t.Fatalf("line %d: marshal: %v", i+1, err)
					}
					out.Write(b)
					out.WriteByte('\n')
				})
				switch {
				case errors.Is(err, logs.ErrSkip):
					if n > 0 {
						t.Errorf("line %d: skipped after emitting %d events", i+1, n)
					}
					fmt.Fprintf(&out, "{\"skipped\":{\"line\":%d}}\n", i+1)
				case err != nil:
					msg, _ := json.Marshal(err.Error())
					fmt.Fprintf(&out, "{\"rejected\":{\"line\":%d,\"error\":%s}}\n", i+1, msg)
				case n == 0:
					t.Errorf("line %d: no event and no error", i+1)
				}
			}
			golden := strings.TrimSuffix(path, ".log") + ".golden.ndjson"
			if updating() {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run the test with -update to create it)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				got := Lines(out.Bytes())
				exp := Lines(want)
				for i := 0; i < len(got) || i < len(exp); i++ {
					var g, e []byte
					if i < len(got) {
						g = got[i]
					}
					if i < len(exp) {
						e = exp[i]
					}
					if !bytes.Equal(g, e) {
						t.Fatalf("%s differs at output line %d:\n got: %s\nwant: %s\n(run with -update if the change is intended)", golden, i+1, g, e)
					}
				}
			}
		})
	}
}

// Seed adds every line of the package's samples to the fuzzer's corpus.
func Seed(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.log"))
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range Lines(data) {
			f.Add(line)
		}
	}
}

// FuzzOne runs one fuzz input through the format: Detect must score 0-100, Parse must not
// panic, and every event it emits must normalize and marshal.
func FuzzOne(t *testing.T, format string, data []byte) {
	f, ok := logs.Lookup(format)
	if !ok {
		t.Fatalf("format %q is not registered", format)
	}
	if s := f.Detect(data); s < 0 || s > 100 {
		t.Fatalf("Detect scored %d", s)
	}
	for _, year := range []int{0, 2026} {
		p, err := f.New(logs.Options{Year: year})
		if err != nil {
			t.Fatal(err)
		}
		rec := &logs.Record{Data: data, Path: "fuzz", Line: 1, Received: Received}
		err = p.Parse(rec, func(ev *borderwatch.Event) {
			borderwatch.Normalize(ev)
			if _, err := json.Marshal(ev); err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if ev.Event.Dataset != "borderwatch."+format || ev.Timestamp.IsZero() {
				t.Fatalf("event without dataset or time: %+v", ev.Event)
			}
		})
		if err != nil && err.Error() == "" {
			t.Fatal("error without a message")
		}
	}
}

// DetectOwn checks that Detect claims at least one line of each own sample with a score of
// at least min, and that it scores every line of the other formats' samples (any file in a
// sibling folder's testdata that is not a golden file) below max.
func DetectOwn(t *testing.T, detect func([]byte) int, min, max int) {
	t.Helper()
	for _, path := range Samples(t) {
		data, _ := os.ReadFile(path)
		best := 0
		for _, line := range Lines(data) {
			best = maxInt(best, detect(line))
		}
		if best < min {
			t.Errorf("%s: best Detect score %d, want >= %d", path, best, min)
		}
	}
	self, _ := filepath.Abs(".")
	others, _ := filepath.Glob(filepath.Join("..", "*", "testdata", "*"))
	checked := 0
	for _, path := range others {
		abs, _ := filepath.Abs(path)
		if strings.HasPrefix(abs, self+string(filepath.Separator)) || strings.Contains(path, ".golden") {
			continue
		}
		if st, err := os.Stat(path); err != nil || st.IsDir() || st.Size() > 4<<20 {
			continue
		}
		fh, err := os.Open(path)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		n := 0
		for sc.Scan() {
			n++
			if s := detect(sc.Bytes()); s >= max {
				t.Errorf("%s:%d: Detect scored %d (want < %d) on another format's line: %.120s", path, n, s, max, sc.Text())
			}
		}
		fh.Close()
		checked++
	}
	t.Logf("checked Detect against %d files of other formats", checked)
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// READMESections are the headings every format README carries.
var READMESections = []string{"## Reads", "## Configuration", "## Example", "## Fields"}

// CheckREADME fails unless README.md exists and has every section of READMESections.
func CheckREADME(t *testing.T) {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, s := range READMESections {
		if !bytes.Contains(data, []byte(s)) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		t.Errorf("README.md lacks the sections %s", strings.Join(slices.Clip(missing), ", "))
	}
}
