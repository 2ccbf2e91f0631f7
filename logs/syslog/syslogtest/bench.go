package syslogtest

import (
	"os"
	"testing"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
)

// Bench measures the named format over the lines of its samples that yield events, and
// reports lines/s (wall clock) and lines/cpu-s (per CPU second, parsing and garbage
// collection; run with -cpu 1 for the per-core figure).
func Bench(b *testing.B, format string) {
	f, ok := logs.Lookup(format)
	if !ok {
		b.Fatalf("format %q is not registered", format)
	}
	var lines [][]byte
	for _, path := range Samples(b) {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range Lines(data) {
			p, _ := f.New(logs.Options{Year: 2026})
			n := 0
			if err := p.Parse(&logs.Record{Data: l, Received: Received}, func(*borderwatch.Event) { n++ }); err == nil && n > 0 {
				lines = append(lines, l)
			}
		}
	}
	if len(lines) == 0 {
		b.Fatal("no sample line yields an event")
	}
	p, err := f.New(logs.Options{Year: 2026})
	if err != nil {
		b.Fatal(err)
	}
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	b.SetBytes(int64(size / len(lines)))
	b.ReportAllocs()
	rec := &logs.Record{Path: "bench.log", Received: Received}
	n := 0
	emit := func(*borderwatch.Event) { n++ }
	cpu0 := CPUTime()
	for i := 0; b.Loop(); i++ {
		rec.Data = lines[i%len(lines)]
		rec.Line = int64(i + 1)
		_ = p.Parse(rec, emit)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
	if cpu := CPUTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "lines/cpu-s")
	}
}
