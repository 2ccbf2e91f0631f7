package replay

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/borderwatch/borderwatch"
)

// MaxLine bounds one NDJSON line; longer lines are rejected.
const MaxLine = 4 << 20

// Source reads ECS NDJSON files (optionally gzip-compressed; "-" is stdin) as events. Alerts in
// the input are skipped (counted in Skipped): rules evaluate events, not earlier alerts. A Source
// runs once; it is not safe for concurrent use.
type Source struct {
	Paths []string
	Stdin io.Reader // used for "-"; os.Stdin when nil

	Skipped uint64 // alert documents in the input
}

var _ borderwatch.Source = (*Source)(nil)

// Name implements borderwatch.Source.
func (s *Source) Name() string { return "ecs-ndjson" }

// Run implements borderwatch.Source.
func (s *Source) Run(ctx context.Context, out borderwatch.Emitter) error {
	for _, p := range s.Paths {
		if err := s.file(ctx, p, out); err != nil {
			return err
		}
	}
	return nil
}

func (s *Source) file(ctx context.Context, path string, out borderwatch.Emitter) error {
	var r io.Reader
	if path == "-" {
		r = s.Stdin
		if r == nil {
			r = os.Stdin
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		defer f.Close()
		r = f
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("replay: %s: %w", path, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	return Scan(br, func(line int64, ev *borderwatch.Event, err error, raw []byte) error {
		where := fmt.Sprintf("%s:%d", path, line)
		if err != nil {
			return out.Reject(ctx, borderwatch.Rejected{Format: "ecs", Where: where, Raw: raw, Err: err})
		}
		if ev.Event.Kind == borderwatch.KindAlert {
			s.Skipped++
			return nil
		}
		ev.Borderwatch.Input = &borderwatch.Input{Type: "file", Path: path, Line: line}
		return out.Emit(ctx, ev)
	})
}

// Scan splits r into lines and decodes each non-blank one as an ECS event, calling fn with the
// 1-based line number and either the event or the reason it is not one (with the raw line,
// valid only during the call). It stops at the first error fn returns or a read error.
func Scan(r io.Reader, fn func(line int64, ev *borderwatch.Event, err error, raw []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	var n int64
	for sc.Scan() {
		n++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		ev, err := Decode(raw)
		if err := fn(n, ev, err, raw); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("replay: line %d longer than %d bytes", n+1, MaxLine)
		}
		return fmt.Errorf("replay: line %d: %w", n+1, err)
	}
	return nil
}

// Decode parses one ECS document. It must be a JSON object with an @timestamp.
func Decode(raw []byte) (*borderwatch.Event, error) {
	if len(raw) == 0 || raw[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	ev := new(borderwatch.Event)
	if err := json.Unmarshal(raw, ev); err != nil {
		return nil, fmt.Errorf("not an ECS event: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if ev.Timestamp.IsZero() {
		return nil, errors.New("no @timestamp")
	}
	ev.Timestamp = ev.Timestamp.UTC()
	return ev, nil
}

// LooksLikeECS reports whether the first non-blank line of data is an ECS event: used to tell
// replayable NDJSON from vendor logs.
func LooksLikeECS(data []byte) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var probe struct {
			TS    json.RawMessage `json:"@timestamp"`
			Event *struct {
				Kind string `json:"kind"`
			} `json:"event"`
		}
		if json.Unmarshal(line, &probe) != nil {
			return false
		}
		return len(probe.TS) > 0 && probe.Event != nil && probe.Event.Kind != ""
	}
	return false
}
