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

// DeadLetter keeps rejected input for later inspection.
type DeadLetter interface {
	Write(r Rejected) error
}

// ErrBadInput marks a run in which some input was rejected; callers map it to an exit code.
var ErrBadInput = errors.New("some input was rejected")
