package flow

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
)

// index maps flow keys to flow slots: open addressing with linear probing over an array of
// entries (0 = empty), each a flow's slot number (low 24 bits) and 8 bits of its key's hash
// (the tag). Keys are not stored: a probe compares the key of the flow in the slot, which
// Update reads next anyway, and only when the tags match, so a hit costs one cache line of the
// array and the flow itself; other flows on the probe chain are not read (a quarter of the
// lookups had one to read, a cache miss each). The index takes 4 bytes per entry at a load of
// at most 1/2 (8-16 bytes per flow, against 30-40 for a Go map with the key inside). The hash
// is seeded per table so that crafted traffic cannot aim at one probe chain. Deletion shifts
// the following entries back (no tombstones), so probe chains stay as short as the load allows.
type index struct {
	slots []uint32
	mask  uint64
	n     int
	seed  uint64
}

const minIndexSlots = 1024

// Entries: slot number in the low bits, tag above.
const (
	slotBits = 24
	slotMask = 1<<slotBits - 1
	// MaxSlots bounds the flows a table can hold (Config.MaxFlows).
	MaxSlots = slotMask
)

// tagOf is the tag of hash h, from bits the index position does not use.
func tagOf(h uint64) uint32 { return uint32(h>>56) << slotBits }

func entry(s uint32, h uint64) uint32 { return tagOf(h) | s }

func newIndex() index {
	return index{slots: make([]uint32, minIndexSlots), mask: minIndexSlots - 1, seed: rand.Uint64() | 1}
}

func mix(h, w uint64) uint64 {
	hi, lo := bits.Mul64(h^w, 0x9E3779B97F4A7C15)
	return hi ^ lo
}

func (x *index) hash(k *Key) uint64 {
	h := mix(x.seed, binary.LittleEndian.Uint64(k.LoAddr[0:8]))
	h = mix(h, binary.LittleEndian.Uint64(k.HiAddr[0:8]))
	if k.V6 {
		h = mix(h, binary.LittleEndian.Uint64(k.LoAddr[8:16]))
		h = mix(h, binary.LittleEndian.Uint64(k.HiAddr[8:16]))
	}
	v6 := uint64(0)
	if k.V6 {
		v6 = 1
	}
	return mix(h, uint64(k.LoPort)<<48|uint64(k.HiPort)<<32|uint64(k.Proto)<<8|v6)
}

// lookup finds the slot of the flow with key k, whose hash is h.
func (t *Table) lookup(k *Key, h uint64) (uint32, bool) {
	x := &t.idx
	tag := tagOf(h)
	for p := h & x.mask; ; p = (p + 1) & x.mask {
		e := x.slots[p]
		if e == 0 {
			return 0, false
		}
		if e&^slotMask == tag {
			if s := e & slotMask; t.at(s).Key.equal(k) {
				return s, true
			}
		}
	}
}

// candidate returns the slot of the first flow on hash h's probe chain whose tag matches:
// almost always the flow with that key, if there is one; 0 if none.
func (x *index) candidate(h uint64) uint32 {
	tag := tagOf(h)
	for p := h & x.mask; ; p = (p + 1) & x.mask {
		e := x.slots[p]
		if e == 0 || e&^slotMask == tag {
			return e & slotMask
		}
	}
}

// insert adds flow slot i under k (not present yet), whose hash is h.
func (t *Table) insert(k *Key, h uint64, i uint32) {
	x := &t.idx
	if (x.n+1)*2 > len(x.slots) {
		t.grow()
	}
	p := h & x.mask
	for x.slots[p] != 0 {
		p = (p + 1) & x.mask
	}
	x.slots[p] = entry(i, h)
	x.n++
}

func (t *Table) grow() {
	x := &t.idx
	old := x.slots
	x.slots = make([]uint32, 2*len(old))
	x.mask = uint64(len(x.slots) - 1)
	for _, e := range old {
		if e == 0 {
			continue
		}
		p := x.hash(&t.at(e&slotMask).Key) & x.mask
		for x.slots[p] != 0 {
			p = (p + 1) & x.mask
		}
		x.slots[p] = e // the tag is the hash's, whatever the size
	}
}

// remove drops flow slot i, stored under k.
func (t *Table) remove(k *Key, i uint32) {
	x := &t.idx
	p := x.hash(k) & x.mask
	for x.slots[p]&slotMask != i {
		if x.slots[p] == 0 {
			return // not indexed: nothing to remove
		}
		p = (p + 1) & x.mask
	}
	x.slots[p] = 0
	x.n--
	// shift back the entries after the hole that would no longer be found past it
	for q := (p + 1) & x.mask; x.slots[q] != 0; q = (q + 1) & x.mask {
		e := x.slots[q]
		home := x.hash(&t.at(e&slotMask).Key) & x.mask
		// e stays if its home lies cyclically in (p, q]
		if (q-home)&x.mask < (q-p)&x.mask {
			continue
		}
		x.slots[p], x.slots[q] = e, 0
		p = q
	}
}
