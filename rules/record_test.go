package rules

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// The slots created before the first state share one record per user: each user's states lie
// within one record's width of each other, every slot keeps its own values (strings the
// collector must keep alive included) across several chunks, and a slot added once states
// exist gets records of its own without disturbing the others.
func TestSlotsShareRecord(t *testing.T) {
	type wide struct {
		A [300]byte
		N int
	}
	subs := NewSubjects(1<<20, 0)
	a, b, c := NewSlot[int](subs), NewSlot[wide](subs), NewSlot[string](subs)
	const users = 1<<recordChunkBits + 100 // more than one chunk
	sub := make([]Subject, users)
	for i := range sub {
		sub[i] = subs.UpsertKey(fmt.Sprintf("user%05d", i), subjectsT0)
		*a.UpsertSubject(sub[i], subjectsT0) = i
		b.UpsertSubject(sub[i], subjectsT0).N = -i
		*c.UpsertSubject(sub[i], subjectsT0) = strings.Repeat("x", i%7) + fmt.Sprint(i)
	}
	late := NewSlot[int](subs)
	if late.layout == a.layout {
		t.Fatal("a slot added after states were stored joined the fixed record layout")
	}
	for i := range sub {
		*late.UpsertSubject(sub[i], subjectsT0) = 2 * i
	}
	runtime.GC()
	runtime.GC()
	if a.layout != b.layout || b.layout != c.layout {
		t.Fatal("slots created together do not share a record layout")
	}
	stride := a.layout.stride
	for i := range sub {
		pa := uintptr(unsafe.Pointer(a.UpsertSubject(sub[i], subjectsT0)))
		pc := uintptr(unsafe.Pointer(c.UpsertSubject(sub[i], subjectsT0)))
		if pc-pa >= stride {
			t.Fatalf("user %d: states %d bytes apart, record is %d bytes", i, pc-pa, stride)
		}
		if got := *a.UpsertSubject(sub[i], subjectsT0); got != i {
			t.Fatalf("user %d: slot a = %d", i, got)
		}
		if got := b.UpsertSubject(sub[i], subjectsT0).N; got != -i {
			t.Fatalf("user %d: slot b = %d", i, got)
		}
		if got, want := *c.UpsertSubject(sub[i], subjectsT0), strings.Repeat("x", i%7)+fmt.Sprint(i); got != want {
			t.Fatalf("user %d: slot c = %q, want %q", i, got, want)
		}
		if got := *late.UpsertSubject(sub[i], subjectsT0); got != 2*i {
			t.Fatalf("user %d: late slot = %d", i, got)
		}
	}
	if n := a.Counts().Entries + b.Counts().Entries + c.Counts().Entries + late.Counts().Entries; n != 4*users {
		t.Fatalf("%d states counted, want %d", n, 4*users)
	}
}

// Prefetch changes nothing and accepts any Subject: none, one past the records allocated, a
// dropped one and a live one; PrefetchValue changes nothing either.
func TestSlotPrefetch(t *testing.T) {
	subs := NewSubjects(10, 0)
	sl := NewSlot[[200]byte](subs)
	sl.Prefetch(Subject{}, 1000) // nothing allocated yet
	s1 := subs.UpsertKey("a", subjectsT0)
	sl.UpsertSubject(s1, subjectsT0)[199] = 7
	for _, s := range []Subject{{}, s1, {idx: 1 << 20, gen: 1}, {idx: s1.idx, gen: s1.gen + 1}} {
		sl.Prefetch(s, 1<<20)
		sl.Prefetch(s, 0)
	}
	x := [3000]byte{2999: 9}
	PrefetchValue(&x)
	PrefetchValue(&struct{}{})
	if x[2999] != 9 {
		t.Fatal("PrefetchValue changed the value")
	}
	if got := sl.Get("a", subjectsT0); got == nil || got[199] != 7 {
		t.Fatalf("state after prefetch: %v", got)
	}
	if c := sl.Counts(); c.Entries != 1 || c.Evicted != 0 || c.Expired != 0 {
		t.Fatalf("counts after prefetch: %+v", c)
	}
}

// adviseHuge leaves newly allocated memory zero and usable, whatever the kernel does with
// the advice, for sizes below, at and above a huge page.
func TestAdviseHugeKeepsMemory(t *testing.T) {
	for _, n := range []int{1, 4096, 2 << 20, 5<<20 + 17} {
		b := make([]uint64, n/8+1)
		adviseHuge(unsafe.Pointer(&b[0]), uintptr(len(b))*8)
		for i, v := range b {
			if v != 0 {
				t.Fatalf("size %d: word %d is %#x after advice", n, i, v)
			}
		}
		for i := range b {
			b[i] = uint64(i) * 0x9e3779b97f4a7c15
		}
		for i, v := range b {
			if v != uint64(i)*0x9e3779b97f4a7c15 {
				t.Fatalf("size %d: word %d reads %#x", n, i, v)
			}
		}
	}
}

// chunkBits keeps chunks at least 1 << slotChunkBits entries and near 4 MB for small entries.
func TestChunkBits(t *testing.T) {
	for _, c := range []struct {
		size uintptr
		want uint
	}{{1, 22}, {64, 16}, {100, 15}, {4096, slotChunkBits}, {1 << 20, slotChunkBits}} {
		if got := chunkBits(c.size); got != c.want {
			t.Errorf("chunkBits(%d) = %d, want %d", c.size, got, c.want)
		}
	}
}
