package pcapfile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/bits"
	"os"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch/capture/decode"
)

// MaxRecord bounds one record's captured bytes; larger records are corrupt.
const MaxRecord = 256 << 10

const bufSize = 1 << 20

// Errors wrapped by *DamageError.
var (
	ErrTruncated = errors.New("file ends inside a record")
	ErrCorrupt   = errors.New("corrupt record")
	ErrFormat    = errors.New("not a pcap or pcapng file")
	ErrShrunk    = errors.New("file shrank while it was being read")
)

// DamageError says where a capture file is damaged. Records before Offset were read.
type DamageError struct {
	Path   string
	Offset int64 // byte offset of the damaged record (in the decompressed stream for gzip files)
	Err    error
}

func (e *DamageError) Error() string {
	return fmt.Sprintf("%s: byte offset %d: %v", e.Path, e.Offset, e.Err)
}

func (e *DamageError) Unwrap() error { return e.Err }

// Record is one captured frame. Data aliases the reader's buffer and is valid until the
// reader's next call to Next.
type Record struct {
	Data      []byte
	Timestamp time.Time
	WireLen   int
	Link      decode.LinkType
	Interface int    // pcapng interface index (0 for pcap)
	IfName    string // pcapng if_name, when given
	Offset    int64  // byte offset of the record
}

type format uint8

const (
	fmtPcap format = iota + 1
	fmtPcapNG
)

type ngIface struct {
	link    decode.LinkType
	snaplen int
	resol   uint8 // if_tsresol
	offset  int64 // if_tsoffset, seconds
	name    string
}

// Reader reads pcap (micro- and nanosecond, either byte order) and pcapng (several sections,
// interfaces and link types) files, gzip-compressed or not. Create it with Open or NewReader;
// not safe for concurrent use.
//
// Open reads through a 1 MiB buffer; OpenMapped maps a plain file into memory and parses the
// records where they lie. Either way Next reuses its Record, and a Record's Data is valid
// until Close or the next call to Next, or longer while Buffered reports true before each
// call (those calls do not read).
type Reader struct {
	path    string
	src     io.Reader // read into buf when set; nil when parsing mapped or given memory
	srcErr  error     // the error of a read that returned enough bytes, for the next fill
	buf     []byte    // bufSize bytes that src is read into
	mem     []byte    // the mapped file, the bytes given to a memory reader, or buf's filled part
	pos     int       // offset in mem of the next unread byte
	mm      *mapping  // the mapping behind mem (nil: plain bytes or buffered reads)
	closer  io.Closer
	gz      bool
	format  format
	order   binary.ByteOrder
	big     bool            // order is big-endian (u32 reads without an interface call)
	nanos   bool            // pcap: nanosecond timestamps
	link    decode.LinkType // pcap
	snaplen int
	ifaces  []ngIface
	off     int64 // offset of the next unread byte
	pending int   // bytes of the current record still to discard
	rec     Record
	err     error
}

// Open opens path ("-" for standard input) and reads its file header. The file is read
// through a 1 MiB buffer.
func Open(path string) (*Reader, error) {
	if path == "-" {
		return NewReader(os.Stdin, "stdin")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := NewReader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// OpenMapped is Open, but maps a plain (not gzip-compressed) regular file into memory and
// parses its records in place: no read calls and no copy, at the price of a page fault per
// few pages. Whether that is cheaper than reading depends on the machine (see
// bench/capture/README.md). Standard input, pipes, gzip files and files that cannot be mapped
// are read as Open reads them. The goroutine that touches the records should run with
// debug.SetPanicOnFault(true) and hand a recovered panic to Merger.CatchFault, so that a file
// cut short while it is mapped is reported instead of crashing the process.
func OpenMapped(path string) (*Reader, error) {
	if path == "-" {
		return Open(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if mm := mapFile(f); mm != nil {
		if !isGzip(mm.data) { // gzip is read through its decompressor
			r := &Reader{path: path, mem: mm.data, mm: mm, closer: f}
			if err := r.readHeader(); err != nil {
				r.Close()
				return nil, err
			}
			return r, nil
		}
		mm.unmap()
	}
	r, err := NewReader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewBytesReader reads a capture held in memory (plain, not gzip-compressed), named path in
// errors. Records alias b.
func NewBytesReader(b []byte, path string) (*Reader, error) {
	if isGzip(b) {
		return NewReader(bytes.NewReader(b), path)
	}
	r := &Reader{path: path, mem: b}
	if err := r.readHeader(); err != nil {
		return nil, err
	}
	return r, nil
}

// Mapped reports whether the reader parses a memory-mapped file.
func (r *Reader) Mapped() bool { return r.mm != nil }

// peek returns the next n unread bytes without consuming them, or fewer and an error (io.EOF
// at the end of the input) as bufio.Reader.Peek does. Read input is parsed where it lies in
// buf, the same way as mapped memory: a record costs a slice of mem, and src is only called
// when a record runs past the bytes read so far.
func (r *Reader) peek(n int) ([]byte, error) {
	if rest := r.mem[r.pos:]; len(rest) >= n {
		return rest[:n:n], nil
	}
	if r.src != nil {
		return r.fill(n)
	}
	if r.mm != nil && r.mm.grow() { // the file grew since it was mapped
		r.mem = r.mm.data
		if rest := r.mem[r.pos:]; len(rest) >= n {
			return rest[:n:n], nil
		}
	}
	return r.mem[r.pos:], io.EOF
}

// fill moves the unread bytes to the front of buf and reads from src until n are there, the
// buffer is full or src fails; it returns what peek returns. Like bufio.Reader it keeps the
// error of a read that brought enough bytes for the next call, and gives up on a source that
// returns nothing 100 times in a row.
func (r *Reader) fill(n int) ([]byte, error) {
	if r.pos > 0 {
		k := copy(r.buf, r.mem[r.pos:])
		r.mem, r.pos = r.buf[:k], 0
	}
	err := r.srcErr
	r.srcErr = nil
	for empty := 0; len(r.mem) < n && len(r.mem) < len(r.buf) && err == nil; {
		var m int
		m, err = r.src.Read(r.buf[len(r.mem):])
		if m < 0 || m > len(r.buf)-len(r.mem) {
			return r.mem, fmt.Errorf("pcapfile: reader returned %d bytes: %w", m, io.ErrShortBuffer)
		}
		r.mem = r.buf[:len(r.mem)+m]
		if m > 0 {
			empty = 0
		} else if empty++; empty >= 100 && err == nil {
			err = io.ErrNoProgress
		}
	}
	if len(r.mem) >= n {
		r.srcErr = err
		return r.mem[:n:n], nil
	}
	if n > len(r.buf) {
		r.srcErr = err
		return r.mem, bufio.ErrBufferFull
	}
	return r.mem, err
}

// discard consumes n bytes (at most what is left) and returns how many it consumed.
func (r *Reader) discard(n int) (int, error) {
	if left := len(r.mem) - r.pos; n > left {
		if r.src != nil {
			return r.discardRead(n)
		}
		r.pos = len(r.mem)
		return left, io.EOF
	}
	r.pos += n
	if r.mm != nil && r.pos-r.mm.released >= releaseEvery {
		r.mm.release(r.pos)
	}
	return n, nil
}

// discardRead consumes what is buffered and reads and drops the rest of n bytes.
func (r *Reader) discardRead(n int) (int, error) {
	done := len(r.mem) - r.pos
	r.mem, r.pos = r.buf[:0], 0
	for done < n {
		k := min(n-done, len(r.buf))
		b, err := r.fill(k)
		if len(b) < k { // the input ended or failed first
			done += len(b)
			r.mem, r.pos = r.buf[:0], 0
			return done, err
		}
		done += k
		r.pos = k
	}
	return done, nil
}

// NewReader reads a capture from rd, named path in errors.
func NewReader(rd io.Reader, path string) (*Reader, error) {
	r := &Reader{path: path, src: rd, buf: *bufPool.Get().(*[]byte)}
	if m, err := r.fill(2); err == nil && isGzip(m) {
		// the bytes read so far, then the rest of rd, through the decompressor
		head := bytes.Clone(r.mem)
		zr, err := gzip.NewReader(io.MultiReader(bytes.NewReader(head), rd))
		if err != nil {
			r.releaseBuf()
			return nil, fmt.Errorf("%s: gzip: %w", path, err)
		}
		r.gz = true
		r.src, r.srcErr, r.mem, r.pos = zr, nil, r.buf[:0], 0
	}
	if err := r.readHeader(); err != nil {
		r.releaseBuf()
		return nil, err
	}
	return r, nil
}

// bufPool keeps the buffers of closed readers for the next: a run over a directory of many
// captures opens them one after another (and probes each first) without a new megabyte each.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, bufSize)
	return &b
}}

// releaseBuf gives the reader's buffer back to the pool; the reader is unusable afterwards.
func (r *Reader) releaseBuf() {
	if r.buf == nil {
		return
	}
	b := r.buf
	r.buf, r.mem, r.pos = nil, nil, 0
	if r.err == nil || r.err == io.EOF {
		r.err = fs.ErrClosed
	}
	bufPool.Put(&b)
}

// Path returns the name the reader was opened with.
func (r *Reader) Path() string { return r.path }

// Offset returns the offset of the next unread byte.
func (r *Reader) Offset() int64 { return r.off + int64(r.pending) }

// Close unmaps and closes the underlying file (not standard input). Records read before are
// invalid afterwards.
func (r *Reader) Close() error {
	if r.mm != nil {
		r.mm.unmap()
		r.mm, r.mem = nil, nil
	}
	r.releaseBuf()
	if r.closer != nil {
		err := r.closer.Close()
		r.closer = nil
		return err
	}
	return nil
}

// holds reports whether addr lies in the reader's mapping.
func (r *Reader) holds(addr uintptr) bool { return r.mm != nil && r.mm.holds(addr) }

// fail makes Next return a damage report from now on: the mapped file shrank under the reader.
func (r *Reader) fail() {
	if r.err == nil || r.err == io.EOF {
		r.damage(r.off, ErrShrunk)
	}
}

func (r *Reader) damage(off int64, err error) error {
	r.err = &DamageError{Path: r.path, Offset: off, Err: err}
	return r.err
}

// The first four bytes of a capture file, read little-endian: pcap with microsecond or
// nanosecond time stamps, written on a machine of either byte order, and pcapng's section
// header block.
const (
	magicMicro        = 0xa1b2c3d4
	magicNano         = 0xa1b23c4d
	magicMicroSwapped = 0xd4c3b2a1
	magicNanoSwapped  = 0x4d3cb2a1
	magicNG           = 0x0a0d0d0a
)

// isGzip reports whether b starts as a gzip stream does.
func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

func (r *Reader) readHeader() error {
	b, err := r.peek(4)
	if err != nil {
		if err == io.EOF && len(b) == 0 {
			return fmt.Errorf("%s: empty file: %w", r.path, ErrFormat)
		}
		return fmt.Errorf("%s: %w", r.path, ErrFormat)
	}
	switch binary.LittleEndian.Uint32(b) {
	case magicMicro:
		r.order, r.big, r.nanos = binary.LittleEndian, false, false
	case magicNano:
		r.order, r.big, r.nanos = binary.LittleEndian, false, true
	case magicMicroSwapped:
		r.order, r.big, r.nanos = binary.BigEndian, true, false
	case magicNanoSwapped:
		r.order, r.big, r.nanos = binary.BigEndian, true, true
	case magicNG:
		r.format = fmtPcapNG
		return r.ngHeader()
	default:
		return fmt.Errorf("%s: magic %x: %w", r.path, b, ErrFormat)
	}
	r.format = fmtPcap
	h, err := r.peek(24)
	if err != nil {
		return fmt.Errorf("%s: file header cut short: %w", r.path, ErrFormat)
	}
	r.snaplen = int(r.u32(h[16:20]))
	r.link = decode.LinkType(r.u32(h[20:24]) & 0x03ffffff)
	if _, err := r.discard(24); err != nil {
		return err
	}
	r.off = 24
	if err := decode.CheckLink(r.link); err != nil {
		return fmt.Errorf("%s: %w", r.path, err)
	}
	return nil
}

// u32 reads a 32-bit field in the file's byte order.
func (r *Reader) u32(b []byte) uint32 {
	if r.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// Next returns the next record, io.EOF at the end, or a *DamageError (after which the reader
// returns that error again).
func (r *Reader) Next() (*Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.pending > 0 {
		n, err := r.discard(r.pending)
		r.off += int64(n)
		r.pending = 0
		if err != nil {
			return nil, r.damage(r.off, ErrTruncated)
		}
	}
	if r.format == fmtPcap {
		return r.nextPcap()
	}
	return r.nextNG()
}

// Buffered reports whether the next record lies wholly in the bytes read or mapped already
// (for pcapng: the next block is a packet block that does), so that the next call to Next
// returns it, or a damage report, without reading: the records returned before stay valid.
// Readers of batches of records use it to know where a batch must end.
func (r *Reader) Buffered() bool {
	if r.err != nil || r.mem == nil {
		return false
	}
	start := r.pos + r.pending
	if start+16 > len(r.mem) {
		return false
	}
	h := r.mem[start : start+16]
	if r.format == fmtPcap {
		return int64(r.u32(h[8:12])) <= int64(len(r.mem)-start-16)
	}
	switch r.u32(h[0:4]) {
	case blockEPB, blockPB, blockSPB:
		return int64(r.u32(h[4:8])) <= int64(len(r.mem)-start)
	}
	return false
}

func (r *Reader) nextPcap() (*Record, error) {
	h, err := r.peek(16)
	if err != nil {
		if len(h) == 0 && err == io.EOF {
			r.err = io.EOF
			return nil, io.EOF
		}
		return nil, r.readErr(err, fmt.Errorf("record header: %w (%d of 16 bytes)", ErrTruncated, len(h)))
	}
	sec := int64(r.u32(h[0:4]))
	frac := int64(r.u32(h[4:8]))
	incl := int(r.u32(h[8:12]))
	orig := int(r.u32(h[12:16]))
	if incl > MaxRecord || (r.snaplen > 0 && incl > max(r.snaplen, 65535)) {
		return nil, r.damage(r.off, fmt.Errorf("%w: captured length %d exceeds the snap length %d", ErrCorrupt, incl, r.snaplen))
	}
	if (!r.nanos && frac >= 1e6) || (r.nanos && frac >= 1e9) {
		return nil, r.damage(r.off, fmt.Errorf("%w: timestamp fraction %d out of range", ErrCorrupt, frac))
	}
	full, err := r.peek(16 + incl)
	if err != nil {
		return nil, r.readErr(err, fmt.Errorf("%w: record wants %d bytes, %d remain", ErrTruncated, 16+incl, len(full)))
	}
	if !r.nanos {
		frac *= 1000
	}
	r.rec = Record{Data: full[16:], Timestamp: time.Unix(sec, frac).UTC(), WireLen: max(orig, incl), Link: r.link, Offset: r.off}
	r.pending = 16 + incl
	return &r.rec, nil
}

// readErr turns a read failure into a damage report (truncation) or passes I/O errors on.
func (r *Reader) readErr(err, damage error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return r.damage(r.off, damage)
	}
	if err == bufio.ErrBufferFull {
		return r.damage(r.off, fmt.Errorf("%w: record larger than %d bytes", ErrCorrupt, bufSize))
	}
	r.err = fmt.Errorf("%s: byte offset %d: %w", r.path, r.off, err)
	return r.err
}

// pcapng

const (
	blockSHB = 0x0A0D0D0A
	blockIDB = 1
	blockPB  = 2
	blockSPB = 3
	blockISB = 5
	blockEPB = 6
)

func (r *Reader) ngHeader() error {
	if err := r.ngSection(); err != nil {
		var d *DamageError
		if errors.As(err, &d) {
			return fmt.Errorf("%s: section header: %w", r.path, ErrFormat)
		}
		return err
	}
	return nil
}

// ngSection reads a section header block at the current offset.
func (r *Reader) ngSection() error {
	h, err := r.peek(12)
	if err != nil {
		return r.readErr(err, fmt.Errorf("section header: %w", ErrTruncated))
	}
	switch binary.LittleEndian.Uint32(h[8:12]) {
	case 0x1A2B3C4D:
		r.order, r.big = binary.LittleEndian, false
	case 0x4D3C2B1A:
		r.order, r.big = binary.BigEndian, true
	default:
		return r.damage(r.off, fmt.Errorf("%w: byte-order magic %x", ErrCorrupt, h[8:12]))
	}
	n := int(r.u32(h[4:8]))
	if n < 28 || n%4 != 0 || n > MaxRecord {
		return r.damage(r.off, fmt.Errorf("%w: section header length %d", ErrCorrupt, n))
	}
	if _, err := r.peek(n); err != nil {
		return r.readErr(err, fmt.Errorf("section header: %w", ErrTruncated))
	}
	r.ifaces = r.ifaces[:0]
	d, _ := r.discard(n)
	r.off += int64(d)
	return nil
}

func (r *Reader) nextNG() (*Record, error) {
	for {
		h, err := r.peek(8)
		if err != nil {
			if len(h) == 0 && err == io.EOF {
				r.err = io.EOF
				return nil, io.EOF
			}
			return nil, r.readErr(err, fmt.Errorf("block header: %w (%d of 8 bytes)", ErrTruncated, len(h)))
		}
		typ := r.u32(h[0:4])
		if typ == blockSHB {
			if err := r.ngSection(); err != nil {
				return nil, err
			}
			continue
		}
		n := int(r.u32(h[4:8]))
		if n < 12 || n%4 != 0 || n > MaxRecord+64 {
			return nil, r.damage(r.off, fmt.Errorf("%w: block length %d", ErrCorrupt, n))
		}
		b, err := r.peek(n)
		if err != nil {
			return nil, r.readErr(err, fmt.Errorf("%w: block wants %d bytes, %d remain", ErrTruncated, n, len(b)))
		}
		if r.u32(b[n-4:]) != uint32(n) {
			return nil, r.damage(r.off, fmt.Errorf("%w: block trailer length %d differs from header length %d", ErrCorrupt, r.u32(b[n-4:]), n))
		}
		body := b[8 : n-4]
		switch typ {
		case blockIDB:
			if err := r.ngInterface(body); err != nil {
				return nil, err
			}
		case blockEPB, blockPB, blockSPB:
			rec, err := r.ngPacket(typ, body)
			if err != nil {
				return nil, err
			}
			if rec != nil {
				r.pending = n
				return rec, nil
			}
		}
		d, _ := r.discard(n)
		r.off += int64(d)
	}
}

func (r *Reader) ngInterface(body []byte) error {
	if len(body) < 8 {
		return r.damage(r.off, fmt.Errorf("%w: interface block of %d bytes", ErrCorrupt, len(body)))
	}
	if len(r.ifaces) >= 4096 {
		return r.damage(r.off, fmt.Errorf("%w: more than 4096 interfaces", ErrCorrupt))
	}
	ifc := ngIface{link: decode.LinkType(r.order.Uint16(body[0:2])), snaplen: int(r.u32(body[4:8])), resol: 6}
	opts := body[8:]
	for len(opts) >= 4 {
		code := r.order.Uint16(opts[0:2])
		l := int(r.order.Uint16(opts[2:4]))
		if 4+l > len(opts) {
			break
		}
		v := opts[4 : 4+l]
		switch {
		case code == 0:
			opts = nil
			continue
		case code == 2:
			ifc.name = string(v)
		case code == 9 && l >= 1:
			ifc.resol = v[0]
		case code == 14 && l >= 8:
			ifc.offset = int64(r.order.Uint64(v))
		}
		opts = opts[min(4+(l+3)&^3, len(opts)):]
	}
	r.ifaces = append(r.ifaces, ifc)
	return nil
}

func (r *Reader) ngPacket(typ uint32, body []byte) (*Record, error) {
	var (
		ifID       int
		ts         uint64
		incl, orig int
		data       []byte
	)
	switch typ {
	case blockEPB:
		if len(body) < 20 {
			return nil, r.damage(r.off, fmt.Errorf("%w: enhanced packet block of %d bytes", ErrCorrupt, len(body)))
		}
		ifID = int(r.u32(body[0:4]))
		ts = uint64(r.u32(body[4:8]))<<32 | uint64(r.u32(body[8:12]))
		incl = int(r.u32(body[12:16]))
		orig = int(r.u32(body[16:20]))
		data = body[20:]
	case blockPB:
		if len(body) < 20 {
			return nil, r.damage(r.off, fmt.Errorf("%w: packet block of %d bytes", ErrCorrupt, len(body)))
		}
		ifID = int(r.order.Uint16(body[0:2]))
		ts = uint64(r.u32(body[4:8]))<<32 | uint64(r.u32(body[8:12]))
		incl = int(r.u32(body[12:16]))
		orig = int(r.u32(body[16:20]))
		data = body[20:]
	case blockSPB:
		if len(body) < 4 {
			return nil, r.damage(r.off, fmt.Errorf("%w: simple packet block of %d bytes", ErrCorrupt, len(body)))
		}
		orig = int(r.u32(body[0:4]))
		data = body[4:]
		incl = min(orig, len(data))
		if len(r.ifaces) > 0 && r.ifaces[0].snaplen > 0 {
			incl = min(incl, r.ifaces[0].snaplen)
		}
	}
	if ifID >= len(r.ifaces) {
		return nil, r.damage(r.off, fmt.Errorf("%w: packet names interface %d, but %d are described", ErrCorrupt, ifID, len(r.ifaces)))
	}
	if incl > len(data) {
		return nil, r.damage(r.off, fmt.Errorf("%w: captured length %d exceeds the block", ErrCorrupt, incl))
	}
	ifc := &r.ifaces[ifID]
	if err := decode.CheckLink(ifc.link); err != nil {
		return nil, r.damage(r.off, fmt.Errorf("interface %d: %w", ifID, err))
	}
	r.rec = Record{Data: data[:incl], Timestamp: ngTime(ts, ifc.resol, ifc.offset), WireLen: max(orig, incl),
		Link: ifc.link, Interface: ifID, IfName: ifc.name, Offset: r.off}
	return &r.rec, nil
}

var pow10 = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// ngTime converts a pcapng timestamp in units of if_tsresol to a time.
func ngTime(ts uint64, resol uint8, offset int64) time.Time {
	var sec, nsec uint64
	if resol&0x80 == 0 {
		e := min(int(resol), 19)
		unit := pow10[e]
		sec, nsec = ts/unit, ts%unit
		if e <= 9 {
			nsec *= pow10[9-e]
		} else {
			nsec /= pow10[e-9]
		}
	} else {
		e := min(int(resol&0x7f), 63)
		sec = ts >> e
		frac := ts & (1<<e - 1)
		hi, lo := bits.Mul64(frac, 1e9)
		nsec = (hi << (64 - e)) | (lo >> e)
		if e == 0 {
			nsec = 0
		}
	}
	return time.Unix(int64(sec)+offset, int64(nsec)).UTC()
}
