package capture

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

var update = flag.Bool("update", false, "rewrite golden files")

// memSink keeps published events in memory.
type memSink struct {
	mu  sync.Mutex
	evs []*borderwatch.Event
}

func (m *memSink) Publish(_ context.Context, evs []*borderwatch.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evs = append(m.evs, evs...)
	return nil
}
func (m *memSink) Close(context.Context) error { return nil }

var _ borderwatch.Sink = (*memSink)(nil)

func writeFixture(t testing.TB, name string, pkts []synth.Packet, ng bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, pcapData(t, pkts, ng), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runFiles runs a pipeline with a FileSource over paths and returns the events and stats.
func runFiles(t testing.TB, cfg Config, paths ...string) ([]*borderwatch.Event, borderwatch.StatsSnapshot, error) {
	t.Helper()
	sink := &memSink{}
	src := &FileSource{Paths: paths, Config: cfg, Observer: borderwatch.Observer{Name: "sensor-1"}, Logger: slog.New(slog.DiscardHandler)}
	p := &borderwatch.Pipeline{Sources: []borderwatch.Source{src}, Sinks: []borderwatch.Sink{sink}, Logger: slog.New(slog.DiscardHandler)}
	err := p.Run(context.Background())
	return sink.evs, p.Stats.Snapshot(), err
}

func sortedJSON(t testing.TB, evs []*borderwatch.Event) []byte {
	t.Helper()
	lines := make([]string, 0, len(evs))
	for _, ev := range evs {
		if in := ev.Borderwatch.Input; in != nil {
			in.Path = filepath.Base(in.Path) // the temporary directory differs per run
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	slices.Sort(lines)
	return []byte(strings.Join(lines, "\n") + "\n")
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\ngot  %s\nwant %s\n(run go test -update after checking the change)", path, i+1, g, w)
			}
		}
	}
}

func TestMixedGolden(t *testing.T) {
	path := writeFixture(t, "mixed.pcap", synth.Mixed(), false)
	evs, st, err := runFiles(t, DefaultConfig(), path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Rejected != 0 {
		t.Fatalf("rejected %d records of a clean file", st.Rejected)
	}
	golden(t, "mixed.golden.ndjson", sortedJSON(t, evs))
}

func TestCookedPcapNGGolden(t *testing.T) {
	path := writeFixture(t, "cooked.pcapng", synth.Cooked(), true)
	evs, _, err := runFiles(t, DefaultConfig(), path)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "cooked.golden.ndjson", sortedJSON(t, evs))
}

// A file cut inside a record gives the sessions read before the cut and one rejected record
// naming the byte offset.
func TestTruncatedFile(t *testing.T) {
	var buf bytes.Buffer
	pkts := synth.Mixed()
	if err := synth.WritePcap(&buf, pkts, false); err != nil {
		t.Fatal(err)
	}
	full := buf.Bytes()
	// cut in the middle of the record of packet 40 (scenario 5)
	off := 24
	for i := 0; i < 40; i++ {
		off += 16 + int(binary.LittleEndian.Uint32(full[off+8:]))
	}
	path := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(path, full[:off+30], 0o644); err != nil {
		t.Fatal(err)
	}
	dead := &memDead{}
	sink := &memSink{}
	src := &FileSource{Paths: []string{path}, Config: DefaultConfig(), Logger: slog.New(slog.DiscardHandler)}
	p := &borderwatch.Pipeline{Sources: []borderwatch.Source{src}, Sinks: []borderwatch.Sink{sink}, DeadLetter: dead, Logger: slog.New(slog.DiscardHandler)}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := p.Stats.Snapshot()
	if st.Rejected != 1 || len(dead.recs) != 1 || dead.recs[0].Where != fmt.Sprintf("%s: byte offset %d", path, off) {
		t.Fatalf("rejected %d, dead letters %+v; want one at offset %d", st.Rejected, dead.recs, off)
	}
	// sessions before the cut: scenarios 1-4 complete, the TeamViewer flow partly
	var names []string
	for _, ev := range sink.evs {
		names = append(names, ev.Destination.IP.String())
	}
	slices.Sort(names)
	want := []string{"10.1.0.53", "192.168.1.50", "198.51.100.10", "203.0.113.77", "203.0.113.80", "203.0.113.81"}
	if !slices.Equal(names, want) {
		t.Fatalf("sessions to %v, want %v", names, want)
	}
	if src.Stats().Decode.Frames != 40 {
		t.Fatalf("%d frames read, want 40", src.Stats().Decode.Frames)
	}
}

type memDead struct{ recs []borderwatch.Rejected }

func (m *memDead) Write(r borderwatch.Rejected) error { m.recs = append(m.recs, r); return nil }

// BenchmarkProcessor runs frames of established flows through decode, flow table and
// analyzers: the steady state allocates nothing.
func BenchmarkProcessor(b *testing.B) {
	shared, err := NewShared(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	proc := NewProcessor(DefaultConfig(), shared, borderwatch.Observer{}, func(*borderwatch.Event) {}, slog.New(slog.DiscardHandler))
	pkts := synth.Mixed()
	for _, p := range pkts { // warm up: every flow exists and its analyzers are done
		proc.Packet(1, p.Data, p.Time, len(p.Data))
	}
	// replay the data segments of the long flow (scenario 20) with advancing sequence numbers
	var seg []byte
	for _, p := range pkts {
		if len(p.Data) > 54 && p.Time.After(synth.Base.Add(20*time.Second)) {
			seg = bytes.Clone(p.Data)
			break
		}
	}
	ts := synth.Base.Add(time.Hour)
	b.ReportAllocs()
	b.SetBytes(int64(len(seg)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		proc.Packet(1, seg, ts, len(seg))
	}
}

// TestFixtureFiles keeps the committed captures in testdata (used by the CLI tests and the
// README examples) equal to what the generator makes; -update rewrites them.
func TestFixtureFiles(t *testing.T) {
	for _, f := range []struct {
		name string
		pkts []synth.Packet
		ng   bool
	}{{"mixed.pcap", synth.Mixed(), false}, {"cooked.pcapng", synth.Cooked(), true}} {
		var buf bytes.Buffer
		var err error
		if f.ng {
			err = synth.WritePcapNG(&buf, f.pkts)
		} else {
			err = synth.WritePcap(&buf, f.pkts, false)
		}
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", f.name)
		if *update {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		have, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(have, buf.Bytes()) {
			t.Fatalf("%s is missing or stale (go test -update ./capture/ regenerates it): %v", path, err)
		}
	}
}
