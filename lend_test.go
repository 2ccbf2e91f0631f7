package borderwatch

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// lendingSource emits n events, each lent by l.
type lendingSource struct {
	n int
	l *recordingLender
}

func (s *lendingSource) Name() string { return "lent" }
func (s *lendingSource) Run(ctx context.Context, out Emitter) error {
	for i := 1; i <= s.n; i++ {
		ev := &Event{Timestamp: time.Unix(int64(i), 0), Event: EventMeta{ID: fmt.Sprint(i)}}
		ev.Lend(s.l)
		s.l.lent(ev)
		if err := out.Emit(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// recordingLender records what it lent and what came back, and checks every event comes
// back at most once and only after the sinks saw it.
type recordingLender struct {
	t        *testing.T
	mu       sync.Mutex
	out      map[*Event]bool
	returned []string
	sink     *collectSink
}

func (l *recordingLender) lent(ev *Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.out[ev] = true
}

func (l *recordingLender) Return(ev *Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.out[ev] {
		l.t.Errorf("event %s returned twice or never lent", ev.Event.ID)
		return
	}
	delete(l.out, ev)
	l.returned = append(l.returned, ev.Event.ID)
	if l.sink != nil {
		l.sink.mu.Lock()
		defer l.sink.mu.Unlock()
		for _, seen := range l.sink.evs {
			if seen == ev {
				return
			}
		}
		l.t.Errorf("event %s returned before a sink published it", ev.Event.ID)
	}
}

// copyingSink is a collectSink that says it keeps nothing of the events.
type copyingSink struct{ collectSink }

func (*copyingSink) CopiesEvents() bool { return true }

func TestLentEventsGivenBack(t *testing.T) {
	for _, tc := range []struct {
		name      string
		sinks     func(*copyingSink) []Sink
		wantBack  int // events given back of 100 (every tenth raised an alert)
		failSinks bool
	}{
		{"every sink copies", func(c *copyingSink) []Sink { return []Sink{c} }, 90, false},
		{"a sink keeps events", func(c *copyingSink) []Sink { return []Sink{c, &collectSink{}} }, 0, false},
		{"no sinks", func(*copyingSink) []Sink { return nil }, 0, false},
		{"the sink failed", func(c *copyingSink) []Sink { c.failAt = 1; return []Sink{c} }, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := &copyingSink{}
			l := &recordingLender{t: t, out: map[*Event]bool{}, sink: &sink.collectSink}
			p := &Pipeline{
				Sources: []Source{&lendingSource{n: 100, l: l}},
				Rules:   []Rule{&everyTenth{}}, Sinks: tc.sinks(sink), Logger: quiet, QueueSize: 8, BatchSize: 4,
			}
			err := p.Run(context.Background())
			if (err != nil) != tc.failSinks {
				t.Fatalf("Run: %v", err)
			}
			if len(l.returned) != tc.wantBack {
				t.Fatalf("%d events given back, want %d", len(l.returned), tc.wantBack)
			}
			for _, id := range l.returned {
				if id[len(id)-1] == '0' {
					t.Errorf("event %s raised an alert and was given back: its alert may share its memory", id)
				}
			}
		})
	}
}

func TestGiveBackOnce(t *testing.T) {
	l := &recordingLender{t: t, out: map[*Event]bool{}}
	ev := &Event{Event: EventMeta{ID: "1"}}
	ev.Lend(l)
	l.lent(ev)
	giveBack([]*Event{ev, ev}) // e.g. a rule that returned the event itself as its alert
	if len(l.returned) != 1 || ev.lender != nil {
		t.Fatalf("returned %v, lender %v: want the event given back once", l.returned, ev.lender)
	}
}
