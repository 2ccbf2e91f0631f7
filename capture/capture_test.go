package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

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
	var buf bytes.Buffer
	var err error
	if ng {
		err = synth.WritePcapNG(&buf, pkts)
	} else {
		err = synth.WritePcap(&buf, pkts, false)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
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
