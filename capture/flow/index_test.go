package flow

import (
	"math/rand/v2"
	"testing"
)

// TestIndexAgainstMap runs random inserts and removals through the open-addressing index,
// near its maximum load (long probe chains, wrap-around at the end of the array) and across
// growth, and checks every key against a Go map after each step.
func TestIndexAgainstMap(t *testing.T) {
	for _, tc := range []struct {
		name      string
		live, ops int
		v6        bool
	}{
		{"near max load, no growth", 500, 20000, false},
		{"growth", 5000, 20000, false},
		{"ipv6", 700, 10000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := NewTable(DefaultConfig(), func(Record) {}, nil)
			rng := rand.New(rand.NewPCG(1, 2))
			want := map[Key]uint32{}
			var keys []Key
			newKey := func() Key {
				var k Key
				k.Proto, k.V6 = 6, tc.v6
				k.LoAddr[0], k.LoAddr[1], k.LoAddr[3] = 10, byte(rng.IntN(4)), byte(rng.IntN(256))
				k.HiAddr[0], k.HiAddr[3] = 192, byte(rng.IntN(2))
				if tc.v6 {
					k.LoAddr[15] = byte(rng.IntN(256))
				}
				k.LoPort, k.HiPort = uint16(rng.IntN(64)), 443
				return k
			}
			for op := 0; op < tc.ops; op++ {
				if len(keys) < tc.live && (len(keys) == 0 || rng.IntN(3) > 0) {
					k := newKey()
					if _, ok := want[k]; ok {
						continue
					}
					if _, ok := tab.lookup(&k, tab.idx.hash(&k)); ok {
						t.Fatalf("op %d: %+v found before insertion", op, k)
					}
					i := tab.alloc()
					tab.at(i).Key = k
					tab.insert(&k, tab.idx.hash(&k), i)
					want[k] = i
					keys = append(keys, k)
				} else {
					j := rng.IntN(len(keys))
					k := keys[j]
					i := want[k]
					tab.remove(&k, i)
					tab.release(i)
					delete(want, k)
					keys[j] = keys[len(keys)-1]
					keys = keys[:len(keys)-1]
				}
				if op%97 == 0 || op == tc.ops-1 {
					if tab.Len() != len(want) {
						t.Fatalf("op %d: len %d, want %d", op, tab.Len(), len(want))
					}
					for k, i := range want {
						if got, ok := tab.lookup(&k, tab.idx.hash(&k)); !ok || got != i {
							t.Fatalf("op %d: %+v → %d %v, want %d", op, k, got, ok, i)
						}
					}
					for range 20 {
						k := newKey()
						_, in := want[k]
						if _, ok := tab.lookup(&k, tab.idx.hash(&k)); ok != in {
							t.Fatalf("op %d: %+v found %v, want %v", op, k, ok, in)
						}
					}
				}
			}
		})
	}
}

// Key.equal agrees with == for keys that differ in any one byte of any field.
func TestKeyEqual(t *testing.T) {
	base := Key{LoPort: 50000, HiPort: 443, Proto: 6}
	for i := range base.LoAddr {
		base.LoAddr[i], base.HiAddr[i] = byte(i+1), byte(0x80|i)
	}
	variants := []func(k *Key){
		func(k *Key) { k.LoPort++ }, func(k *Key) { k.HiPort ^= 0x100 }, func(k *Key) { k.Proto = 17 }, func(k *Key) { k.V6 = true },
	}
	for i := range 16 {
		variants = append(variants, func(k *Key) { k.LoAddr[i] ^= 1 }, func(k *Key) { k.HiAddr[i] ^= 0x40 })
	}
	a := base
	if !a.equal(&base) {
		t.Fatal("a key differs from itself")
	}
	for n, v := range variants {
		b := base
		v(&b)
		if b.equal(&base) || base.equal(&b) {
			t.Fatalf("variant %d: %+v equals %+v", n, b, base)
		}
		c := b // two changes that could cancel out in a careless combination
		variants[(n+1)%len(variants)](&c)
		if c.equal(&base) != (c == base) || c.equal(&b) != (c == b) {
			t.Fatalf("variant %d: equal disagrees with ==", n)
		}
	}
}

// After Flush the index, the lists and the slots hold nothing, as in a new table.
func TestFlushResets(t *testing.T) {
	tab := NewTable(DefaultConfig(), func(Record) {}, nil)
	for i := 0; i < 3*chunkSize; i++ {
		k := Key{Proto: 17, LoPort: uint16(i), HiPort: 53}
		k.LoAddr[0], k.LoAddr[1], k.LoAddr[2] = 10, byte(i>>8), byte(i)
		j := tab.alloc()
		*tab.at(j) = Flow{Key: k, state: stUsed}
		tab.insert(&k, tab.idx.hash(&k), j)
		tab.pushBack(j, tab.at(j), classUDP)
	}
	tab.Flush()
	for p, s := range tab.idx.slots {
		if s != 0 {
			t.Fatalf("index entry %d holds slot %d", p, s)
		}
	}
	for c := range tab.chunks {
		for j := range tab.chunks[c] {
			if tab.chunks[c][j] != (Flow{}) || tab.links[c][j] != (link{}) {
				t.Fatalf("slot %d not cleared", c*chunkSize+j)
			}
		}
	}
	if tab.idx.n != 0 || tab.used != 1 || tab.free != 0 || tab.head != [numClasses]uint32{} || tab.tail != [numClasses]uint32{} {
		t.Fatalf("after flush: n %d used %d free %d heads %v tails %v", tab.idx.n, tab.used, tab.free, tab.head, tab.tail)
	}
}

// The candidate Prefetch reads is the flow itself for nearly every key: only a flow earlier
// on the probe chain with the same 8-bit tag can stand in front of it.
func TestCandidateIsTheFlow(t *testing.T) {
	tab := NewTable(DefaultConfig(), func(Record) {}, nil)
	const n = 50000
	slots := make(map[Key]uint32, n)
	for i := 0; i < n; i++ {
		var k Key
		k.Proto, k.LoPort, k.HiPort = 6, uint16(i), 443
		k.LoAddr[0], k.LoAddr[1], k.LoAddr[2], k.LoAddr[3] = 10, byte(i>>16), byte(i>>8), byte(i)
		j := tab.alloc()
		tab.at(j).Key = k
		tab.insert(&k, tab.idx.hash(&k), j)
		slots[k] = j
	}
	wrong := 0
	for k, j := range slots {
		if tab.idx.candidate(tab.idx.hash(&k)) != j {
			wrong++
		}
	}
	if wrong > n/200 {
		t.Fatalf("candidate is another flow for %d of %d keys", wrong, n)
	}
	t.Logf("candidate is another flow for %d of %d keys", wrong, n)
}
