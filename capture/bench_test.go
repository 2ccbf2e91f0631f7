package capture

import (
	"bufio"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

type countSink struct{ n int }

func (c *countSink) Publish(_ context.Context, evs []*borderwatch.Event) error {
	c.n += len(evs)
	return nil
}
func (c *countSink) Close(context.Context) error { return nil }

// BenchmarkFileSource reads a generated 64 MB capture (TLS, DNS, QUIC, IPv6, VLAN) through
// the file source and a pipeline without enrichment; bytes/s is capture-file throughput.
func BenchmarkFileSource(b *testing.B) {
	path := os.Getenv("BORDERWATCH_BENCH_PCAP") // e.g. the file bench/capture/run.sh made
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.pcap")
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(f)
		if _, err := synth.WriteBench(w, 64<<20, 2000, 1); err != nil {
			b.Fatal(err)
		}
		w.Flush()
		f.Close()
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink := &countSink{}
		src := &FileSource{Paths: []string{path}, Config: DefaultConfig(), Logger: slog.New(slog.DiscardHandler)}
		p := &borderwatch.Pipeline{Sources: []borderwatch.Source{src}, Sinks: []borderwatch.Sink{sink}, Logger: slog.New(slog.DiscardHandler)}
		if err := p.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

type discardEmitter struct{ n int }

func (d *discardEmitter) Emit(context.Context, *borderwatch.Event) error { d.n++; return nil }
func (d *discardEmitter) TryEmit(*borderwatch.Event) bool                { d.n++; return true }
func (d *discardEmitter) Reject(context.Context, borderwatch.Rejected) error {
	return nil
}

// BenchmarkFileSourceOnly is BenchmarkFileSource without the pipeline: read, decode, flows,
// analyzers and event building.
func BenchmarkFileSourceOnly(b *testing.B) {
	path := os.Getenv("BORDERWATCH_BENCH_PCAP")
	if path == "" {
		b.Skip("set BORDERWATCH_BENCH_PCAP to a capture (bench/capture/run.sh makes one)")
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		src := &FileSource{Paths: []string{path}, Config: DefaultConfig(), Logger: slog.New(slog.DiscardHandler)}
		if err := src.Run(context.Background(), &discardEmitter{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFlowEvents runs the 30 flows of the mixed fixture (TLS, QUIC, DNS, HTTP, SSH, RDP,
// VNC, tunnels, fragments) through a fresh processor and ends them: the per-flow work of
// analyzers and event building. allocs/op and B/op are per 30 flows.
func BenchmarkFlowEvents(b *testing.B) {
	shared, err := NewShared(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	pkts := synth.Mixed()
	events := 0
	b.ReportAllocs()
	for b.Loop() {
		proc := NewProcessor(DefaultConfig(), shared, borderwatch.Observer{}, func(*borderwatch.Event) { events++ }, slog.New(slog.DiscardHandler))
		for _, p := range pkts {
			proc.Packet(1, p.Data, p.Time, len(p.Data))
		}
		proc.Flush()
	}
	if events == 0 {
		b.Fatal("no events")
	}
}
