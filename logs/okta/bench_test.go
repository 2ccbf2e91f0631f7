package okta_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/okta"
	"github.com/borderwatch/borderwatch/logs/okta/oktagen"
)

// cpuTime is the CPU time (user + system) this process has used. The benchmarks report
// events per CPU second next to events per wall second: on a shared, busy machine wall time
// includes waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchLines(b *testing.B, n int) [][]byte {
	var buf bytes.Buffer
	if err := oktagen.Write(&buf, n, 1, time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)); err != nil {
		b.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
}

// BenchmarkParse measures the Okta parser alone on realistic events (~1.6 KB each).
// Target: ≥ 200 k events/s on one core (go test -bench Parse -cpu 1 ./logs/okta).
func BenchmarkParse(b *testing.B) {
	lines := benchLines(b, 4096)
	p, _ := okta.New(logs.Options{})
	var bytesIn int64
	for _, l := range lines {
		bytesIn += int64(len(l))
	}
	b.SetBytes(bytesIn / int64(len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	rec := logs.Record{Path: "bench", Line: 1}
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		rec.Data = lines[i%len(lines)]
		if err := p.Parse(&rec, func(*borderwatch.Event) { n++ }); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(n)/cpu.Seconds(), "events/cpu-s")
}

// discard is an Emitter that drops everything (the source alone is measured).
type discard struct{ n int }

func (d *discard) Emit(context.Context, *borderwatch.Event) error     { d.n++; return nil }
func (d *discard) TryEmit(*borderwatch.Event) bool                    { d.n++; return true }
func (d *discard) Reject(context.Context, borderwatch.Rejected) error { return nil }

// BenchmarkSourceFile measures reading a file through the Source: framing, detection and
// parsing (no enrichment, no output).
func BenchmarkSourceFile(b *testing.B) {
	const n = 20000
	path := filepath.Join(b.TempDir(), "okta.ndjson")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := oktagen.Write(f, n, 1, time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)); err != nil {
		b.Fatal(err)
	}
	fi, _ := f.Stat()
	f.Close()
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		src, err := logs.NewSource(logs.SourceConfig{Paths: []string{path}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		var d discard
		if err := src.Run(context.Background(), &d); err != nil || d.n != n {
			b.Fatalf("run: %v, %d events", err, d.n)
		}
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "events/cpu-s")
}
