package rules

import (
	"slices"
	"time"
	"unsafe"
)

// KeyedTable is a Table for a fixed-size comparable key without pointers (an address, a
// prefix): the key is held inside the hash table, which maps it to an entry number, and
// entries sit in chunks, so a lookup reads the table once and the entry once instead of
// following a key string and an entry pointer. Bounds, TTL and eviction are those of Table;
// the owner saves the entries (Each) in its own format.
// The zero value is not usable: use NewKeyedTable. Not safe for concurrent use.
type KeyedTable[K comparable, V any] struct {
	m       map[K]int32
	chunks  [][]keyedEntry[K, V]
	bits    uint // a chunk holds 1 << bits entries (see chunkBits)
	free    []int32
	next    int32
	max     int
	ttl     int64 // nanoseconds; 0 = no expiry
	Evicted uint64
	Expired uint64
	// OnDrop, when set, is called with each entry the table drops because it expired or the
	// table was full, before the entry is cleared (a value that aggregates several counted
	// things counts them).
	OnDrop func(v *V, expired bool)
}

type keyedEntry[K comparable, V any] struct {
	seen int64 // Unix nanoseconds
	live bool
	key  K
	v    V
}

// NewKeyedTable returns a table holding at most max entries (default 1 << 20), each kept for
// ttl after it was last seen (0: no expiry).
func NewKeyedTable[K comparable, V any](maxEntries int, ttl time.Duration) *KeyedTable[K, V] {
	if maxEntries <= 0 {
		maxEntries = 1 << 20
	}
	return &KeyedTable[K, V]{m: make(map[K]int32), max: maxEntries, ttl: int64(max(ttl, 0)),
		bits: chunkBits(unsafe.Sizeof(keyedEntry[K, V]{}))}
}

// chunkBits returns the number of entries of the given size in a chunk as a power of two: at
// least 1 << slotChunkBits, and enough to fill about 4 MB, so that most of a chunk can be
// backed by huge pages (see adviseHuge).
func chunkBits(size uintptr) uint {
	b := uint(slotChunkBits)
	for uintptr(1)<<(b+1)*size <= 4<<20 {
		b++
	}
	return b
}

// Len returns the number of entries.
func (t *KeyedTable[K, V]) Len() int { return len(t.m) }

// Counts returns the table's size and drop counters.
func (t *KeyedTable[K, V]) Counts() TableCounts {
	return TableCounts{Entries: len(t.m), Evicted: t.Evicted, Expired: t.Expired}
}

func (t *KeyedTable[K, V]) entry(i int32) *keyedEntry[K, V] {
	c := int(i) >> t.bits
	for c >= len(t.chunks) {
		chunk := make([]keyedEntry[K, V], 1<<t.bits)
		adviseHuge(unsafe.Pointer(&chunk[0]), uintptr(len(chunk))*unsafe.Sizeof(chunk[0]))
		t.chunks = append(t.chunks, chunk)
	}
	return &t.chunks[c][i&(1<<t.bits-1)]
}

// Upsert returns the value for k, creating a zero value if needed, and marks it seen at now
// (never moving its last-seen time backwards). The pointer is valid until the entry is
// dropped.
func (t *KeyedTable[K, V]) Upsert(k K, now time.Time) *V {
	n := UnixNano(now)
	if i, ok := t.m[k]; ok {
		e := t.entry(i)
		if t.ttl <= 0 || n-e.seen <= t.ttl {
			if n > e.seen {
				e.seen = n
			}
			return &e.v
		}
		t.expire(i)
	}
	return &t.add(k, n).v
}

func (t *KeyedTable[K, V]) expire(i int32) {
	if t.OnDrop != nil {
		t.OnDrop(&t.entry(i).v, true)
	}
	t.remove(i)
	t.Expired++
}

func (t *KeyedTable[K, V]) evict(i int32) {
	if t.OnDrop != nil {
		t.OnDrop(&t.entry(i).v, false)
	}
	t.remove(i)
	t.Evicted++
}

// Each calls fn for every entry with its key.
func (t *KeyedTable[K, V]) Each(fn func(k K, v *V)) {
	t.each(func(_ int32, e *keyedEntry[K, V]) { fn(e.key, &e.v) })
}

func (t *KeyedTable[K, V]) add(k K, n int64) *keyedEntry[K, V] {
	if len(t.m) >= t.max {
		t.makeRoom(n)
	}
	var i int32
	if l := len(t.free); l > 0 {
		i, t.free = t.free[l-1], t.free[:l-1]
	} else {
		i = t.next
		t.next++
	}
	e := t.entry(i)
	*e = keyedEntry[K, V]{seen: n, live: true, key: k}
	t.m[k] = i
	return e
}

func (t *KeyedTable[K, V]) remove(i int32) {
	e := t.entry(i)
	delete(t.m, e.key)
	*e = keyedEntry[K, V]{}
	t.free = append(t.free, i)
}

// each calls fn for every live entry number.
func (t *KeyedTable[K, V]) each(fn func(i int32, e *keyedEntry[K, V])) {
	for c, chunk := range t.chunks {
		for j := range chunk {
			if e := &chunk[j]; e.live {
				fn(int32(c<<t.bits|j), e)
			}
		}
	}
}

func (t *KeyedTable[K, V]) makeRoom(now int64) {
	if t.ttl > 0 {
		t.each(func(i int32, e *keyedEntry[K, V]) {
			if now-e.seen > t.ttl {
				t.expire(i)
			}
		})
	}
	if len(t.m) < t.max {
		return
	}
	seen := make([]int64, 0, len(t.m))
	t.each(func(_ int32, e *keyedEntry[K, V]) { seen = append(seen, e.seen) })
	slices.Sort(seen)
	cut := seen[len(seen)/16]
	t.each(func(i int32, e *keyedEntry[K, V]) {
		if e.seen <= cut && len(t.m) >= t.max-t.max/16 {
			t.evict(i)
		}
	})
}
