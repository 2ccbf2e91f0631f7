package logs

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/borderwatch/borderwatch"
)

// Follow mode works like tail -F: every PollInterval it expands the paths again (new files
// matching a glob are picked up), reads what each file gained, and notices rotation:
//
//   - by rename (logrotate's default): the old file keeps its identity (device and inode);
//     it is read to its end, including a last line without a newline, and closed once it no
//     longer matches any path and has stopped growing; the new file is read from its start;
//   - by copy and truncate: a file shorter than the read offset is read again from its start.
//
// Offsets are kept per file identity in StateDir and written atomically every second and at
// the end, together with a checksum of the file's first bytes so that a recycled inode is not
// mistaken for the old file. After a restart each file resumes where it was left; a file that
// was rotated away while borderwatch was down is found again by its identity in the same
// directory and finished. Lines are handed on before their offset is saved, so a crash may
// repeat the lines of the last second (their document ids are the same, so Elasticsearch
// keeps one copy) but never loses any.

// maxFollowed bounds the files followed at once; more are left for later and counted.
const maxFollowed = 4096

// fileID identifies a file across renames.
type fileID struct {
	Dev uint64 `json:"dev"`
	Ino uint64 `json:"ino"`
}

func identity(fi os.FileInfo) (fileID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{Dev: uint64(st.Dev), Ino: uint64(st.Ino)}, true //nolint:unconvert // widths differ by platform
}

// fileState is what the state file keeps per followed file.
type fileState struct {
	ID     fileID `json:"id"`
	Path   string `json:"path"`
	Offset int64  `json:"offset"`
	Line   int64  `json:"line"`
	FPLen  int    `json:"fp_len"` // bytes covered by FP
	FP     uint32 `json:"fp"`     // CRC-32 of the first FPLen bytes
	Whole  bool   `json:"whole,omitempty"`
}

const fpMax = 1024

// tailed is one followed file.
type tailed struct {
	fileState
	// pos and posLine are where reading continues; Offset and Line (saved) stay at the
	// first record still held back for format detection, so that a restart reads it again.
	pos     int64
	posLine int64
	f       *os.File
	br      *bufio.Reader
	st      *stream
	lineFr  bool      // framing decided: lines
	matched bool      // seen under a followed path in the latest scan
	idle    time.Time // when it was last seen not matching and not growing
}

type follower struct {
	s       *Source
	out     borderwatch.Emitter
	files   map[fileID]*tailed
	saved   map[fileID]fileState // loaded state not yet claimed by an open file
	path    string               // state file ("" = none)
	dirty   bool
	warned  map[string]bool
	lastErr map[string]string
}

func (s *Source) follow(ctx context.Context, out borderwatch.Emitter) error {
	fw := &follower{s: s, out: out, files: map[fileID]*tailed{}, saved: map[fileID]fileState{},
		warned: map[string]bool{}, lastErr: map[string]string{}}
	if s.cfg.StateDir != "" {
		if err := os.MkdirAll(s.cfg.StateDir, 0o750); err != nil {
			return fmt.Errorf("logs: state dir: %w", err)
		}
		fw.path = filepath.Join(s.cfg.StateDir, stateFileName(s.cfg.Paths))
		if err := fw.load(); err != nil {
			return err
		}
	}
	defer fw.closeAll()
	fw.resumeRotated()
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	lastSave := time.Now()
	for {
		err := fw.poll(ctx)
		if err == nil && fw.dirty && time.Since(lastSave) >= time.Second {
			err = fw.save()
			lastSave = time.Now()
		}
		if err != nil {
			if errors.Is(err, context.Canceled) || ctx.Err() != nil {
				return fw.stop(ctx)
			}
			_ = fw.save()
			return err
		}
		select {
		case <-ctx.Done():
			return fw.stop(ctx)
		case <-tick.C:
		}
	}
}

// stateFileName names the offsets file of one input by its paths, so that several inputs can
// share a state directory.
func stateFileName(paths []string) string {
	h := sha256.Sum256([]byte(strings.Join(paths, "\x00")))
	return "offsets-" + hex.EncodeToString(h[:6]) + ".json"
}

// poll scans the paths and reads every file once.
func (fw *follower) poll(ctx context.Context) error {
	for _, t := range fw.files {
		t.matched = false
	}
	for _, p := range fw.s.cfg.Paths {
		files, err := expand(p)
		if err != nil {
			// A glob that matches nothing yet is normal while following; say it once.
			if msg := err.Error(); fw.lastErr[p] != msg {
				fw.lastErr[p] = msg
				fw.s.log.Info("waiting for files", "path", p, "reason", msg)
			}
			continue
		}
		delete(fw.lastErr, p)
		for _, path := range files {
			fw.track(ctx, path)
		}
	}
	// Read in a stable order: by path.
	list := make([]*tailed, 0, len(fw.files))
	for _, t := range fw.files {
		list = append(list, t)
	}
	slices.SortFunc(list, func(a, b *tailed) int { return strings.Compare(a.Path, b.Path) })
	for _, t := range list {
		if err := ctx.Err(); err != nil {
			return err
		}
		grew, err := fw.read(ctx, t, false)
		if err != nil {
			return err
		}
		if !t.matched {
			// Rotated away or deleted: once it has stopped growing for a while, take a last
			// line without a newline too, and close it.
			if grew || t.idle.IsZero() {
				t.idle = time.Now()
			} else if time.Since(t.idle) >= 4*fw.s.cfg.PollInterval {
				if _, err := fw.read(ctx, t, true); err != nil {
					return err
				}
				if err := fw.settle(ctx, t); err != nil {
					return err
				}
				fw.s.log.Debug("stopped following rotated file", "path", t.Path, "offset", t.Offset)
				t.f.Close()
				delete(fw.files, t.ID)
				fw.dirty = true
			}
		} else {
			t.idle = time.Time{}
		}
	}
	return nil
}

// track opens path if it is a file not followed yet, and marks it as matched.
func (fw *follower) track(ctx context.Context, path string) {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return
	}
	id, ok := identity(fi)
	if !ok {
		return
	}
	if t, ok := fw.files[id]; ok {
		t.matched = true
		if t.Path != path {
			t.Path = path // renamed, still matching (app.log → app.log.1 under app.log*)
			fw.dirty = true
		}
		return
	}
	if len(fw.files) >= maxFollowed {
		if !fw.warned[path] {
			fw.warned[path] = true
			fw.s.stats.Dropped.Add(1)
			fw.s.log.Warn("too many followed files; not following", "path", path, "limit", maxFollowed)
		}
		return
	}
	t, err := fw.open(path, id)
	if err != nil {
		if !fw.warned[path] {
			fw.warned[path] = true
			_ = fw.s.rejectInput(ctx, fw.out, path, err)
		}
		return
	}
	t.matched = true
	fw.files[id] = t
}

// open opens a file and restores its saved offset if the saved state is for the same content.
func (fw *follower) open(path string, id fileID) (*tailed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fw.s.stats.Files.Add(1)
	t := &tailed{fileState: fileState{ID: id, Path: path}, f: f}
	if prev, ok := fw.saved[id]; ok {
		delete(fw.saved, id)
		if fp, n := fingerprint(f, prev.FPLen); n == prev.FPLen && fp == prev.FP {
			t.Offset, t.Line, t.FPLen, t.FP, t.Whole = prev.Offset, prev.Line, prev.FPLen, prev.FP, prev.Whole
			t.pos, t.posLine = prev.Offset, prev.Line
		} else {
			fw.s.log.Info("file changed since last run; reading it from the start", "path", path)
		}
	}
	kind := InputFile
	t.st = fw.s.newStream(fw.out, kind, path, FrameLines)
	if fi, err := f.Stat(); err == nil {
		t.st.received = fi.ModTime()
	}
	fw.dirty = true
	return t, nil
}

// fingerprint is the CRC-32 of the first n (at most fpMax) bytes of f and how many it covered.
func fingerprint(f *os.File, n int) (uint32, int) {
	if n > fpMax {
		n = fpMax
	}
	buf := make([]byte, n)
	m, _ := f.ReadAt(buf, 0)
	return crc32.ChecksumIEEE(buf[:m]), m
}

// read reads what t gained since the last call; final says the file will not be written any
// more (rotated away), so that a last line without a newline is taken too.
func (fw *follower) read(ctx context.Context, t *tailed, final bool) (grew bool, err error) {
	fi, err := t.f.Stat()
	if err != nil {
		return false, nil
	}
	size := fi.Size()
	replaced := false
	if size > t.pos && t.FPLen > 0 {
		// Truncated and written again past the old offset between two polls: the first
		// bytes are no longer the ones read before.
		if fp, n := fingerprint(t.f, t.FPLen); n != t.FPLen || fp != t.FP {
			replaced = true
		}
	}
	if size < t.pos || replaced {
		fw.s.log.Info("file truncated; reading it from the start", "path", t.Path, "size", size, "offset", t.pos)
		t.Offset, t.Line, t.FPLen, t.FP, t.Whole = 0, 0, 0, 0, false
		t.pos, t.posLine = 0, 0
		t.lineFr = false
		t.st = fw.s.newStream(fw.out, InputFile, t.Path, FrameLines)
		fw.dirty = true
	}
	if t.Whole || size == t.pos {
		return false, nil
	}
	if _, err := t.f.Seek(t.pos, io.SeekStart); err != nil {
		return false, nil
	}
	if t.br == nil {
		t.br = bufio.NewReaderSize(t.f, 64<<10)
	} else {
		t.br.Reset(t.f)
	}
	if !t.lineFr && t.pos == 0 {
		// Compressed files and JSON documents spread over lines are complete when they
		// appear (rotated archives, API exports): read them whole, once.
		if b, _ := t.br.Peek(2); len(b) == 2 && b[0] == 0x1f && b[1] == 0x8b {
			return true, fw.readWhole(ctx, t, size)
		}
		// Decide the layout on a complete first line: the writer may be in the middle of it.
		if b := bytes.TrimLeft(peekLine(t.br), " \t\r\n\xef\xbb\xbf"); !final && bytes.IndexByte(b, '\n') < 0 && len(b) < t.br.Size()-4 {
			return false, nil
		}
		fr, framing := fw.s.newFramer(t.br, final, 0, 0)
		if _, isLines := fr.(*lineReader); !isLines {
			return true, fw.readWhole(ctx, t, size)
		}
		t.st.framing = framing
		t.lineFr = true
	}
	start := t.pos
	lr := newLineReader(t.br, fw.s.cfg.MaxLine, final, t.posLine, t.pos)
	if t.pos == 0 {
		// Skip a UTF-8 byte order mark.
		if b, _ := t.br.Peek(3); len(b) == 3 && string(b) == string(utf8BOM) {
			_, _ = t.br.Discard(3)
			lr.offset = 3
		}
	}
	for {
		rec, line, tooLong, rerr := lr.next()
		if rerr != nil {
			break
		}
		if err := t.st.handle(ctx, rec, line, tooLong); err != nil {
			return true, err
		}
		t.pos, t.posLine = lr.consumed(), line
		if len(t.st.pending) == 0 {
			t.Offset, t.Line = t.pos, t.posLine
		}
	}
	if t.pos != start {
		fw.dirty = true
		if t.FPLen < fpMax && t.FPLen < int(t.pos) {
			t.FP, t.FPLen = fingerprint(t.f, int(min(t.pos, fpMax)))
		}
	}
	return t.pos != start, nil
}

// settle reports the records of t still held back for format detection (the file ends
// before its format is known) and moves the saved offset past them.
func (fw *follower) settle(ctx context.Context, t *tailed) error {
	if t.st == nil || len(t.st.pending) == 0 {
		return nil
	}
	if err := t.st.finish(ctx); err != nil {
		return err
	}
	t.Offset, t.Line = t.pos, t.posLine
	fw.dirty = true
	return nil
}

// stop settles every file and saves the offsets.
func (fw *follower) stop(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	var errs []error
	for _, t := range fw.files {
		errs = append(errs, fw.settle(ctx, t))
	}
	errs = append(errs, fw.save())
	return errors.Join(errs...)
}

// readWhole reads a compressed or multi-line JSON file in one go and marks it done.
func (fw *follower) readWhole(ctx context.Context, t *tailed, size int64) error {
	if _, err := t.f.Seek(0, io.SeekStart); err != nil {
		return nil
	}
	if err := fw.s.readStream(ctx, fw.out, t.f, InputFile, t.Path, t.st.received); err != nil {
		return err
	}
	fw.s.stats.Files.Add(^uint64(0)) // readStream counted the file again
	t.Offset, t.Whole = size, true
	t.pos = size
	t.FP, t.FPLen = fingerprint(t.f, int(min(size, fpMax)))
	fw.dirty = true
	return nil
}

// resumeRotated finds files that the state knows but that no longer match any path: rotated
// away while borderwatch was not running. They are looked for by identity in the directory
// of their last path and read to their end.
func (fw *follower) resumeRotated() {
	if len(fw.saved) == 0 {
		return
	}
	matched := map[fileID]bool{}
	for _, p := range fw.s.cfg.Paths {
		files, _ := expand(p)
		for _, f := range files {
			if fi, err := os.Stat(f); err == nil {
				if id, ok := identity(fi); ok {
					matched[id] = true
				}
			}
		}
	}
	dirs := map[string][]fileState{}
	for id, st := range fw.saved {
		if !matched[id] {
			dirs[filepath.Dir(st.Path)] = append(dirs[filepath.Dir(st.Path)], st)
		}
	}
	for dir, states := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			path := filepath.Join(dir, e.Name())
			fi, err := os.Stat(path)
			if err != nil {
				continue
			}
			id, ok := identity(fi)
			if !ok {
				continue
			}
			for _, st := range states {
				if st.ID != id || fi.Size() <= st.Offset || len(fw.files) >= maxFollowed {
					continue
				}
				t, err := fw.open(path, id)
				if err != nil {
					continue
				}
				fw.s.log.Info("finishing a file rotated while stopped", "path", path, "was", st.Path, "offset", t.Offset)
				fw.files[id] = t
			}
		}
	}
}

func (fw *follower) closeAll() {
	for _, t := range fw.files {
		t.f.Close()
	}
}

// stateFile is the JSON document kept in StateDir.
type stateFile struct {
	Version int         `json:"version"`
	Paths   []string    `json:"paths"`
	Files   []fileState `json:"files"`
}

func (fw *follower) load() error {
	b, err := os.ReadFile(fw.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("logs: read state: %w", err)
	}
	var sf stateFile
	if err := json.Unmarshal(b, &sf); err != nil || sf.Version != 1 {
		// A damaged state file must not stop ingestion; keep it aside for inspection.
		bad := fw.path + ".bad"
		_ = os.Rename(fw.path, bad)
		fw.s.log.Warn("state file unreadable; starting without offsets", "path", fw.path, "kept_as", bad, "err", err)
		return nil
	}
	for _, f := range sf.Files {
		fw.saved[f.ID] = f
	}
	return nil
}

// save writes the offsets of the followed files atomically (write, sync, rename).
func (fw *follower) save() error {
	if fw.path == "" || !fw.dirty {
		return nil
	}
	sf := stateFile{Version: 1, Paths: fw.s.cfg.Paths}
	for _, t := range fw.files {
		sf.Files = append(sf.Files, t.fileState)
	}
	slices.SortFunc(sf.Files, func(a, b fileState) int { return strings.Compare(a.Path, b.Path) })
	b, err := json.MarshalIndent(sf, "", "  ")
	if err != nil {
		return err
	}
	tmp := fw.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("logs: write state: %w", err)
	}
	_, werr := f.Write(b)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("logs: write state: %w", err)
	}
	if err := os.Rename(tmp, fw.path); err != nil {
		return fmt.Errorf("logs: write state: %w", err)
	}
	fw.dirty = false
	return nil
}
