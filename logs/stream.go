package logs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/borderwatch/borderwatch"
)

// Input types recorded in borderwatch.input.type.
const (
	InputFile   = "file"
	InputStdin  = "stdin"
	InputSyslog = "syslog"
)

// stream turns the records of one input (a file, stdin, a syslog sender) into events: it
// detects the format from the first records unless one is fixed, runs the parser, and sends
// what cannot be parsed to Reject. A stream is used by one goroutine.
type stream struct {
	src      *Source
	out      borderwatch.Emitter
	kind     string // InputFile, InputStdin, InputSyslog
	path     string
	sender   string
	received time.Time
	framing  Framing

	format  Format
	known   bool
	parser  Parser
	parsers map[string]Parser // formats met later in a mixed line-framed input

	pending      []pendingRecord // records read while the format is not known yet
	unrecognized bool            // detection gave up: the rest of the input is not read

	ctx     context.Context
	emitErr error
	rec     Record
	cur     string // the format of the parser running now
}

type pendingRecord struct {
	data []byte
	line int64
}

func (s *Source) newStream(out borderwatch.Emitter, kind, path string, framing Framing) *stream {
	st := &stream{src: s, out: out, kind: kind, path: path, framing: framing}
	if s.fixed != nil {
		st.format, st.known = *s.fixed, true
	}
	return st
}

// where names a record for messages.
func (st *stream) where(line int64) string {
	if st.sender != "" {
		return st.sender
	}
	if line > 0 {
		return fmt.Sprintf("%s:%d", st.path, line)
	}
	return st.path
}

// handle processes one record. It returns an error only when the run must stop (the context
// is done, or a rejected record could not be kept).
func (st *stream) handle(ctx context.Context, data []byte, line int64, tooLong bool) error {
	if len(bytes.TrimSpace(data)) == 0 && !tooLong {
		return nil
	}
	if st.framing == FrameJSON {
		data = bytes.TrimLeft(data, " \t") // indented NDJSON
	}
	st.src.stats.Records.Add(1)
	if st.unrecognized {
		return nil
	}
	if !st.known {
		if tooLong {
			return st.reject(ctx, "detect", data, line, errTooLong(st.src.cfg.MaxLine))
		}
		f, ok := Detect(data, st.framing)
		if !ok {
			if len(st.pending) < detectRecords-1 && st.kind != InputSyslog {
				st.pending = append(st.pending, pendingRecord{data: bytes.Clone(data), line: line})
				return nil
			}
			return st.giveUp(ctx, data, line)
		}
		if err := st.setFormat(f); err != nil {
			return st.reject(ctx, f.Name, data, line, err)
		}
		pending := st.pending
		st.pending = nil
		for _, p := range pending {
			if err := st.parse(ctx, p.data, p.line); err != nil {
				return err
			}
		}
	}
	if tooLong {
		return st.reject(ctx, st.format.Name, data, line, errTooLong(st.src.cfg.MaxLine))
	}
	return st.parse(ctx, data, line)
}

// finish is called at the end of the input: records held for detection are reported.
func (st *stream) finish(ctx context.Context) error {
	if st.known || len(st.pending) == 0 {
		return nil
	}
	p := st.pending[len(st.pending)-1]
	st.pending = st.pending[:len(st.pending)-1]
	return st.giveUp(ctx, p.data, p.line)
}

// giveUp reports the input as unrecognized: one rejection naming it, with its first record,
// plus one per record that was held back.
func (st *stream) giveUp(ctx context.Context, data []byte, line int64) error {
	st.src.stats.Unrecognized.Add(1)
	name := st.path
	if st.sender != "" {
		name = st.sender
	}
	err := fmt.Errorf("unrecognized format: no registered format matches %s (use --format to name one)", name)
	pending := st.pending
	st.pending = nil
	if st.kind != InputSyslog {
		st.unrecognized = true
	}
	for _, p := range pending {
		if e := st.reject(ctx, "detect", p.data, p.line, err); e != nil {
			return e
		}
	}
	return st.reject(ctx, "detect", data, line, err)
}

func (st *stream) setFormat(f Format) error {
	p, err := st.src.newParser(f)
	if err != nil {
		return err
	}
	st.format, st.known, st.parser = f, true, p
	return nil
}

// parse runs the stream's parser on one record; in a line-framed input without a fixed
// format, a record the parser refuses is offered to the format that detects it best (mixed
// syslog files and listeners).
func (st *stream) parse(ctx context.Context, data []byte, line int64) error {
	if st.parser == nil {
		p, err := st.src.newParser(st.format)
		if err != nil {
			return st.reject(ctx, st.format.Name, data, line, err)
		}
		st.parser = p
	}
	err := st.run(ctx, st.format.Name, st.parser, data, line)
	if err == nil || st.emitErr != nil {
		return st.emitErr
	}
	if errors.Is(err, ErrSkip) {
		st.src.stats.Skipped.Add(1)
		return nil
	}
	if st.src.fixed == nil && st.framing == FrameLines {
		if f, ok := Detect(data, FrameLines); ok && f.Name != st.format.Name {
			p, perr := st.other(f)
			if perr == nil {
				err2 := st.run(ctx, f.Name, p, data, line)
				if err2 == nil || st.emitErr != nil {
					return st.emitErr
				}
				if errors.Is(err2, ErrSkip) {
					st.src.stats.Skipped.Add(1)
					return nil
				}
			}
		}
	}
	return st.reject(ctx, st.format.Name, data, line, err)
}

func (st *stream) other(f Format) (Parser, error) {
	if p, ok := st.parsers[f.Name]; ok {
		return p, nil
	}
	if len(st.parsers) >= 16 {
		return nil, errors.New("too many formats in one input")
	}
	p, err := st.src.newParser(f)
	if err != nil {
		return nil, err
	}
	if st.parsers == nil {
		st.parsers = make(map[string]Parser)
	}
	st.parsers[f.Name] = p
	return p, nil
}

// run calls the parser and turns a panic into an error.
func (st *stream) run(ctx context.Context, format string, p Parser, data []byte, line int64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parser panic: %v", r)
		}
	}()
	st.rec = Record{Data: data, Path: st.path, Line: line, Sender: st.sender, Received: st.received}
	st.ctx, st.cur = ctx, format
	return p.Parse(&st.rec, st.emit)
}

// emit is handed to parsers; it fills borderwatch.input and passes the event on.
func (st *stream) emit(ev *borderwatch.Event) {
	if ev == nil || st.emitErr != nil {
		return
	}
	if ev.Borderwatch.Input == nil {
		in := &borderwatch.Input{Type: st.kind, Path: st.rec.Path, Line: st.rec.Line, Sender: st.sender}
		ev.Borderwatch.Input = in
	}
	if ev.Event.Dataset == "" {
		ev.Event.Dataset = Dataset(st.cur)
	}
	if ev.Event.Module == "" {
		ev.Event.Module = st.cur
	}
	if err := st.out.Emit(st.ctx, ev); err != nil {
		st.emitErr = err
		return
	}
	st.src.stats.Events.Add(1)
}

func (st *stream) reject(ctx context.Context, format string, data []byte, line int64, err error) error {
	st.src.stats.Rejected.Add(1)
	return st.out.Reject(ctx, borderwatch.Rejected{Format: format, Where: st.where(line), Raw: data, Err: err})
}

func errTooLong(max int) error {
	return fmt.Errorf("record longer than %d bytes (logs.max_line)", max)
}
