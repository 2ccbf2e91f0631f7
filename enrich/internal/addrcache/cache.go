package addrcache

import (
	"hash/maphash"
	"math/bits"
	"sync"
)

// ways is the number of entries per set.
const ways = 4

// Cache maps keys to values with at most Size entries. It is set-associative, as a CPU's
// caches are: a key's hash picks one set of four entries, kept in recency order, and a key
// new to a full set takes the place of that set's least recently used entry (counted as an
// eviction). A lookup so reads one small set, contiguous in memory, instead of the scattered
// buckets of one or two maps, which matters when most lookups miss, as they do for the
// client addresses of a busy network. It is safe for concurrent use; the zero value is not
// usable (call New).
type Cache[K comparable, V any] struct {
	mu        sync.Mutex
	seed      maphash.Seed
	sets      []set[K, V]
	mask      uint64
	ways      int // entries per set: 4, or fewer for a size below 4
	n         int
	evictions uint64
}

type set[K comparable, V any] struct {
	e [ways]entry[K, V] // the used ones first, most recently used first
	n uint8
}

type entry[K comparable, V any] struct {
	key K
	val V
}

// New returns a cache of at most size entries (a size below 1 counts as 1): the largest
// power of two of sets of four entries that fits in size.
func New[K comparable, V any](size int) *Cache[K, V] {
	size = max(size, 1)
	w := min(size, ways)
	nsets := 1 << (bits.Len(uint(size/w)) - 1)
	return &Cache[K, V]{seed: maphash.MakeSeed(), sets: make([]set[K, V], nsets), mask: uint64(nsets - 1), ways: w}
}

func (c *Cache[K, V]) set(k K) *set[K, V] {
	return &c.sets[maphash.Comparable(c.seed, k)&c.mask]
}

// Get returns the value cached for k.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.set(k)
	for i := 0; i < int(s.n); i++ {
		if s.e[i].key == k {
			e := s.e[i]
			copy(s.e[1:i+1], s.e[:i])
			s.e[0] = e
			return e.val, true
		}
	}
	var zero V
	return zero, false
}

// Add caches v for k, replacing what was cached for k.
func (c *Cache[K, V]) Add(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.set(k)
	i := 0
	for i < int(s.n) && s.e[i].key != k {
		i++
	}
	switch {
	case i < int(s.n): // present: replaced, and most recent
	case int(s.n) < c.ways:
		s.n++
		c.n++
	default: // full: the least recent entry goes
		i = c.ways - 1
		c.evictions++
	}
	copy(s.e[1:i+1], s.e[:i])
	s.e[0] = entry[K, V]{k, v}
}

// Len is the number of keys cached.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// Evictions counts the entries dropped to stay within the size.
func (c *Cache[K, V]) Evictions() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.evictions
}
