package heapfloor

import (
	"runtime"
	"testing"
)

var keep [][]byte

// allocate makes n bytes of garbage in 64 KiB pieces.
func allocate(n int) {
	for i := 0; i < n>>16; i++ {
		b := make([]byte, 64<<10)
		b[0] = 1
		keep = append(keep[:0], b)
	}
	keep = keep[:0]
}

func numGC() uint32 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.NumGC
}

// TestFloorHoldsThenLets checks the three phases: with a 256 MiB floor and a small live
// heap, 96 MiB of garbage starts no collection (at GOGC=100 it would start several); once the
// live heap passes half the floor, the collector is given back its setting; a floor of 0
// takes a floor back.
func TestFloorHoldsThenLets(t *testing.T) {
	t.Setenv("GOGC", "") // Set leaves the collector alone when GOGC is given
	runtime.GC()
	before := Percent()
	if !Set(256 << 20) {
		t.Fatal("Set refused a floor")
	}
	if p := Percent(); p <= 1000 {
		t.Fatalf("percent %d with a small live heap, want the floor's (thousands)", p)
	}
	n := numGC()
	allocate(96 << 20)
	if got := numGC() - n; got != 0 {
		t.Errorf("%d collections under the floor, want 0", got)
	}
	// at GOGC=100 the same garbage starts collections
	Set(0)
	if p := Percent(); p != before {
		t.Fatalf("percent %d after Set(0), want %d", p, before)
	}
	n = numGC()
	allocate(96 << 20)
	if got := numGC() - n; got < 2 {
		t.Errorf("%d collections without a floor, want several", got)
	}

	// a live heap over half the floor ends it at the next collection
	Set(64 << 20)
	live := make([][]byte, 0, 600)
	for i := 0; i < 600; i++ { // 37.5 MiB kept
		live = append(live, make([]byte, 64<<10))
	}
	runtime.GC()
	runtime.GC() // the finalizer of the first collection runs before the second ends
	for i := 0; i < 100 && Percent() != before; i++ {
		runtime.Gosched()
		runtime.GC()
	}
	if p := Percent(); p != before {
		t.Errorf("percent %d with 37.5 MiB live under a 64 MiB floor, want %d back", p, before)
	}
	runtime.KeepAlive(live)
}

// TestGOGCWins checks that an operator's GOGC is left alone.
func TestGOGCWins(t *testing.T) {
	t.Setenv("GOGC", "100")
	before := Percent()
	if Set(256 << 20) {
		t.Fatal("Set took over with GOGC set")
	}
	if p := Percent(); p != before {
		t.Fatalf("percent %d, want %d", p, before)
	}
}
