// Package logs reads VPN and SSO logs: it frames input (lines, JSON documents and arrays,
// syslog), detects each file's format, and hands records to the parser registered for that
// format. Each format lives in its own folder (logs/okta, logs/asa, ...) and registers itself
// in init; logs/all imports them all.
package logs

import (
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch"
)

// Framing says how a format's input is split into records.
type Framing int

const (
	// FrameLines: one record per line (syslog text, CSV, key=value).
	FrameLines Framing = iota
	// FrameJSON: one JSON document per record: JSON lines, or the elements of a top-level
	// JSON array (API pages). Wrapper objects ({"Records":[...]}) are one record; the parser
	// unwraps them.
	FrameJSON
)

// Record is one unit of input handed to a parser.
type Record struct {
	Data     []byte    // the record; valid only during Parse: copy what you keep
	Path     string    // file path, "-" for stdin, or the listener address
	Line     int64     // 1-based line where the record starts (0 when not known)
	Sender   string    // syslog sender address, if any
	Received time.Time // when the record arrived (syslog) or the file's mtime: context for years
}

// Where names the record's location for messages: "path:line" or the sender.
func (r *Record) Where() string {
	if r.Sender != "" {
		return r.Sender
	}
	if r.Line > 0 {
		return fmt.Sprintf("%s:%d", r.Path, r.Line)
	}
	return r.Path
}

// Parser turns a record into zero or more events. emit takes ownership of each event.
// A record that is not valid input returns an error (wrapped ErrSkip for records that are
// valid but carry nothing of interest, which are counted apart and not dead-lettered).
// A Parser is used by one goroutine at a time.
type Parser interface {
	Parse(rec *Record, emit func(*borderwatch.Event)) error
}

// Options configures a parser instance.
type Options struct {
	Location *time.Location // zone for timestamps without one (default UTC)
	Year     int            // year for syslog stamps without one (0: infer from Record.Received)
	Logger   *slog.Logger
	Settings map[string]any // format-specific settings from the config (e.g. generic mappings)
}

// Format describes one registered log format.
type Format struct {
	Name        string // e.g. "okta"; also the suffix of event.dataset ("borderwatch.okta")
	Description string // one line for help texts
	Framing     Framing
	New         func(Options) (Parser, error)
	// Detect scores how likely one record (a line or JSON document from the start of a
	// file, or a syslog message) is of this format: 0 not at all, 100 certain.
	Detect func(rec []byte) int
}

// ErrSkip marks a record that is well-formed but not an event borderwatch keeps (a debug
// line, an unrelated syslog message). It is counted, not dead-lettered.
var ErrSkip = fmt.Errorf("record skipped")

var (
	mu      sync.RWMutex
	formats = map[string]Format{}
)

// Register adds a format. It panics on a duplicate or incomplete registration; call it in init.
func Register(f Format) {
	mu.Lock()
	defer mu.Unlock()
	if f.Name == "" || f.New == nil || f.Detect == nil {
		panic("logs: incomplete format registration: " + f.Name)
	}
	if _, dup := formats[f.Name]; dup {
		panic("logs: format registered twice: " + f.Name)
	}
	formats[f.Name] = f
}

// Lookup returns the format with the given name.
func Lookup(name string) (Format, bool) {
	mu.RLock()
	defer mu.RUnlock()
	f, ok := formats[name]
	return f, ok
}

// Formats returns all registered formats sorted by name.
func Formats() []Format {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Format, 0, len(formats))
	for _, f := range formats {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
