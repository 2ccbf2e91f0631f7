package pcapfile

import (
	"container/heap"
	"io"
	"slices"
	"time"
)

// Merger returns the records of several files in timestamp order (ties keep the order in
// which the files were given). A file that fails is reported once through Next's error and
// then dropped, so the other files are still read. Not safe for concurrent use.
//
// Files given as Inputs with a path are opened only when the merge reaches the time of their
// first record and closed at their end, so a long series of rotated files keeps one or two
// open at a time however many there are.
type Merger struct {
	h        mergeHeap
	started  bool
	next     int
	last     *mergeItem
	readers  []*Reader // open readers
	eager    []*mergeItem
	pending  []pendingInput // not yet opened, by first time
	open     func(string) (*Reader, error)
	opening  *mergeItem // a file just opened whose first record is being read
	deferred []deferredErr
	opened   int
	doneRead int64     // bytes of the files closed
	retired  []*Reader // files done with, closed at the next call (their records still valid)
}

// Input is one file of a Merger: either a path and the time of its first record (Probe),
// opened when the merge reaches that time, or a Reader already open (standard input and
// pipes, which can be read only once), merged from the start.
type Input struct {
	Path   string
	First  time.Time
	Reader *Reader
}

type pendingInput struct {
	path  string
	first time.Time
	idx   int
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

// NewMerger merges readers that are open already.
func NewMerger(readers []*Reader) *Merger {
	m := &Merger{readers: slices.Clone(readers), opened: len(readers)}
	for i, r := range readers {
		m.eager = append(m.eager, &mergeItem{r: r, idx: i})
	}
	return m
}

// NewFileMerger merges inputs; open opens the inputs given by path (Open or OpenMapped).
func NewFileMerger(inputs []Input, open func(string) (*Reader, error)) *Merger {
	m := &Merger{open: open}
	for i, in := range inputs {
		if in.Reader != nil {
			m.readers = append(m.readers, in.Reader)
			m.eager = append(m.eager, &mergeItem{r: in.Reader, idx: i})
			continue
		}
		m.pending = append(m.pending, pendingInput{path: in.Path, first: in.First, idx: i})
	}
	slices.SortStableFunc(m.pending, func(a, b pendingInput) int { return a.first.Compare(b.first) })
	m.opened = len(m.eager)
	return m
}

// Opened returns how many files the merger has opened so far (those open from the start
// included).
func (m *Merger) Opened() int { return m.opened }

// Next returns the earliest pending record and its reader. At the end it returns io.EOF. When
// a reader fails, Next returns (nil, that reader, err) once and continues with the others; when
// a file cannot be opened, (nil, nil, err).
func (m *Merger) Next() (*Record, *Reader, error) {
	m.closeRetired()
	if !m.started {
		// m.next counts the readers asked for their first record, so that a fault inside
		// one of them (CatchFault) does not ask the others again
		for ; m.next < len(m.eager); m.next++ {
			m.first(m.eager[m.next])
		}
		m.started = true
		heap.Init(&m.h)
	}
	if m.opening != nil {
		m.firstOpened() // a fault in a mapped file interrupted it
	}
	if d, ok := m.popDeferred(); ok {
		return nil, d.r, d.err
	}
	if m.last != nil {
		it := m.last
		rec, err := it.r.Next()
		m.last = nil // after Next: a fault inside it leaves the reader to be asked again
		if err == nil {
			it.rec = rec
			if (len(m.h) == 0 || !m.h.less(m.h[0], it)) && (len(m.pending) == 0 || rec.Timestamp.Before(m.pending[0].first)) {
				// still the earliest (always so with one file): no heap operations
				m.last = it
				return rec, it.r, nil
			}
			heap.Push(&m.h, it)
		} else {
			m.close(it.r)
			if err != io.EOF {
				return nil, it.r, err
			}
		}
	}
	// open the files whose first record is due: not later than the earliest record at hand
	for len(m.pending) > 0 && (len(m.h) == 0 || !m.pending[0].first.After(m.h[0].rec.Timestamp)) {
		p := m.pending[0]
		m.pending = m.pending[1:]
		r, err := m.open(p.path)
		if err != nil {
			return nil, nil, err
		}
		m.readers = append(m.readers, r)
		m.opened++
		m.opening = &mergeItem{r: r, idx: p.idx}
		m.firstOpened()
		if d, ok := m.popDeferred(); ok {
			return nil, d.r, d.err
		}
	}
	if len(m.h) == 0 {
		return nil, nil, io.EOF
	}
	it := heap.Pop(&m.h).(*mergeItem)
	m.last = it
	return it.rec, it.r, nil
}

// firstOpened reads the first record of the file just opened (m.opening) into the heap.
func (m *Merger) firstOpened() {
	it := m.opening
	if m.first(it) {
		heap.Fix(&m.h, len(m.h)-1)
	}
	m.opening = nil
}

// first reads its first record and appends it to the heap's slice (the caller restores the
// heap order), or records why it could not and closes its reader. It reports whether it
// appended.
func (m *Merger) first(it *mergeItem) bool {
	rec, err := it.r.Next()
	if err != nil {
		m.close(it.r)
		if err != io.EOF {
			m.deferred = append(m.deferred, deferredErr{it.r, err})
		}
		return false
	}
	it.rec = rec
	m.h = append(m.h, it)
	return true
}

// close retires a reader the merge is done with (its last record has been handed over and
// the caller has come back for the next). The reader is closed at the next call to Next or
// Close: until then the records it returned stay valid, as Buffered promises.
func (m *Merger) close(r *Reader) {
	if i := slices.Index(m.readers, r); i >= 0 {
		m.readers = slices.Delete(m.readers, i, i+1)
		m.doneRead += r.Offset()
	}
	m.retired = append(m.retired, r)
}

func (m *Merger) closeRetired() {
	for i, r := range m.retired {
		r.Close()
		m.retired[i] = nil
	}
	m.retired = m.retired[:0]
}

// Buffered reports whether the next call to Next leaves the records returned before valid:
// the file it reads from next has its next record in memory already (Reader.Buffered). A
// caller that processes records in batches ends a batch where Buffered is false.
func (m *Merger) Buffered() bool {
	return m.started && m.last != nil && m.opening == nil && len(m.deferred) == 0 && m.last.r.Buffered()
}

// BytesRead returns the bytes read so far from all files (decompressed for gzip).
func (m *Merger) BytesRead() int64 {
	n := m.doneRead
	for _, r := range m.readers {
		n += r.Offset()
	}
	return n
}

// Close closes the readers still open.
func (m *Merger) Close() error {
	m.closeRetired()
	for _, r := range m.readers {
		r.Close()
	}
	m.readers = nil
	return nil
}

type deferredErr struct {
	r   *Reader
	err error
}

// popDeferred takes the oldest failure not reported yet.
func (m *Merger) popDeferred() (deferredErr, bool) {
	if len(m.deferred) == 0 {
		return deferredErr{}, false
	}
	d := m.deferred[0]
	m.deferred = m.deferred[1:]
	return d, true
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
