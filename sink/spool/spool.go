package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Policies for a full spool (Config.WhenFull).
const (
	// Block refuses the append with ErrFull; the caller waits for the drain to make room.
	// Nothing is lost; input slows down to the cluster's pace.
	Block = "block"
	// DropOldest deletes the oldest whole segments to make room and counts their records in
	// Stats.Dropped. Recent data wins over old data.
	DropOldest = "drop_oldest"
)

var (
	// ErrFull is returned by Append when the spool has no room and the policy is Block.
	ErrFull = errors.New("spool is full")
	// ErrTooLarge is returned by Append for a batch that could never fit.
	ErrTooLarge = errors.New("records larger than the spool")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("spool is closed")
)

const (
	segMagic     = "BWSPOOL\x01"
	posMagic     = "BWSPOS\x00\x01"
	recHeader    = 8 // u32 length, u32 CRC-32C of the payload
	posFile      = "position"
	segSuffix    = ".seg"
	maxRecordLen = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Config configures a spool. The zero value is not valid: start from DefaultConfig.
type Config struct {
	Path         string `yaml:"path"`          // directory; "" disables spooling
	MaxBytes     int64  `yaml:"max_bytes"`     // bound on the segment files' total size
	SegmentBytes int64  `yaml:"segment_bytes"` // a segment is closed once it reaches this size
	WhenFull     string `yaml:"when_full"`     // block | drop_oldest
}

// DefaultConfig returns a disabled spool with 1 GiB, 16 MiB segments and the block policy.
func DefaultConfig() Config {
	return Config{MaxBytes: 1 << 30, SegmentBytes: 16 << 20, WhenFull: Block}
}

// Validate checks the settings.
func (c *Config) Validate() error {
	if c.Path == "" {
		return nil
	}
	if c.SegmentBytes < 4096 {
		return fmt.Errorf("spool.segment_bytes must be at least 4096, e.g. 16777216 (got %d)", c.SegmentBytes)
	}
	if c.MaxBytes < 2*c.SegmentBytes {
		return fmt.Errorf("spool.max_bytes (%d) must be at least twice spool.segment_bytes (%d), e.g. 1073741824", c.MaxBytes, c.SegmentBytes)
	}
	switch c.WhenFull {
	case Block, DropOldest:
	default:
		return fmt.Errorf("spool.when_full %q is not known: use %q or %q", c.WhenFull, Block, DropOldest)
	}
	return nil
}

// Stats are the spool's counters; read them with Snapshot.
type Stats struct {
	Appended atomic.Uint64 // records appended
	Acked    atomic.Uint64 // records consumed
	Dropped  atomic.Uint64 // records deleted by DropOldest
	Corrupt  atomic.Uint64 // records or tails found damaged at Open and skipped
	Full     atomic.Uint64 // appends refused with ErrFull
}

type segment struct {
	seq  uint64
	size int64 // valid bytes (header included); a damaged tail is past it
	recs int64 // valid records
}

// Spool is a durable FIFO of records. It is safe for concurrent use; there is one consumer
// (Peek and Ack are expected from one goroutine). Append copies nothing: the records are
// written before it returns and the caller keeps its buffers.
type Spool struct {
	cfg   Config
	log   *slog.Logger
	Stats Stats

	mu      sync.Mutex
	closed  bool
	segs    []segment // oldest first; the last one is open for append
	w       *os.File  // the last segment
	readSeq uint64    // position: segment and byte offset of the first unconsumed record
	readOff int64
	pending int64 // records not yet consumed
	bytes   int64 // total valid bytes of all segments
	peeked  []pos // positions after each record of the last Peek
	ready   chan struct{}
}

type pos struct {
	seq uint64
	off int64
}

// Open opens or creates the spool in cfg.Path, checking every record and cutting a damaged
// tail left by a crash during an append (such records were never acknowledged).
func Open(cfg Config, log *slog.Logger) (*Spool, error) {
	if cfg.Path == "" {
		return nil, errors.New("spool: no path")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(cfg.Path, 0o750); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s := &Spool{cfg: cfg, log: log, ready: make(chan struct{}, 1)}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Spool) segPath(seq uint64) string {
	return filepath.Join(s.cfg.Path, fmt.Sprintf("%016x%s", seq, segSuffix))
}

func (s *Spool) load() error {
	entries, err := os.ReadDir(s.cfg.Path)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	var seqs []uint64
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, segSuffix) {
			continue
		}
		seq, err := strconv.ParseUint(strings.TrimSuffix(name, segSuffix), 16, 64)
		if err != nil {
			s.log.Warn("spool: ignoring unknown file", "file", filepath.Join(s.cfg.Path, name))
			continue
		}
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	rseq, roff, havePos, err := s.readPosition()
	if err != nil {
		return err
	}
	for i, seq := range seqs {
		last := i == len(seqs)-1
		if havePos && seq < rseq {
			// Consumed before a crash that came between the position write and the removal.
			_ = os.Remove(s.segPath(seq))
			continue
		}
		seg, err := s.scan(seq, last)
		if err != nil {
			return err
		}
		s.segs = append(s.segs, seg)
		s.bytes += seg.size
	}
	if len(s.segs) == 0 {
		if err := s.newSegment(max(rseq, 1)); err != nil {
			return err
		}
		s.readSeq, s.readOff = s.segs[0].seq, int64(len(segMagic))
	} else {
		s.readSeq, s.readOff = s.segs[0].seq, int64(len(segMagic))
		if havePos && rseq == s.segs[0].seq && roff <= s.segs[0].size {
			s.readSeq, s.readOff = rseq, max(roff, int64(len(segMagic)))
		}
		last := s.segs[len(s.segs)-1]
		f, err := os.OpenFile(s.segPath(last.seq), os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		if _, err := f.Seek(last.size, io.SeekStart); err != nil {
			f.Close()
			return fmt.Errorf("spool: %w", err)
		}
		s.w = f
	}
	// Count what is still pending: records at or after the position.
	for _, seg := range s.segs {
		if seg.seq > s.readSeq {
			s.pending += seg.recs
		}
	}
	if n, err := s.countFrom(s.readSeq, s.readOff); err == nil {
		s.pending += n
	} else {
		return err
	}
	if s.pending > 0 {
		s.log.Info("spool: resuming", "path", s.cfg.Path, "records", s.pending, "bytes", s.bytes)
		s.signal()
	}
	return nil
}

// scan validates one segment and returns its valid extent. A damaged tail of the last segment
// (a crash during an append) is cut off; damage elsewhere is skipped, counted and reported.
func (s *Spool) scan(seq uint64, last bool) (segment, error) {
	path := s.segPath(seq)
	data, err := os.ReadFile(path)
	if err != nil {
		return segment{}, fmt.Errorf("spool: %w", err)
	}
	seg := segment{seq: seq, size: int64(len(segMagic))}
	if len(data) < len(segMagic) || string(data[:len(segMagic)]) != segMagic {
		s.Stats.Corrupt.Add(1)
		s.log.Error("spool: segment has no valid header; its records are skipped", "file", path, "offset", 0)
		if last {
			if err := os.WriteFile(path, []byte(segMagic), 0o640); err != nil {
				return segment{}, fmt.Errorf("spool: %w", err)
			}
		}
		return seg, nil
	}
	off := int64(len(segMagic))
	for off < int64(len(data)) {
		n, ok := checkRecord(data[off:])
		if !ok {
			s.Stats.Corrupt.Add(1)
			if last {
				s.log.Warn("spool: cutting a partial record left by an interrupted append", "file", path, "offset", off, "bytes", int64(len(data))-off)
				if err := os.Truncate(path, off); err != nil {
					return segment{}, fmt.Errorf("spool: %w", err)
				}
			} else {
				s.log.Error("spool: damaged record; the rest of this segment is skipped", "file", path, "offset", off, "bytes", int64(len(data))-off)
			}
			break
		}
		off += n
		seg.recs++
	}
	seg.size = off
	return seg, nil
}

// checkRecord returns the length of the valid record at the start of b.
func checkRecord(b []byte) (int64, bool) {
	if len(b) < recHeader {
		return 0, false
	}
	n := binary.BigEndian.Uint32(b)
	if n > maxRecordLen || int64(len(b)-recHeader) < int64(n) {
		return 0, false
	}
	payload := b[recHeader : recHeader+int(n)]
	if crc32.Checksum(payload, castagnoli) != binary.BigEndian.Uint32(b[4:]) {
		return 0, false
	}
	return int64(recHeader) + int64(n), true
}

func (s *Spool) countFrom(seq uint64, off int64) (int64, error) {
	i := s.segIndex(seq)
	if i < 0 {
		return 0, nil
	}
	data, err := os.ReadFile(s.segPath(seq))
	if err != nil {
		return 0, fmt.Errorf("spool: %w", err)
	}
	data = data[:min(int64(len(data)), s.segs[i].size)]
	var n int64
	for off < int64(len(data)) {
		l, ok := checkRecord(data[off:])
		if !ok {
			break
		}
		off += l
		n++
	}
	return n, nil
}

func (s *Spool) segIndex(seq uint64) int {
	for i, sg := range s.segs {
		if sg.seq == seq {
			return i
		}
	}
	return -1
}

func (s *Spool) readPosition() (seq uint64, off int64, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(s.cfg.Path, posFile))
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("spool: %w", err)
	}
	if len(b) != 28 || string(b[:8]) != posMagic || crc32.Checksum(b[:24], castagnoli) != binary.BigEndian.Uint32(b[24:]) {
		s.Stats.Corrupt.Add(1)
		s.log.Error("spool: position file is damaged; replaying from the oldest segment (duplicates are answered 409 by Elasticsearch)", "file", filepath.Join(s.cfg.Path, posFile))
		return 0, 0, false, nil
	}
	return binary.BigEndian.Uint64(b[8:]), int64(binary.BigEndian.Uint64(b[16:])), true, nil
}

func (s *Spool) writePosition() error {
	var b [28]byte
	copy(b[:], posMagic)
	binary.BigEndian.PutUint64(b[8:], s.readSeq)
	binary.BigEndian.PutUint64(b[16:], uint64(s.readOff))
	binary.BigEndian.PutUint32(b[24:], crc32.Checksum(b[:24], castagnoli))
	tmp := filepath.Join(s.cfg.Path, posFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if _, err := f.Write(b[:]); err != nil {
		f.Close()
		return fmt.Errorf("spool: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("spool: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(s.cfg.Path, posFile)); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

func (s *Spool) newSegment(seq uint64) error {
	if s.w != nil {
		if err := s.w.Close(); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		s.w = nil
	}
	f, err := os.OpenFile(s.segPath(seq), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if _, err := f.Write([]byte(segMagic)); err != nil {
		f.Close()
		return fmt.Errorf("spool: %w", err)
	}
	s.w = f
	s.segs = append(s.segs, segment{seq: seq, size: int64(len(segMagic))})
	s.bytes += int64(len(segMagic))
	return syncDir(s.cfg.Path)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

// Append writes recs at the end of the spool and fsyncs them: when it returns nil they
// survive a crash. With the Block policy a full spool answers ErrFull and nothing is written.
func (s *Spool) Append(recs [][]byte) error {
	var size int64
	for _, r := range recs {
		if len(r) > maxRecordLen {
			return fmt.Errorf("spool: record of %d bytes: %w", len(r), ErrTooLarge)
		}
		size += int64(recHeader + len(r))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if size+int64(len(segMagic)) > s.cfg.MaxBytes-s.cfg.SegmentBytes {
		return fmt.Errorf("spool: batch of %d bytes: %w", size, ErrTooLarge)
	}
	if s.bytes+size > s.cfg.MaxBytes {
		if s.cfg.WhenFull != DropOldest {
			s.Stats.Full.Add(1)
			return ErrFull
		}
		if err := s.dropOldest(size); err != nil {
			return err
		}
	}
	if cur := s.segs[len(s.segs)-1]; cur.size >= s.cfg.SegmentBytes {
		if err := s.newSegment(cur.seq + 1); err != nil {
			return err
		}
	}
	buf := make([]byte, 0, size)
	for _, r := range recs {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(r)))
		buf = binary.BigEndian.AppendUint32(buf, crc32.Checksum(r, castagnoli))
		buf = append(buf, r...)
	}
	cur := &s.segs[len(s.segs)-1]
	if _, err := s.w.Write(buf); err != nil {
		// Cut what may have been written so that the next append starts at a record boundary.
		_ = s.w.Truncate(cur.size)
		_, _ = s.w.Seek(cur.size, io.SeekStart)
		return fmt.Errorf("spool: append: %w", err)
	}
	if err := s.w.Sync(); err != nil {
		return fmt.Errorf("spool: fsync: %w", err)
	}
	cur.size += size
	cur.recs += int64(len(recs))
	s.bytes += size
	s.pending += int64(len(recs))
	s.Stats.Appended.Add(uint64(len(recs)))
	s.signal()
	return nil
}

// dropOldest removes whole segments, oldest first, until size more bytes fit.
func (s *Spool) dropOldest(size int64) error {
	for s.bytes+size > s.cfg.MaxBytes && len(s.segs) > 1 {
		old := s.segs[0]
		lost := old.recs
		if old.seq == s.readSeq {
			n, err := s.countFrom(old.seq, s.readOff)
			if err != nil {
				return err
			}
			lost = n
		}
		s.segs = s.segs[1:]
		s.bytes -= old.size
		s.pending -= lost
		s.Stats.Dropped.Add(uint64(lost))
		if old.seq >= s.readSeq {
			s.readSeq, s.readOff = s.segs[0].seq, int64(len(segMagic))
			if err := s.writePosition(); err != nil {
				return err
			}
		}
		s.peeked = nil
		if err := os.Remove(s.segPath(old.seq)); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		s.log.Warn("spool: full; dropped the oldest segment", "records", lost, "policy", DropOldest)
	}
	if s.bytes+size > s.cfg.MaxBytes {
		// Only the active segment is left: start a new one so that the old can go next time.
		return fmt.Errorf("spool: cannot make room for %d bytes: %w", size, ErrFull)
	}
	return nil
}

func (s *Spool) signal() {
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Ready is signalled (buffered, capacity one) after records are appended.
func (s *Spool) Ready() <-chan struct{} { return s.ready }

// Peek returns up to maxRecs records (and about maxBytes, at least one record) from the front
// of the spool without consuming them. The records are fresh copies owned by the caller. A
// following Ack(n) consumes the first n of them; another Peek starts again from the front.
func (s *Spool) Peek(maxRecs, maxBytes int) ([][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	s.peeked = s.peeked[:0]
	var out [][]byte
	seq, off := s.readSeq, s.readOff
	total := 0
	for len(out) < maxRecs {
		i := s.segIndex(seq)
		if i < 0 {
			break
		}
		seg := s.segs[i]
		if off >= seg.size {
			if i == len(s.segs)-1 {
				break
			}
			seq, off = s.segs[i+1].seq, int64(len(segMagic))
			continue
		}
		f, err := os.Open(s.segPath(seq))
		if err != nil {
			return nil, fmt.Errorf("spool: %w", err)
		}
		data := make([]byte, seg.size-off)
		_, err = f.ReadAt(data, off)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("spool: read %s: %w", s.segPath(seq), err)
		}
		for len(data) > 0 && len(out) < maxRecs && (total < maxBytes || len(out) == 0) {
			n, ok := checkRecord(data)
			if !ok {
				// Damaged since Open (disk error): skip the rest of the segment, loudly.
				s.Stats.Corrupt.Add(1)
				s.log.Error("spool: damaged record while reading; the rest of this segment is skipped", "file", s.segPath(seq), "offset", off)
				off = seg.size
				s.peeked = append(s.peeked, pos{seq, off})
				out = append(out, nil)
				break
			}
			out = append(out, slices.Clone(data[recHeader:n]))
			data = data[n:]
			off += n
			total += int(n)
			s.peeked = append(s.peeked, pos{seq, off})
		}
		if total >= maxBytes {
			break
		}
	}
	return out, nil
}

// Ack consumes the first n records returned by the last Peek, persists the position and
// removes segments that are fully consumed.
func (s *Spool) Ack(n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if n <= 0 {
		return nil
	}
	if n > len(s.peeked) {
		return fmt.Errorf("spool: ack of %d records after a peek of %d", n, len(s.peeked))
	}
	p := s.peeked[n-1]
	s.readSeq, s.readOff = p.seq, p.off
	s.peeked = s.peeked[:0]
	s.pending -= int64(n)
	s.Stats.Acked.Add(uint64(n))
	if err := s.writePosition(); err != nil {
		return err
	}
	for len(s.segs) > 1 && s.segs[0].seq < s.readSeq || (len(s.segs) > 1 && s.segs[0].seq == s.readSeq && s.readOff >= s.segs[0].size) {
		old := s.segs[0]
		s.segs = s.segs[1:]
		s.bytes -= old.size
		if old.seq == s.readSeq {
			s.readSeq, s.readOff = s.segs[0].seq, int64(len(segMagic))
		}
		if err := os.Remove(s.segPath(old.seq)); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
	}
	return nil
}

// Len returns the number of records not yet consumed.
func (s *Spool) Len() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// Size returns the bytes the segment files take.
func (s *Spool) Size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

// Close closes the open segment. Pending records stay on disk for the next Open.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.w != nil {
		return s.w.Close()
	}
	return nil
}
