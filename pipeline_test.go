package borderwatch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// sliceSource emits n events, rejecting every badEvery-th record.
type sliceSource struct {
	name     string
	n        int
	badEvery int
	started  chan struct{}
}

func (s *sliceSource) Name() string { return s.name }
func (s *sliceSource) Run(ctx context.Context, out Emitter) error {
	if s.started != nil {
		close(s.started)
	}
	for i := 1; i <= s.n; i++ {
		if s.badEvery > 0 && i%s.badEvery == 0 {
			if err := out.Reject(ctx, Rejected{Format: "test", Where: fmt.Sprintf("%s:%d", s.name, i), Raw: []byte("garbage"), Err: errors.New("bad")}); err != nil {
				return err
			}
			continue
		}
		ev := &Event{Timestamp: time.Unix(int64(i), 0), Event: EventMeta{Dataset: "borderwatch.test", ID: fmt.Sprintf("%s-%d", s.name, i)}}
		if err := out.Emit(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// collectSink records what it is given; it can be slowed down or made to fail.
type collectSink struct {
	mu     sync.Mutex
	evs    []*Event
	delay  time.Duration
	failAt int
	closed bool
}

func (c *collectSink) Publish(_ context.Context, evs []*Event) error {
	time.Sleep(c.delay)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failAt > 0 && len(c.evs)+len(evs) >= c.failAt {
		return errors.New("disk full")
	}
	c.evs = append(c.evs, evs...)
	return nil
}
func (c *collectSink) Close(context.Context) error { c.closed = true; return nil }

// everyTenth raises an alert for every tenth event and one more at flush.
type everyTenth struct{ n int }

func (r *everyTenth) Evaluate(_ context.Context, ev *Event) ([]*Event, error) {
	r.n++
	if r.n%10 != 0 {
		return nil, nil
	}
	return []*Event{{Timestamp: ev.Timestamp, Rule: &RuleInfo{ID: "tenth"},
		Borderwatch: Borderwatch{Alert: &Alert{Key: ev.Event.ID, Refs: []string{ev.Borderwatch.ID}}}}}, nil
}
func (r *everyTenth) Flush(context.Context) ([]*Event, error) {
	return []*Event{{Rule: &RuleInfo{ID: "tenth"}, Borderwatch: Borderwatch{Alert: &Alert{Key: "flush"}}}}, nil
}

type recordRejects struct {
	mu sync.Mutex
	rs []Rejected
}

func (d *recordRejects) Write(r Rejected) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.rs = append(d.rs, r)
	return nil
}

type countingEnricher struct{ fail bool }

func (c countingEnricher) Enrich(_ context.Context, ev *Event) error {
	ev.Source.IP = netip.MustParseAddr("192.0.2.1")
	if c.fail {
		return errors.New("no database")
	}
	return nil
}

func TestPipelineDeliversEverythingInOrder(t *testing.T) {
	sink := &collectSink{}
	dead := &recordRejects{}
	p := &Pipeline{
		Sources:    []Source{&sliceSource{name: "a", n: 1000, badEvery: 100}},
		Enrichers:  []Enricher{countingEnricher{}},
		Rules:      []Rule{&everyTenth{}},
		Sinks:      []Sink{sink},
		DeadLetter: dead,
		Logger:     quiet,
		QueueSize:  8, // small, so that back-pressure is exercised
		BatchSize:  4,
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := p.Stats.Snapshot()
	if s.Read != 990 || s.Rejected != 10 || s.Enriched != 990 {
		t.Errorf("read %d rejected %d enriched %d, want 990 10 990", s.Read, s.Rejected, s.Enriched)
	}
	if s.Alerts != 100 || s.AlertsByRule["tenth"] != 100 { // 99 + 1 at flush
		t.Errorf("alerts %d by rule %v, want 100", s.Alerts, s.AlertsByRule)
	}
	if s.Written != 1090 || len(sink.evs) != 1090 {
		t.Errorf("written %d, sink got %d, want 1090", s.Written, len(sink.evs))
	}
	if s.RejectedByFormat["test"] != 10 || len(dead.rs) != 10 || dead.rs[0].Where != "a:100" {
		t.Errorf("rejects by format %v, dead letters %d", s.RejectedByFormat, len(dead.rs))
	}
	if !sink.closed {
		t.Error("sink not closed")
	}
	// Input order is kept, and each alert follows the event that raised it.
	last := int64(0)
	for i, ev := range sink.evs {
		if ev.Event.Kind == KindAlert {
			if ev.Borderwatch.Alert.Key != "flush" && ev.Borderwatch.Alert.Refs[0] != sink.evs[i-1].Borderwatch.ID {
				t.Fatalf("alert %d does not follow its event", i)
			}
			if ev.Borderwatch.ID == "" {
				t.Fatalf("alert %d has no id", i)
			}
			continue
		}
		if ts := ev.Timestamp.Unix(); ts <= last {
			t.Fatalf("event %d out of order: %d after %d", i, ts, last)
		}
		last = ev.Timestamp.Unix()
	}
}

func TestPipelineCancelDrainsWhatWasRead(t *testing.T) {
	sink := &collectSink{delay: time.Millisecond}
	started := make(chan struct{})
	p := &Pipeline{
		Sources: []Source{&sliceSource{name: "a", n: 1_000_000, started: started}},
		Sinks:   []Sink{sink}, Logger: quiet, QueueSize: 64, BatchSize: 16,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	<-started
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("pipeline did not stop after cancel")
	}
	s := p.Stats.Snapshot()
	if s.Read == 0 || s.Read >= 1_000_000 {
		t.Fatalf("read %d: cancel did not stop the source mid-way", s.Read)
	}
	if s.Written != s.Read || uint64(len(sink.evs)) != s.Read {
		t.Errorf("read %d but wrote %d (sink has %d): drain lost events", s.Read, s.Written, len(sink.evs))
	}
}

func TestPipelineSinkFailureStopsInputAndReports(t *testing.T) {
	sink := &collectSink{failAt: 100}
	p := &Pipeline{
		Sources: []Source{&sliceSource{name: "a", n: 100_000}},
		Sinks:   []Sink{sink}, Logger: quiet, QueueSize: 16, BatchSize: 8,
	}
	err := p.Run(context.Background())
	if err == nil || !contains(err.Error(), "disk full") {
		t.Fatalf("err %v, want the sink's error", err)
	}
	s := p.Stats.Snapshot()
	if s.Read >= 100_000 {
		t.Errorf("source was not stopped: read %d", s.Read)
	}
	if s.Written+s.Dropped != s.Read {
		t.Errorf("written %d + dropped %d != read %d: events unaccounted for", s.Written, s.Dropped, s.Read)
	}
}

func TestPipelineEnrichErrorsCountedNotFatal(t *testing.T) {
	sink := &collectSink{}
	p := &Pipeline{
		Sources: []Source{&sliceSource{name: "a", n: 50}}, Enrichers: []Enricher{countingEnricher{fail: true}},
		Sinks: []Sink{sink}, Logger: quiet,
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := p.Stats.Snapshot()
	if s.EnrichErrors != 50 || s.Enriched != 0 || len(sink.evs) != 50 {
		t.Errorf("enrich errors %d enriched %d written %d", s.EnrichErrors, s.Enriched, len(sink.evs))
	}
}

func TestTryEmitDropsAndCounts(t *testing.T) {
	ch := make(chan *Event, 1)
	var st Stats
	em := &emitter{ch: ch, stats: &st, log: quiet}
	if !em.TryEmit(&Event{}) || em.TryEmit(&Event{}) {
		t.Fatal("TryEmit: want accept then drop")
	}
	if st.Read.Load() != 1 || st.Dropped.Load() != 1 {
		t.Errorf("read %d dropped %d", st.Read.Load(), st.Dropped.Load())
	}
}

type failingSource struct{}

func (failingSource) Name() string                       { return "broken" }
func (failingSource) Run(context.Context, Emitter) error { return errors.New("permission denied") }

func TestPipelineSourceErrorDoesNotStopOthers(t *testing.T) {
	sink := &collectSink{}
	p := &Pipeline{Sources: []Source{failingSource{}, &sliceSource{name: "b", n: 20}}, Sinks: []Sink{sink}, Logger: quiet}
	err := p.Run(context.Background())
	if err == nil || !contains(err.Error(), "broken: permission denied") {
		t.Fatalf("err %v", err)
	}
	if len(sink.evs) != 20 || p.Stats.SourceErrors.Load() != 1 {
		t.Errorf("sink got %d events, source errors %d", len(sink.evs), p.Stats.SourceErrors.Load())
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

type pacedSource struct {
	sliceSource
	paced bool
}

func (s *pacedSource) Paced() bool { return s.paced }

// A queue sized automatically is short only when every source waits for room.
func TestAutoQueueSize(t *testing.T) {
	paced, unpaced := &pacedSource{paced: true}, &pacedSource{paced: false}
	for _, tc := range []struct {
		name    string
		sources []Source
		want    int
	}{
		{"none", nil, DefaultQueueSize},
		{"one paced", []Source{paced}, PacedQueueSize},
		{"two paced", []Source{paced, paced}, PacedQueueSize},
		{"paced and one that says no", []Source{paced, unpaced}, DefaultQueueSize},
		{"paced and one that does not say", []Source{paced, &sliceSource{}}, DefaultQueueSize},
	} {
		p := &Pipeline{Sources: tc.sources}
		if got := p.autoQueueSize(); got != tc.want {
			t.Errorf("%s: queue of %d, want %d", tc.name, got, tc.want)
		}
	}
}
