// Package deadletter keeps input that could not be processed: one JSON object per rejected
// record with the time, the format, the location (file:line or sender), the reason and the raw
// bytes, so that nothing bad is lost silently and every entry can be replayed once fixed.
package deadletter

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/borderwatch/borderwatch"
)

// Entry is one line of the dead-letter file. Raw holds the record when it is valid UTF-8,
// RawBase64 otherwise.
type Entry struct {
	Time      time.Time `json:"@timestamp"`
	Format    string    `json:"format,omitempty"`
	Where     string    `json:"where"`
	Error     string    `json:"error"`
	Raw       string    `json:"raw,omitempty"`
	RawBase64 string    `json:"raw_base64,omitempty"`
}

// File appends entries to a file. It is safe for concurrent use.
type File struct {
	mu   sync.Mutex
	f    *os.File
	w    *bufio.Writer
	path string
	n    uint64
	now  func() time.Time
}

var _ borderwatch.DeadLetter = (*File)(nil)

// Open appends to path, creating it (mode 0640) if needed.
func Open(path string) (*File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("dead-letter: %w", err)
	}
	return &File{f: f, w: bufio.NewWriter(f), path: path, now: time.Now}, nil
}

// Write appends one rejected record and flushes it, so that a crash loses none.
func (d *File) Write(r borderwatch.Rejected) error {
	e := Entry{Time: d.now().UTC(), Format: r.Format, Where: r.Where}
	if r.Err != nil {
		e.Error = r.Err.Error()
	}
	if utf8.Valid(r.Raw) {
		e.Raw = string(r.Raw)
	} else {
		e.RawBase64 = base64.StdEncoding.EncodeToString(r.Raw)
	}
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("dead-letter: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.w.Write(line)
	d.w.WriteByte('\n')
	if err := d.w.Flush(); err != nil {
		return fmt.Errorf("dead-letter: %s: %w", d.path, err)
	}
	d.n++
	return nil
}

// Count returns how many entries this File wrote.
func (d *File) Count() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n
}

// Path returns the file's path.
func (d *File) Path() string { return d.path }

// Close flushes, syncs and closes the file.
func (d *File) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.w.Flush(); err != nil {
		d.f.Close()
		return fmt.Errorf("dead-letter: %s: %w", d.path, err)
	}
	if err := d.f.Sync(); err != nil {
		d.f.Close()
		return fmt.Errorf("dead-letter: %s: %w", d.path, err)
	}
	return d.f.Close()
}
