package addrcache

import (
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
)

// TestSequences follows one set (sizes up to 4 have a single set): least recently used
// entries go first, and a hit or a re-add makes an entry the most recent.
func TestSequences(t *testing.T) {
	type op struct {
		add bool
		k   int
	}
	get := func(k int) op { return op{k: k} }
	add := func(k int) op { return op{add: true, k: k} }
	tests := []struct {
		name             string
		size             int
		ops              []op
		hits             []int // keys Get found, in order
		evictions, size2 int   // counters at the end (size2: Len)
	}{
		{"fill", 4, []op{add(1), add(2), add(3), add(4), get(3), get(4)}, []int{3, 4}, 0, 4},
		{"least recent dropped", 4, []op{add(1), add(2), add(3), add(4), add(5), get(1), get(2), get(3), get(4), get(5)}, []int{2, 3, 4, 5}, 1, 4},
		{"a hit keeps an entry", 4, []op{add(1), add(2), add(3), add(4), get(1), add(5), get(1), get(2)}, []int{1, 1}, 1, 4},
		{"re-add is not a new entry", 4, []op{add(1), add(1), add(1), get(1)}, []int{1}, 0, 1},
		{"re-add makes recent", 4, []op{add(1), add(2), add(3), add(4), add(1), add(5), get(1), get(2)}, []int{1}, 1, 4},
		{"size 3", 3, []op{add(1), add(2), add(3), get(1), add(4), get(2), get(1), get(3), get(4)}, []int{1, 1, 3, 4}, 1, 3},
		{"size 1", 1, []op{add(1), get(1), add(2), get(1), get(2), add(3), get(2)}, []int{1, 2}, 2, 1},
		{"size 2 as the chain uses it", 2, []op{get(1), add(1), get(1), get(2), add(2), get(3), add(3), get(1), add(1)}, []int{1}, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New[int, int](tt.size)
			var hits []int
			for _, o := range tt.ops {
				if o.add {
					c.Add(o.k, o.k*10)
					continue
				}
				if v, ok := c.Get(o.k); ok {
					if v != o.k*10 {
						t.Fatalf("Get(%d) = %d", o.k, v)
					}
					hits = append(hits, o.k)
				}
			}
			if len(hits) != len(tt.hits) {
				t.Fatalf("hits %v, want %v", hits, tt.hits)
			}
			for i := range hits {
				if hits[i] != tt.hits[i] {
					t.Fatalf("hits %v, want %v", hits, tt.hits)
				}
			}
			if c.Evictions() != uint64(tt.evictions) || c.Len() != tt.size2 {
				t.Errorf("evictions %d, len %d; want %d, %d", c.Evictions(), c.Len(), tt.evictions, tt.size2)
			}
		})
	}
}

// TestBound checks on random traffic that the cache never holds more than its size, that
// every distinct key added is either cached or counted as evicted, and that a value read
// back is the last one added.
func TestBound(t *testing.T) {
	for _, size := range []int{1, 2, 3, 10, 64} {
		c := New[int, int](size)
		r := rand.New(rand.NewPCG(1, uint64(size)))
		last := map[int]int{}
		for i := range 20000 {
			k := r.IntN(size * 3)
			if v, ok := c.Get(k); ok {
				if v != last[k] {
					t.Fatalf("size %d: Get(%d) = %d, last added %d", size, k, v, last[k])
				}
				continue
			}
			c.Add(k, i)
			last[k] = i
			if n := c.Len(); n > size {
				t.Fatalf("size %d: %d entries", size, n)
			}
		}
		// Each miss added a key that was not cached; each such key is now cached or evicted.
		var misses uint64
		c2 := New[int, int](size)
		r = rand.New(rand.NewPCG(1, uint64(size)))
		for i := range 20000 {
			k := r.IntN(size * 3)
			if _, ok := c2.Get(k); !ok {
				c2.Add(k, i)
				misses++
			}
		}
		if got := uint64(c2.Len()) + c2.Evictions(); got != misses {
			t.Errorf("size %d: len %d + evictions %d != %d misses", size, c2.Len(), c2.Evictions(), misses)
		}
	}
}

// TestSpread checks that keys spread over the sets: 30 000 keys in a cache of 65 536 (16 384
// sets of 4, so 1.8 keys per set on average) lose about 3% to full sets, as a Poisson
// spread of keys over sets predicts, and not more than 4%.
func TestSpread(t *testing.T) {
	c := New[int, int](65536)
	for k := range 30000 {
		c.Add(k, k)
	}
	if ev := c.Evictions(); ev > 1200 || c.Len()+int(ev) != 30000 {
		t.Fatalf("%d evictions, %d cached", ev, c.Len())
	}
	found := 0
	for k := range 30000 {
		if v, ok := c.Get(k); ok && v == k {
			found++
		}
	}
	if found != c.Len() {
		t.Fatalf("%d found, %d cached", found, c.Len())
	}
}

func TestConcurrent(t *testing.T) {
	c := New[int, int](100)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5000 {
				k := (i * (g + 1)) % 300
				if v, ok := c.Get(k); ok && v != k {
					t.Errorf("Get(%d) = %d", k, v)
					return
				}
				c.Add(k, k)
			}
		}()
	}
	wg.Wait()
	if c.Len() > 100 {
		t.Errorf("%d entries", c.Len())
	}
}

// BenchmarkMostlyMisses looks up 65 536 distinct keys in turn in a cache of that size, as the
// enrichment of a network with many clients does: most lookups miss and add.
func BenchmarkMostlyMisses(b *testing.B) {
	c := New[netip.Addr, *int](65536)
	keys := make([]netip.Addr, 1<<18)
	for i := range keys {
		keys[i] = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
	}
	v := new(int)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		k := keys[(i*7919)&(len(keys)-1)]
		if _, ok := c.Get(k); !ok {
			c.Add(k, v)
		}
	}
}

func BenchmarkGetHit(b *testing.B) {
	c := New[int, int](65536)
	for k := range 20000 {
		c.Add(k, k)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Get(i % 20000)
	}
}
