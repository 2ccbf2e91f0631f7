package iprange

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
)

// MaxFileSize bounds a list file read from disk.
const MaxFileSize = 1 << 30

// Loader keeps the Table for a set of list files current. Table is safe for concurrent use
// and never waits for Reload, which builds a new Table beside the old one and swaps it in.
// The zero value is not usable; use NewLoader.
type Loader struct {
	cfg   Config
	log   *slog.Logger
	mu    sync.Mutex // serializes Reload
	state []listState
	table atomic.Pointer[Table]
}

type listState struct {
	info   fs.FileInfo
	parsed *Parsed
	err    error
}

// NewLoader reads every configured list. A list whose file is missing or unreadable is
// logged and left empty, never fatal: the sensor runs with the others, and the next Reload
// picks the file up once it exists.
func NewLoader(cfg Config, log *slog.Logger) (*Loader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Loader{cfg: cfg, log: log, state: make([]listState, len(cfg.Lists))}
	for i := range cfg.Lists {
		l.state[i] = l.read(i)
	}
	l.publish()
	return l, nil
}

func (l *Loader) read(i int) listState {
	c := l.cfg.Lists[i]
	f, err := os.Open(c.Path)
	if err != nil {
		return listState{err: err}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return listState{err: err}
	}
	if info.Size() > MaxFileSize {
		return listState{info: info, err: fmt.Errorf("%s: %d bytes is more than the %d a list may have", c.Path, info.Size(), MaxFileSize)}
	}
	data := make([]byte, info.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return listState{info: info, err: fmt.Errorf("read %s: %w", c.Path, err)}
	}
	format, _ := ParseFormat(c.Format)
	p, err := Parse(data, format, c.Services)
	if err != nil {
		return listState{info: info, err: fmt.Errorf("%s: %w", c.Path, err)}
	}
	return listState{info: info, parsed: p}
}

func (l *Loader) publish() {
	parsed := make([]*Parsed, len(l.state))
	for i, s := range l.state {
		parsed[i] = s.parsed
	}
	t := Build(l.cfg.Lists, parsed)
	for i, li := range t.lists {
		s := l.state[i]
		if s.err != nil {
			t.lists[i].Err = s.err.Error()
		}
		attrs := []any{"list", li.Config.Name, "category", li.Config.Category, "path", li.Config.Path}
		switch {
		case s.parsed == nil:
			hint := ""
			if errors.Is(s.err, fs.ErrNotExist) && li.Config.URL != "" {
				hint = "run `borderwatch ranges fetch` to download it"
			}
			l.log.Warn("range list not loaded; it matches nothing until its file can be read", append(attrs, "error", s.err, "fix", hint)...)
		default:
			attrs = append(attrs, "format", string(li.Format), "ipv4_prefixes", li.Prefixes4, "ipv6_prefixes", li.Prefixes6, "asns", li.ASNs)
			if li.Bad > 0 {
				attrs = append(attrs, "bad_lines", li.Bad, "first_bad", li.Samples[0].String())
			}
			l.log.Info("range list loaded", attrs...)
		}
	}
	l.table.Store(t)
}

// Table returns the current table.
func (l *Loader) Table() *Table { return l.table.Load() }

// Reload re-reads the lists whose files changed (or appeared) and, if any did, publishes a
// new Table. A list that can no longer be read keeps its previous content.
func (l *Loader) Reload() (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	changed := false
	var errs []error
	for i, c := range l.cfg.Lists {
		st, err := os.Stat(c.Path)
		old := l.state[i]
		if err != nil {
			if old.parsed != nil {
				errs = append(errs, fmt.Errorf("range list %s: %w (keeping its previous content)", c.Name, err))
			}
			continue
		}
		if old.info != nil && os.SameFile(st, old.info) && st.Size() == old.info.Size() && st.ModTime().Equal(old.info.ModTime()) {
			continue
		}
		s := l.read(i)
		if s.err != nil {
			errs = append(errs, fmt.Errorf("range list %s: %w (keeping its previous content)", c.Name, s.err))
			if old.parsed != nil {
				l.state[i] = listState{info: s.info, parsed: old.parsed, err: s.err}
				continue
			}
		}
		l.state[i] = s
		changed = true
	}
	if changed {
		l.publish()
	}
	return changed, errors.Join(errs...)
}
