package rules

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"time"
)

// Table is a bounded map from a string key (a user, an IP, a host) to a rule's per-key state,
// with a TTL in event time and a cap on its size. When full it first drops expired entries and
// then the least recently seen sixteenth; both are counted. Values are persisted as JSON, so V
// must marshal. The zero value is not usable: use NewTable. Not safe for concurrent use.
//
// It is an open-addressing hash table (linear probing, backward-shift deletion) whose slots hold
// the key's hash and the entry, and whose entries hold short keys inline: a lookup of a key
// that is not in the CPU cache touches one slot and one entry, where a Go map touches its
// control word, the slot, the key's bytes and then the entry. With 100 000 users per table,
// those cache misses are most of a rule's time.
type Table[V any] struct {
	slots   []tableSlot[V] // len is 0 or a power of two; at most 3/4 full
	n       int
	seed    maphash.Seed
	max     int
	ttl     time.Duration
	Evicted uint64 // entries dropped because the table was full
	Expired uint64 // entries dropped because they were older than the TTL
}

type tableSlot[V any] struct {
	h uint64
	e *tableEntry[V] // nil: empty
}

// inlineKey is the longest key kept inside the entry (user names, IPv4 and most IPv6 keys).
const inlineKey = 46

type tableEntry[V any] struct {
	kn    uint8 // length of an inline key; inlineKey+1 when the key is longer
	kb    [inlineKey]byte
	Seen  time.Time `json:"seen"`
	Value V         `json:"v"`
	key   string
}

func (e *tableEntry[V]) setKey(k string) {
	e.key = k
	if len(k) <= inlineKey {
		e.kn = uint8(copy(e.kb[:], k))
	} else {
		e.kn = inlineKey + 1
	}
}

func (e *tableEntry[V]) is(k string) bool {
	if len(k) <= inlineKey {
		return int(e.kn) == len(k) && string(e.kb[:len(k)]) == k
	}
	return e.key == k
}

func (e *tableEntry[V]) isBytes(k []byte) bool {
	if len(k) <= inlineKey {
		return int(e.kn) == len(k) && string(e.kb[:len(k)]) == string(k)
	}
	return e.key == string(k)
}

// NewTable returns a table holding at most max entries, each kept for ttl after it was last
// seen.
func NewTable[V any](max int, ttl time.Duration) *Table[V] {
	if max <= 0 {
		max = 1 << 20
	}
	return &Table[V]{max: max, ttl: ttl, seed: maphash.MakeSeed()}
}

// TableCounts are a table's size and what it dropped.
type TableCounts struct {
	Entries int    `json:"entries"`
	Evicted uint64 `json:"evicted"` // dropped because the table was full (rules.state.max_entries)
	Expired uint64 `json:"expired"` // dropped because they were older than the TTL
}

// Add sums counts.
func (c TableCounts) Add(o TableCounts) TableCounts {
	return TableCounts{Entries: c.Entries + o.Entries, Evicted: c.Evicted + o.Evicted, Expired: c.Expired + o.Expired}
}

// Counts returns the table's size and drop counters.
func (t *Table[V]) Counts() TableCounts {
	return TableCounts{Entries: t.n, Evicted: t.Evicted, Expired: t.Expired}
}

// Len returns the number of entries.
func (t *Table[V]) Len() int { return t.n }

// find returns the slot of k (hash h) and its entry, or the empty slot where it would go and nil.
func (t *Table[V]) find(h uint64, k string) (int, *tableEntry[V]) {
	if len(t.slots) == 0 {
		return -1, nil
	}
	mask := len(t.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.e == nil {
			return i, nil
		}
		if s.h == h && s.e.is(k) {
			return i, s.e
		}
	}
}

func (t *Table[V]) findBytes(h uint64, k []byte) (int, *tableEntry[V]) {
	if len(t.slots) == 0 {
		return -1, nil
	}
	mask := len(t.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.e == nil {
			return i, nil
		}
		if s.h == h && s.e.isBytes(k) {
			return i, s.e
		}
	}
}

func (t *Table[V]) live(e *tableEntry[V], now time.Time) bool {
	return t.ttl <= 0 || now.Sub(e.Seen) <= t.ttl
}

// Get returns the value for k, or nil. An entry past its TTL at now is dropped and not
// returned.
func (t *Table[V]) Get(k string, now time.Time) *V {
	i, e := t.find(maphash.String(t.seed, k), k)
	if e == nil {
		return nil
	}
	if !t.live(e, now) {
		t.deleteAt(i)
		t.Expired++
		return nil
	}
	return &e.Value
}

// Upsert returns the value for k, creating a zero value if needed, and marks it seen at now
// (never moving its last-seen time backwards).
func (t *Table[V]) Upsert(k string, now time.Time) *V {
	h := maphash.String(t.seed, k)
	if i, e := t.find(h, k); e != nil {
		if t.live(e, now) {
			if now.After(e.Seen) {
				e.Seen = now
			}
			return &e.Value
		}
		t.deleteAt(i)
		t.Expired++
	}
	if t.n >= t.max {
		t.makeRoom(now)
	}
	e := &tableEntry[V]{Seen: now}
	e.setKey(k)
	t.insert(h, e)
	return &e.Value
}

// UpsertBytes is Upsert for a key held in a byte slice: it allocates the key string only when
// the entry is new.
func (t *Table[V]) UpsertBytes(k []byte, now time.Time) *V {
	if _, e := t.findBytes(maphash.Bytes(t.seed, k), k); e != nil && t.live(e, now) {
		if now.After(e.Seen) {
			e.Seen = now
		}
		return &e.Value
	}
	return t.Upsert(string(k), now)
}

// Delete removes k.
func (t *Table[V]) Delete(k string) {
	if i, e := t.find(maphash.String(t.seed, k), k); e != nil {
		t.deleteAt(i)
	}
}

// Each calls fn for every entry. fn must not add or remove entries.
func (t *Table[V]) Each(fn func(k string, v *V, seen time.Time)) {
	for i := range t.slots {
		if e := t.slots[i].e; e != nil {
			fn(e.key, &e.Value, e.Seen)
		}
	}
}

// insert adds an entry whose key is not in the table.
func (t *Table[V]) insert(h uint64, e *tableEntry[V]) {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	i, _ := t.find(h, e.key)
	t.slots[i] = tableSlot[V]{h: h, e: e}
	t.n++
}

func (t *Table[V]) grow() {
	old := t.slots
	t.slots = make([]tableSlot[V], max(16, 2*len(old)))
	mask := len(t.slots) - 1
	for _, s := range old {
		if s.e == nil {
			continue
		}
		i := int(s.h) & mask
		for t.slots[i].e != nil {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// deleteAt empties slot i and moves later entries of its probe run back, so that no lookup
// stops early at the hole.
func (t *Table[V]) deleteAt(i int) {
	t.n--
	mask := len(t.slots) - 1
	j := i
	for {
		t.slots[i] = tableSlot[V]{}
		for {
			j = (j + 1) & mask
			s := t.slots[j]
			if s.e == nil {
				return
			}
			home := int(s.h) & mask
			// s stays when its home lies cyclically in (i, j]: a lookup from there reaches j.
			var stays bool
			if i <= j {
				stays = i < home && home <= j
			} else {
				stays = i < home || home <= j
			}
			if !stays {
				t.slots[i] = s
				i = j
				break
			}
		}
	}
}

func (t *Table[V]) makeRoom(now time.Time) {
	var drop []*tableEntry[V]
	if t.ttl > 0 {
		for _, s := range t.slots {
			if s.e != nil && now.Sub(s.e.Seen) > t.ttl {
				drop = append(drop, s.e)
			}
		}
		for _, e := range drop {
			t.Delete(e.key)
			t.Expired++
		}
	}
	if t.n < t.max {
		return
	}
	seen := make([]int64, 0, t.n)
	for _, s := range t.slots {
		if s.e != nil {
			seen = append(seen, s.e.Seen.UnixNano())
		}
	}
	slices.Sort(seen)
	cut := seen[len(seen)/16]
	drop = drop[:0]
	for _, s := range t.slots {
		if s.e != nil && s.e.Seen.UnixNano() <= cut {
			drop = append(drop, s.e)
		}
	}
	for _, e := range drop {
		if t.n < t.max-t.max/16 {
			break
		}
		t.Delete(e.key)
		t.Evicted++
	}
}

// Save writes every entry through put with its expiry (last seen + TTL), in key order (so that
// the store appends to full pages instead of splitting half-empty ones).
func (t *Table[V]) Save(prefix string, put func(key string, value []byte, expires time.Time) error) error {
	entries := make([]*tableEntry[V], 0, t.n)
	for _, s := range t.slots {
		if s.e != nil {
			entries = append(entries, s.e)
		}
	}
	slices.SortFunc(entries, func(a, b *tableEntry[V]) int { return strings.Compare(a.key, b.key) })
	for _, e := range entries {
		k := e.key
		raw, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode %s%s: %w", prefix, k, err)
		}
		var exp time.Time
		if t.ttl > 0 {
			exp = e.Seen.Add(t.ttl)
		}
		if err := put(prefix+k, raw, exp); err != nil {
			return err
		}
	}
	return nil
}

// Load restores one saved entry.
func (t *Table[V]) Load(key string, raw []byte) error {
	e := new(tableEntry[V])
	if err := json.Unmarshal(raw, e); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	e.setKey(key)
	h := maphash.String(t.seed, key)
	if i, old := t.find(h, key); old != nil {
		t.slots[i].e = e
		return nil
	}
	if t.n >= t.max {
		t.makeRoom(e.Seen)
	}
	t.insert(h, e)
	return nil
}
