// Package heapfloor keeps the garbage collector from running while the heap is small.
//
// Go starts a collection when the heap has grown by GOGC percent (100) over what the last one
// found live, and at 4 MiB at first. A run that builds tables of tens of megabytes therefore
// collects again and again while they grow, each time marking all that is live so far. With
// a floor, the heap's goal is at least the floor: the collector is held back by raising its
// percentage while the live heap is small, and given back its setting once twice the live
// heap reaches the floor, after which it paces itself as it always does. The memory a floor
// can cost is bounded by the floor itself. This is the technique of the Go compiler's own
// starting heap.
package heapfloor

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// initialHeap is the runtime's first heap goal at GOGC=100.
const initialHeap = 4 << 20

var mu sync.Mutex
var active *floor // the floor in force (nil: none)

type floor struct {
	bytes    uint64
	percent  int // the setting to give back
	sample   []metrics.Sample
	finished bool
}

// Set holds the heap's goal at floor bytes or more until the live heap reaches half of it. It
// does nothing and returns false when floor is 0, when GOGC is set in the environment (the
// operator's choice wins) or when the collector is off; a later Set replaces an earlier one.
func Set(bytes uint64) bool {
	mu.Lock()
	defer mu.Unlock()
	if active != nil {
		active.finished = true
		debug.SetGCPercent(active.percent)
		active = nil
	}
	if bytes == 0 || os.Getenv("GOGC") != "" {
		return false
	}
	percent := gcPercent()
	if percent < 0 {
		return false
	}
	f := &floor{bytes: bytes, percent: percent, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	active = f
	if !f.adjust() {
		return true
	}
	armAfterGC(func() bool {
		mu.Lock()
		defer mu.Unlock()
		if f.finished {
			return false
		}
		return f.adjust()
	})
	return true
}

// adjust sets the percentage that puts the goal at the floor for the live heap the last
// collection found, or gives back the setting when that is not above it; it reports whether
// the floor still holds the collector back. Called with mu held.
func (f *floor) adjust() bool {
	metrics.Read(f.sample)
	live := uint64(initialHeap) * 100 / uint64(max(f.percent, 1)) // before the first collection
	if f.sample[0].Value.Kind() == metrics.KindUint64 {
		if v := f.sample[0].Value.Uint64(); v > 0 {
			live = v
		}
	}
	p := float64(f.bytes)/float64(live)*100 - 100
	if p <= float64(f.percent) {
		f.finished = true
		debug.SetGCPercent(f.percent)
		active = nil
		return false
	}
	debug.SetGCPercent(int(min(p, math.MaxInt32)))
	return true
}

// Percent returns the collector's percentage in force (for tests and logs).
func Percent() int {
	mu.Lock()
	defer mu.Unlock()
	return gcPercent()
}

// gcPercent reads the collector's percentage (the runtime has no getter: it is set and put
// back).
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// armAfterGC calls f after each garbage collection for as long as f returns true: an object
// that only a finalizer refers to is found unreachable by every collection, and its
// finalizer makes the next one.
func armAfterGC(f func() bool) {
	type sentinel struct{ _ [16]byte } // not a tiny allocation: tiny ones share a block
	s := &sentinel{}
	runtime.SetFinalizer(s, func(*sentinel) {
		if f() {
			armAfterGC(f)
		}
	})
}
