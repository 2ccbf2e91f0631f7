package logstest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Collector is an Emitter that keeps everything in memory. It is safe for concurrent use.
type Collector struct {
	mu       sync.Mutex
	Events   []*borderwatch.Event
	Rejected []borderwatch.Rejected
}

var _ borderwatch.Emitter = (*Collector)(nil)

// Emit implements borderwatch.Emitter.
func (c *Collector) Emit(ctx context.Context, ev *borderwatch.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Events = append(c.Events, ev)
	return nil
}

// TryEmit implements borderwatch.Emitter.
func (c *Collector) TryEmit(ev *borderwatch.Event) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Events = append(c.Events, ev)
	return true
}

// Reject implements borderwatch.Emitter; it copies Raw as the pipeline does.
func (c *Collector) Reject(_ context.Context, r borderwatch.Rejected) error {
	r.Raw = bytes.Clone(r.Raw)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Rejected = append(c.Rejected, r)
	return nil
}

// Snapshot returns copies of the slices collected so far.
func (c *Collector) Snapshot() ([]*borderwatch.Event, []borderwatch.Rejected) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*borderwatch.Event(nil), c.Events...), append([]borderwatch.Rejected(nil), c.Rejected...)
}

// Read runs a logs source over cfg.Paths once and returns what it produced.
func Read(t testing.TB, cfg logs.SourceConfig) *Collector {
	t.Helper()
	if cfg.Options.Year == 0 {
		cfg.Options.Year = 2024
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	src, err := logs.NewSource(cfg)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	var c Collector
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := src.Run(ctx, &c); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return &c
}

// Marshal renders events (normalized as the pipeline does) and rejections as NDJSON, one
// line each, in order: the golden form.
func Marshal(t testing.TB, c *Collector) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, ev := range c.Events {
		borderwatch.Normalize(ev)
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("marshal event: %v", err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	for _, r := range c.Rejected {
		errText := ""
		if r.Err != nil {
			errText = r.Err.Error()
		}
		b, _ := json.Marshal(map[string]any{"rejected": map[string]string{
			"format": r.Format, "where": filepath.ToSlash(r.Where), "error": errText, "raw": string(r.Raw)}})
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// Golden reads each sample (a path under testdata/) with the given format ("" = detect) and
// compares the NDJSON with testdata/<sample>.golden.ndjson; -update rewrites the golden files.
func Golden(t *testing.T, format string, samples ...string) {
	t.Helper()
	GoldenConfig(t, logs.SourceConfig{Format: format}, samples...)
}

// GoldenConfig is Golden with a source configuration (format settings, zone, year); its
// Paths are replaced by each sample in turn.
func GoldenConfig(t *testing.T, cfg logs.SourceConfig, samples ...string) {
	t.Helper()
	for _, sample := range samples {
		t.Run(filepath.Base(sample), func(t *testing.T) {
			cfg := cfg
			cfg.Paths = []string{sample}
			c := Read(t, cfg)
			got := Marshal(t, c)
			golden := strings.TrimSuffix(strings.TrimSuffix(sample, ".gz"), filepath.Ext(strings.TrimSuffix(sample, ".gz"))) + ".golden.ndjson"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", sample, golden, diff(want, got))
			}
		})
	}
}

// diff names the first differing line.
func diff(want, got []byte) string {
	w := strings.Split(string(want), "\n")
	g := strings.Split(string(got), "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\nwant %s\n got %s", i+1, a, b)
		}
	}
	return "(equal lines, different bytes)"
}

// ReadmeSections are the sections every format README has.
var ReadmeSections = []string{"## Reads", "## Configuration", "## Example", "## Fields"}

// CheckReadme fails unless README.md in the current directory has every section.
func CheckReadme(t *testing.T) {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ReadmeSections {
		if !bytes.Contains(b, []byte("\n"+s)) {
			t.Errorf("README.md lacks the section %q", s)
		}
	}
}

// Fuzz feeds data to a fresh parser of the named format (and its Detect) and checks that
// neither panics and that every event emitted has a timestamp and can be marshalled.
func Fuzz(t *testing.T, format string, data []byte) {
	FuzzWith(t, format, logs.Options{Year: 2024, Location: time.UTC}, data)
}

// FuzzWith is Fuzz with parser options (settings, zone, year).
func FuzzWith(t *testing.T, format string, opts logs.Options, data []byte) {
	f, ok := logs.Lookup(format)
	if !ok {
		t.Fatalf("format %q not registered", format)
	}
	p, err := f.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Detect(data)
	rec := logs.Record{Data: data, Path: "fuzz", Line: 1, Received: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}
	_ = p.Parse(&rec, func(ev *borderwatch.Event) { CheckEvent(t, ev) })
}

// CheckEvent fails unless ev has a timestamp and marshals after normalization.
func CheckEvent(t *testing.T, ev *borderwatch.Event) {
	t.Helper()
	if ev.Timestamp.IsZero() {
		t.Fatalf("event without @timestamp: %+v", ev.Event)
	}
	borderwatch.Normalize(ev)
	if _, err := json.Marshal(ev); err != nil {
		t.Fatalf("event does not marshal: %v", err)
	}
}

// SameWhenDetected checks that auto-detection reads each sample exactly as the named format.
func SameWhenDetected(t *testing.T, format string, samples ...string) {
	t.Helper()
	for _, sample := range samples {
		named := Marshal(t, Read(t, logs.SourceConfig{Paths: []string{sample}, Format: format}))
		detected := Marshal(t, Read(t, logs.SourceConfig{Paths: []string{sample}}))
		if !bytes.Equal(named, detected) {
			t.Errorf("%s: detected output differs from --format %s:\n%s", sample, format, diff(named, detected))
		}
	}
}

// AddSeeds adds each sample file, and each of its lines, to the fuzz corpus.
func AddSeeds(f *testing.F, samples ...string) {
	for _, s := range samples {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		for _, line := range bytes.Split(b, []byte("\n")) {
			if len(bytes.TrimSpace(line)) > 0 {
				f.Add(line)
			}
		}
	}
}
