package decode

import (
	"slices"
	"time"
)

// maxDatagram is the largest reassembled IP payload.
const maxDatagram = 65535

// maxPieces bounds the fragments of one datagram.
const maxPieces = 64

type fragKey struct {
	src, dst [16]byte
	id       uint32
	proto    uint8
	v6       bool
}

type piece struct {
	off int
	len int
}

type fragEntry struct {
	created time.Time
	gen     uint64
	total   int // payload length once the last fragment is seen; -1 before
	pieces  []piece
	buf     []byte
}

// defragmenter reassembles IPv4 and IPv6 fragments. It keeps at most max incomplete datagrams,
// drops the oldest when full, and drops those older than timeout. Not safe for concurrent use.
type defragmenter struct {
	max     int
	timeout time.Duration
	entries map[fragKey]*fragEntry
	order   []orderItem // insertion order, for eviction and expiry
	gen     uint64
	out     []byte // the last reassembled datagram; reused
	free    []*fragEntry
}

type orderItem struct {
	key fragKey
	gen uint64
}

func newDefragmenter(max int, timeout time.Duration) *defragmenter {
	return &defragmenter{max: max, timeout: timeout, entries: make(map[fragKey]*fragEntry)}
}

// add stores one fragment; when it completes a datagram, add returns its payload (valid until
// the next call) and OK; otherwise Fragment, or Malformed for a fragment that cannot fit.
func (f *defragmenter) add(k fragKey, ts time.Time, off int, more bool, data []byte, st *Stats) ([]byte, Status) {
	f.expire(ts, st)
	end := off + len(data)
	if end > maxDatagram || (more && len(data)%8 != 0) {
		st.FragRejected++
		return nil, Malformed
	}
	e := f.entries[k]
	if e == nil {
		for len(f.entries) >= f.max && len(f.order) > 0 {
			it := f.order[0]
			f.order = f.order[1:]
			if old := f.entries[it.key]; old != nil && old.gen == it.gen {
				f.drop(it.key, old)
				st.FragEvicted++
			}
		}
		e = f.alloc()
		f.gen++
		e.created, e.gen, e.total = ts, f.gen, -1
		f.entries[k] = e
		f.order = append(f.order, orderItem{key: k, gen: e.gen})
	}
	if len(e.pieces) >= maxPieces || (e.total >= 0 && end > e.total) || (!more && e.total >= 0 && end != e.total) {
		st.FragRejected++
		f.drop(k, e)
		return nil, Malformed
	}
	if !more {
		e.total = end
	}
	if len(e.buf) < end {
		e.buf = append(e.buf, make([]byte, end-len(e.buf))...)
	}
	copy(e.buf[off:end], data)
	e.pieces = append(e.pieces, piece{off: off, len: len(data)})
	st.Fragments++
	if e.total < 0 || !complete(e) {
		return nil, Fragment
	}
	f.out = append(f.out[:0], e.buf[:e.total]...)
	f.drop(k, e)
	st.Reassembled++
	return f.out, OK
}

func complete(e *fragEntry) bool {
	slices.SortFunc(e.pieces, func(a, b piece) int { return a.off - b.off })
	covered := 0
	for _, p := range e.pieces {
		if p.off > covered {
			return false
		}
		covered = max(covered, p.off+p.len)
	}
	return covered >= e.total
}

func (f *defragmenter) alloc() *fragEntry {
	if n := len(f.free); n > 0 {
		e := f.free[n-1]
		f.free = f.free[:n-1]
		return e
	}
	return &fragEntry{}
}

func (f *defragmenter) drop(k fragKey, e *fragEntry) {
	delete(f.entries, k)
	e.pieces = e.pieces[:0]
	e.buf = e.buf[:0]
	if len(f.free) < 64 {
		f.free = append(f.free, e)
	}
}

func (f *defragmenter) expire(now time.Time, st *Stats) {
	for len(f.order) > 0 {
		it := f.order[0]
		e := f.entries[it.key]
		if e != nil && e.gen == it.gen {
			if now.Sub(e.created) < f.timeout {
				break
			}
			f.drop(it.key, e)
			st.FragExpired++
		}
		f.order = f.order[1:]
	}
	if len(f.order) == 0 && cap(f.order) > 4*f.max {
		f.order = nil
	}
}

// Pending returns how many incomplete datagrams are held.
func (d *Decoder) Pending() int { return len(d.frag.entries) }
