package addrcache

import "sync"

// Cache maps keys to values with at most Size entries. New entries go into the current
// generation; when it holds Size/2 (at least 1), it becomes the previous generation and the
// old previous one is dropped (its entries counted as evictions). A hit in the previous
// generation moves the entry to the current one, so what is used at least once per
// generation stays; the least recently used entries are the ones dropped, a generation at a
// time. It is safe for concurrent use; the zero value is not usable (call New).
type Cache[K comparable, V any] struct {
	mu        sync.Mutex
	gen       int  // entries per generation
	single    bool // size 1: no previous generation is kept
	cur, prev map[K]V
	moved     int // entries of prev also in cur (moved there by a hit)
	evictions uint64
}

// New returns a cache of at most size entries (a size below 1 counts as 1).
func New[K comparable, V any](size int) *Cache[K, V] {
	gen := max(size/2, 1)
	return &Cache[K, V]{gen: gen, single: size <= 1, cur: make(map[K]V, gen)}
}

// Get returns the value cached for k.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cur[k]; ok {
		return v, true
	}
	v, ok := c.prev[k]
	if ok {
		c.moved++
		c.put(k, v)
	}
	return v, ok
}

// Add caches v for k, replacing what was cached for k.
func (c *Cache[K, V]) Add(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[k]; ok {
		c.cur[k] = v
		return
	}
	if _, ok := c.prev[k]; ok {
		c.moved++ // the stale copy in prev is not an eviction
	}
	c.put(k, v)
}

// put adds a key that is not in cur, rotating the generations first when cur is full.
func (c *Cache[K, V]) put(k K, v V) {
	if len(c.cur) >= c.gen {
		c.evictions += uint64(len(c.prev) - c.moved)
		c.prev, c.cur, c.moved = c.cur, make(map[K]V, c.gen), 0
		if c.single {
			c.evictions += uint64(len(c.prev))
			c.prev = nil
		}
	}
	c.cur[k] = v
}

// Len is the number of distinct keys cached.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.prev) - c.moved
}

// Evictions counts the entries dropped to stay within the size.
func (c *Cache[K, V]) Evictions() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.evictions
}
