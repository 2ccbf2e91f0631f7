package logs

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/borderwatch/borderwatch"
)

// SourceConfig configures one log input: a set of paths read once or followed, and/or syslog
// listeners. The zero value reads nothing; NewSource fills defaults.
type SourceConfig struct {
	Paths   []string // files, globs, directories; "-" is stdin; gzip is read transparently
	Format  string   // "" = auto-detect per file (and per syslog message and sender)
	Options Options  // zone/year etc. for parsers
	Logger  *slog.Logger

	// FormatSettings are per-format settings (Options.Settings for that format), e.g. the
	// field mapping of the generic format.
	FormatSettings map[string]map[string]any

	MaxLine     int // cap on one line or JSON record (default DefaultMaxLine)
	MaxDocument int // cap on one multi-line JSON document (default DefaultMaxDocument)

	Follow       bool          // keep reading files as they grow, rotate and appear (tail -F)
	PollInterval time.Duration // follow: how often files and globs are checked (default 250ms)
	StateDir     string        // where read offsets are kept across restarts ("" = not kept)

	Listen   []string       // syslog listeners: "udp://127.0.0.1:5514", "tcp://0.0.0.0:6514"
	Listener ListenerConfig // limits of the listeners

	Stdin io.Reader // what "-" reads (default os.Stdin)
}

// Source reads log inputs and emits their events. Create it with NewSource; it runs once.
// Its counters are safe to read while it runs.
type Source struct {
	cfg   SourceConfig
	log   *slog.Logger
	fixed *Format
	stats SourceStats

	bound      chan struct{} // closed once the listeners are bound (or failed to bind)
	boundAddrs []string
}

// SourceStats counts what a Source read. All fields are safe for concurrent use.
type SourceStats struct {
	Files          atomic.Uint64 // inputs opened (files, stdin, rotated generations)
	Records        atomic.Uint64 // non-blank records read
	Events         atomic.Uint64 // events emitted
	Skipped        atomic.Uint64 // records a parser recognized but does not keep (ErrSkip)
	Rejected       atomic.Uint64 // records rejected (unparsable, too long, unrecognized, unreadable)
	Unrecognized   atomic.Uint64 // inputs whose format could not be detected
	Messages       atomic.Uint64 // syslog messages received
	Dropped        atomic.Uint64 // syslog messages dropped (over size, over connection limit)
	Connections    atomic.Uint64 // syslog TCP connections accepted
	Refused        atomic.Uint64 // syslog TCP connections refused at the limit
	SendersEvicted atomic.Uint64 // senders whose detected format was forgotten (max_senders)
}

var _ borderwatch.Source = (*Source)(nil)

// NewSource checks cfg and returns a Source. It fails only for bad configuration (an unknown
// format, a parser that refuses its settings, a malformed listen address); unreadable files
// are reported while running, through Emitter.Reject.
func NewSource(cfg SourceConfig) (borderwatch.Source, error) {
	return newSource(cfg)
}

func newSource(cfg SourceConfig) (*Source, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxLine <= 0 {
		cfg.MaxLine = DefaultMaxLine
	}
	if cfg.MaxDocument <= 0 {
		cfg.MaxDocument = DefaultMaxDocument
	}
	cfg.MaxDocument = max(cfg.MaxDocument, cfg.MaxLine)
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 250 * time.Millisecond
	}
	if cfg.Options.Location == nil {
		cfg.Options.Location = time.UTC
	}
	if cfg.Stdin == nil {
		cfg.Stdin = os.Stdin
	}
	cfg.Listener.setDefaults()
	if len(cfg.Paths) == 0 && len(cfg.Listen) == 0 {
		return nil, errors.New("logs: no input: give files, globs, directories, - for stdin, or a listen address")
	}
	s := &Source{cfg: cfg, log: cfg.Logger, bound: make(chan struct{})}
	if len(cfg.Listen) == 0 {
		close(s.bound)
	}
	if cfg.Format != "" {
		f, ok := Lookup(cfg.Format)
		if !ok {
			return nil, fmt.Errorf("logs: unknown format %q; known formats: %s", cfg.Format, strings.Join(FormatNames(), ", "))
		}
		if _, err := s.newParser(f); err != nil {
			return nil, fmt.Errorf("logs: format %s: %w", f.Name, err)
		}
		s.fixed = &f
	}
	for _, a := range cfg.Listen {
		if _, _, err := parseListenAddr(a); err != nil {
			return nil, fmt.Errorf("logs: %w", err)
		}
	}
	if cfg.Follow && slices.Contains(cfg.Paths, "-") && len(cfg.Paths) > 1 {
		return nil, errors.New("logs: follow mode reads either stdin or files, not both")
	}
	return s, nil
}

// FormatNames lists the registered format names.
func FormatNames() []string {
	var names []string
	for _, f := range Formats() {
		names = append(names, f.Name)
	}
	return names
}

// Name implements borderwatch.Source.
func (s *Source) Name() string { return "logs" }

// Stats returns the source's counters.
func (s *Source) Stats() *SourceStats { return &s.stats }

// Paced implements borderwatch.Paced: files and stdin wait for room in the queue. A syslog
// listener does not (datagrams keep coming), so a source with listeners is not paced.
func (s *Source) Paced() bool { return len(s.cfg.Listen) == 0 }

func (s *Source) newParser(f Format) (Parser, error) {
	opts := s.cfg.Options
	if opts.Logger == nil {
		opts.Logger = s.log.With("format", f.Name)
	}
	if st, ok := s.cfg.FormatSettings[f.Name]; ok {
		opts.Settings = st
	}
	return f.New(opts)
}

// Run reads every input, then returns (or, with listeners or follow mode, runs until ctx is
// done). Bad input is rejected through out and does not stop the run.
func (s *Source) Run(ctx context.Context, out borderwatch.Emitter) error {
	var (
		wg   sync.WaitGroup
		lerr error
	)
	if len(s.cfg.Listen) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lerr = s.listen(ctx, out)
		}()
	}
	var err error
	switch {
	case len(s.cfg.Paths) == 0:
	case s.cfg.Follow && !slices.Equal(s.cfg.Paths, []string{"-"}):
		err = s.follow(ctx, out)
	default:
		err = s.readAll(ctx, out)
	}
	wg.Wait()
	st := &s.stats
	attrs := []any{"inputs", st.Files.Load(), "records", st.Records.Load(),
		"events", st.Events.Load(), "skipped", st.Skipped.Load(), "rejected", st.Rejected.Load(),
		"unrecognized_inputs", st.Unrecognized.Load()}
	if len(s.cfg.Listen) > 0 {
		attrs = append(attrs, "syslog_messages", st.Messages.Load(), "syslog_dropped", st.Dropped.Load(),
			"tcp_connections", st.Connections.Load(), "tcp_refused", st.Refused.Load(),
			"senders_evicted", st.SendersEvicted.Load())
	}
	s.log.Info("log input finished", attrs...)
	if err == nil {
		err = lerr
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// readAll reads every path once, in order.
func (s *Source) readAll(ctx context.Context, out borderwatch.Emitter) error {
	for _, p := range s.cfg.Paths {
		if p == "-" {
			if err := s.readStream(ctx, out, s.cfg.Stdin, InputStdin, "-", time.Now()); err != nil {
				return err
			}
			continue
		}
		files, err := expand(p)
		if err != nil {
			if err := s.rejectInput(ctx, out, p, err); err != nil {
				return err
			}
			continue
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := s.readFile(ctx, out, f); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Source) rejectInput(ctx context.Context, out borderwatch.Emitter, where string, err error) error {
	s.stats.Rejected.Add(1)
	format := s.cfg.Format
	if format == "" {
		format = "detect"
	}
	return out.Reject(ctx, borderwatch.Rejected{Format: format, Where: where, Err: err})
}

// expand turns a path, glob or directory into the files it names, sorted. Directories are
// walked recursively; hidden files and directories (".name") are left out.
func expand(p string) ([]string, error) {
	if strings.ContainsAny(p, "*?[") {
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("bad glob %q: %w", p, err)
		}
		var files []string
		dotOK := strings.HasPrefix(filepath.Base(p), ".")
		for _, f := range m {
			if !dotOK && strings.HasPrefix(filepath.Base(f), ".") {
				continue // like a shell, "*" does not match hidden files
			}
			if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
				files = append(files, f)
			} else if err == nil && fi.IsDir() {
				sub, err := expand(f)
				if err != nil {
					return nil, err
				}
				files = append(files, sub...)
			}
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("no file matches %q", p)
		}
		return files, nil
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{p}, nil
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != p && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	return files, nil
}

func (s *Source) readFile(ctx context.Context, out borderwatch.Emitter, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return s.rejectInput(ctx, out, path, err)
	}
	defer f.Close()
	mtime := time.Now()
	if fi, err := f.Stat(); err == nil {
		mtime = fi.ModTime()
	}
	return s.readStream(ctx, out, f, InputFile, path, mtime)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// openStream wraps r for reading: gzip (by its magic number) is decompressed and a UTF-8 byte
// order mark dropped.
func openStream(r io.Reader) (*bufio.Reader, io.Closer, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var closer io.Closer
	if b, _ := br.Peek(2); len(b) == 2 && b[0] == 0x1f && b[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		closer = gz
		br = bufio.NewReaderSize(gz, 64<<10)
	}
	if b, _ := br.Peek(3); bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(3)
	}
	return br, closer, nil
}

// newFramer picks the framing for an input from the fixed format or from its first byte.
func (s *Source) newFramer(br *bufio.Reader, partialOK bool, line, offset int64) (framer, Framing) {
	framing := FrameLines
	if s.fixed != nil {
		framing = s.fixed.Framing
	} else if c := peekFirstByte(br); c == '{' || c == '[' {
		framing = FrameJSON
	}
	if framing == FrameJSON && !jsonLayout(br) {
		return newJSONReader(br, s.cfg.MaxDocument), framing
	}
	return newLineReader(br, s.cfg.MaxLine, partialOK, line, offset), framing
}

// readStream reads one input to its end.
func (s *Source) readStream(ctx context.Context, out borderwatch.Emitter, r io.Reader, kind, path string, received time.Time) error {
	s.stats.Files.Add(1)
	br, closer, err := openStream(r)
	if err != nil {
		return s.rejectInput(ctx, out, path, err)
	}
	if closer != nil {
		defer closer.Close()
	}
	fr, framing := s.newFramer(br, true, 0, 0)
	st := s.newStream(out, kind, path, framing)
	st.received = received
	_, err = s.pump(ctx, st, fr)
	return err
}

// pump feeds records from fr to st until the end of input. A read error (a corrupt gzip
// member, an I/O error) is rejected with its location and ends this input only.
func (s *Source) pump(ctx context.Context, st *stream, fr framer) (eof bool, err error) {
	for n := 0; ; n++ {
		if n&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return false, err
			}
		}
		rec, line, tooLong, rerr := fr.next()
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				return true, st.finish(ctx)
			}
			s.stats.Rejected.Add(1)
			e := st.out.Reject(ctx, borderwatch.Rejected{Format: "detect", Where: st.where(line + 1),
				Err: fmt.Errorf("read: %w", rerr)})
			if e != nil {
				return false, e
			}
			return true, st.finish(ctx)
		}
		if err := st.handle(ctx, rec, line, tooLong); err != nil {
			return false, err
		}
	}
}
