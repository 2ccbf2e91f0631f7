package pcapfile

import (
	"container/heap"
	"io"
)

// Merger returns the records of several readers in timestamp order (ties keep the order in
// which the readers were given). A reader that fails is reported once through Next's error and
// then dropped, so the other files are still read. Not safe for concurrent use.
type Merger struct {
	h        mergeHeap
	started  bool
	next     int
	last     *mergeItem
	readers  []*Reader
	deferred []deferredErr
}

type mergeItem struct {
	r   *Reader
	rec *Record
	idx int
}

type mergeHeap []*mergeItem

func (h mergeHeap) Len() int           { return len(h) }
func (h mergeHeap) Less(i, j int) bool { return h.less(h[i], h[j]) }

// less orders items by timestamp, then by the order the readers were given.
func (mergeHeap) less(x, y *mergeItem) bool {
	a, b := x.rec.Timestamp, y.rec.Timestamp
	if a.Equal(b) {
		return x.idx < y.idx
	}
	return a.Before(b)
}
func (h mergeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(*mergeItem)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// NewMerger merges readers.
func NewMerger(readers []*Reader) *Merger {
	return &Merger{readers: readers}
}

// Next returns the earliest pending record and its reader. At the end it returns io.EOF. When
// a reader fails, Next returns (nil, that reader, err) once and continues with the others.
func (m *Merger) Next() (*Record, *Reader, error) {
	if !m.started {
		// m.next counts the readers asked for their first record, so that a fault inside
		// one of them (CatchFault) does not ask the others again
		for ; m.next < len(m.readers); m.next++ {
			r := m.readers[m.next]
			rec, err := r.Next()
			if err != nil {
				if err != io.EOF {
					m.deferred = append(m.deferred, deferredErr{r, err})
				}
				continue
			}
			m.h = append(m.h, &mergeItem{r: r, rec: rec, idx: m.next})
		}
		m.started = true
		heap.Init(&m.h)
	}
	if len(m.deferred) > 0 {
		d := m.deferred[0]
		m.deferred = m.deferred[1:]
		return nil, d.r, d.err
	}
	if m.last != nil {
		it := m.last
		rec, err := it.r.Next()
		m.last = nil // after Next: a fault inside it leaves the reader to be asked again
		if err == nil {
			it.rec = rec
			if len(m.h) == 0 || !m.h.less(m.h[0], it) {
				// still the earliest (always so with one file): no heap operations
				m.last = it
				return rec, it.r, nil
			}
			heap.Push(&m.h, it)
		} else if err != io.EOF {
			return nil, it.r, err
		}
	}
	if len(m.h) == 0 {
		return nil, nil, io.EOF
	}
	it := heap.Pop(&m.h).(*mergeItem)
	m.last = it
	return it.rec, it.r, nil
}

type deferredErr struct {
	r   *Reader
	err error
}

// CatchFault takes the value recovered from a panic in the goroutine that reads the merged
// records (it must run with debug.SetPanicOnFault(true)). When the panic is a memory fault
// inside one of the readers' mappings, which happens when a mapped file is cut short while it
// is read, that reader's Next returns a *DamageError wrapping ErrShrunk from then on (so the
// next call to Next reports it and goes on with the other files) and CatchFault returns true.
// For any other value it returns false and the caller should panic again.
func (m *Merger) CatchFault(v any) bool {
	f, ok := v.(interface{ Addr() uintptr })
	if !ok {
		return false
	}
	for _, r := range m.readers {
		if r.holds(f.Addr()) {
			r.fail()
			return true
		}
	}
	return false
}
