package borderwatch

import (
	"context"
	"errors"
	"fmt"
)

// Source produces events: a set of log files, a syslog listener, a pcap file, an interface.
// Run returns when the input is exhausted (nil), when ctx is cancelled (ctx.Err() or nil), or
// on an error that stops this source. Bad records are not errors: they go to out.Reject.
type Source interface {
	Name() string
	Run(ctx context.Context, out Emitter) error
}

// Paced is implemented by sources that hand every event over with Emit and so wait, rather
// than lose anything, while the queue is full: readers of files and stdin. When every source
// is paced the pipeline's automatic queue is short (PacedQueueSize): a deeper one would only
// hold more events in memory.
type Paced interface {
	Paced() bool
}

// Emitter is how a Source hands over events. It is safe for concurrent use.
type Emitter interface {
	// Emit passes ev on, blocking while the pipeline is full (back-pressure: nothing is
	// dropped). It fails only when ctx is cancelled. The pipeline owns ev afterwards.
	Emit(ctx context.Context, ev *Event) error
	// TryEmit passes ev on if there is room and otherwise drops it, counts the drop and
	// returns false. Live capture uses it so that it never blocks the kernel ring.
	TryEmit(ev *Event) bool
	// Reject records input that could not be parsed: it is counted per format, reported
	// with its location and kept in the dead-letter file.
	Reject(ctx context.Context, r Rejected) error
}

// Rejected is one input record that could not be turned into an event.
type Rejected struct {
	Format string // the parser that refused it, e.g. "okta"
	Where  string // file:line, or the syslog sender
	Raw    []byte // the record as read; the pipeline copies it
	Err    error
}

func (r Rejected) Error() string {
	if r.Format == "" {
		return fmt.Sprintf("%s: %v", r.Where, r.Err)
	}
	return fmt.Sprintf("%s: %s: %v", r.Where, r.Format, r.Err)
}

// Enricher adds knowledge to an event (geo, ASN, ranges, direction). It must be safe for
// concurrent use. An error is counted and logged; the event goes on unenriched.
type Enricher interface {
	Enrich(ctx context.Context, ev *Event) error
}

// Rule evaluates one event and returns the alerts it raises (or none). The pipeline calls a
// Rule from one goroutine at a time, in input order.
type Rule interface {
	Evaluate(ctx context.Context, ev *Event) ([]*Event, error)
}

// Flusher is implemented by rules that hold back alerts (suppression windows, aggregations):
// Flush is called once at the end of input and returns what is still pending.
type Flusher interface {
	Flush(ctx context.Context) ([]*Event, error)
}

// Sink writes events out. Publish is called from one goroutine at a time; it returns once the
// batch is written or safely queued (e.g. spooled to disk). Close flushes and releases.
type Sink interface {
	Publish(ctx context.Context, evs []*Event) error
	Close(ctx context.Context) error
}

// Lender is implemented by a source that builds events in memory it reuses, such as the
// capture's event blocks (see Event.Lend). The pipeline gives an event back through Return
// once every sink has published it, so its memory, and the strings that point into it, may
// be reused for a later event. It keeps the event instead, leaving it to the garbage
// collector, when:
//   - a rule built an alert from it: alerts copy the event's fields, strings included, and
//     rules may hold alerts back (suppression windows);
//   - a sink may keep it (a sink that does not report CopiesEvents, see EventCopier);
//   - a sink failed.
//
// A Rule must therefore not keep an event's strings or pointers past Evaluate except in the
// alerts it returns (keys it builds by concatenation or formatting are copies). Return may be
// called from another goroutine than the one that built the event, and must ignore an event
// that is not one of its own (a copy made with *ev).
type Lender interface {
	Return(ev *Event)
}

// EventCopier is implemented by a Sink that may report that Publish keeps nothing of the
// events it is given once it returns: it encodes them, or copies what it keeps. Only when
// every sink says so does the pipeline give events back to their Lender. Wrappers report
// what the sink they wrap reports.
type EventCopier interface {
	CopiesEvents() bool
}

// CopiesEvents reports whether there are sinks and every one implements EventCopier and
// says it copies events.
func CopiesEvents(sinks ...Sink) bool {
	for _, s := range sinks {
		if c, ok := s.(EventCopier); !ok || !c.CopiesEvents() {
			return false
		}
	}
	return len(sinks) > 0
}

// DeadLetter keeps rejected input for later inspection.
type DeadLetter interface {
	Write(r Rejected) error
}

// ErrBadInput marks a run in which some input was rejected; callers map it to an exit code.
var ErrBadInput = errors.New("some input was rejected")
