// Package ndjson writes events as ECS documents, one JSON object per line, to a file or a
// stream: the format any SIEM ingests.
package ndjson

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/borderwatch/borderwatch"
)

// Sink writes one JSON document per event. It is not safe for concurrent use; the pipeline
// calls Publish from one goroutine.
type Sink struct {
	w          *bufio.Writer
	f          *os.File // nil when writing to a stream we do not own
	name       string
	alertsOnly bool
	buf        []byte // reused document buffer
}

var _ borderwatch.Sink = (*Sink)(nil)

// Options select what the sink writes.
type Options struct {
	AlertsOnly bool // write alerts only, not the events behind them
}

// New writes to w, which the caller keeps owning (Close flushes but does not close it).
func New(w io.Writer, opt Options) *Sink {
	return &Sink{w: bufio.NewWriterSize(w, 256<<10), name: "stream", alertsOnly: opt.AlertsOnly}
}

// Create appends to the file at path, creating it with mode 0640 if needed.
func Create(path string, opt Options) (*Sink, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("ndjson: %w", err)
	}
	s := New(f, opt)
	s.f, s.name = f, path
	return s, nil
}

// Publish writes evs and flushes them to the underlying writer.
func (s *Sink) Publish(_ context.Context, evs []*borderwatch.Event) error {
	for _, ev := range evs {
		if s.alertsOnly && ev.Event.Kind != borderwatch.KindAlert {
			continue
		}
		s.buf = append(ev.AppendJSON(s.buf[:0]), '\n')
		if _, err := s.w.Write(s.buf); err != nil {
			return fmt.Errorf("ndjson: %s: %w", s.name, err)
		}
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("ndjson: %s: %w", s.name, err)
	}
	return nil
}

// CopiesEvents reports true: Publish encodes events and keeps nothing of them.
func (s *Sink) CopiesEvents() bool { return true }

// Close flushes; for files it also syncs (regular files only: devices and pipes such as
// /dev/null cannot be synced) and closes them.
func (s *Sink) Close(context.Context) error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("ndjson: %s: %w", s.name, err)
	}
	if s.f == nil {
		return nil
	}
	if fi, err := s.f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return s.f.Close()
	}
	if err := s.f.Sync(); err != nil {
		s.f.Close()
		return fmt.Errorf("ndjson: %s: %w", s.name, err)
	}
	return s.f.Close()
}
