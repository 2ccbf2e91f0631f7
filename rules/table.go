package rules

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Table is a bounded map from a string key (a user, an IP, a host) to a rule's per-key state,
// with a TTL in event time and a cap on its size. When full it first drops expired entries and
// then the least recently seen sixteenth; both are counted. Values are persisted as JSON, so V
// must marshal. The zero value is not usable: use NewTable. Not safe for concurrent use.
type Table[V any] struct {
	m       map[string]*tableEntry[V]
	max     int
	ttl     time.Duration
	Evicted uint64 // entries dropped because the table was full
	Expired uint64 // entries dropped because they were older than the TTL
}

type tableEntry[V any] struct {
	Seen  time.Time `json:"seen"`
	Value V         `json:"v"`
}

// NewTable returns a table holding at most max entries, each kept for ttl after it was last
// seen.
func NewTable[V any](max int, ttl time.Duration) *Table[V] {
	if max <= 0 {
		max = 1 << 20
	}
	return &Table[V]{m: make(map[string]*tableEntry[V]), max: max, ttl: ttl}
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
	return TableCounts{Entries: len(t.m), Evicted: t.Evicted, Expired: t.Expired}
}

// Len returns the number of entries.
func (t *Table[V]) Len() int { return len(t.m) }

// Get returns the value for k, or nil. An entry past its TTL at now is dropped and not
// returned.
func (t *Table[V]) Get(k string, now time.Time) *V {
	e := t.m[k]
	if e == nil {
		return nil
	}
	if t.ttl > 0 && now.Sub(e.Seen) > t.ttl {
		delete(t.m, k)
		t.Expired++
		return nil
	}
	return &e.Value
}

// Upsert returns the value for k, creating a zero value if needed, and marks it seen at now
// (never moving its last-seen time backwards).
func (t *Table[V]) Upsert(k string, now time.Time) *V {
	if e := t.m[k]; e != nil {
		if t.ttl <= 0 || now.Sub(e.Seen) <= t.ttl {
			if now.After(e.Seen) {
				e.Seen = now
			}
			return &e.Value
		}
		delete(t.m, k)
		t.Expired++
	}
	if len(t.m) >= t.max {
		t.makeRoom(now)
	}
	e := &tableEntry[V]{Seen: now}
	t.m[k] = e
	return &e.Value
}

// UpsertBytes is Upsert for a key held in a byte slice: it allocates the key string only when
// the entry is new.
func (t *Table[V]) UpsertBytes(k []byte, now time.Time) *V {
	if e := t.m[string(k)]; e != nil && (t.ttl <= 0 || now.Sub(e.Seen) <= t.ttl) {
		if now.After(e.Seen) {
			e.Seen = now
		}
		return &e.Value
	}
	return t.Upsert(string(k), now)
}

// Delete removes k.
func (t *Table[V]) Delete(k string) { delete(t.m, k) }

// Each calls fn for every entry.
func (t *Table[V]) Each(fn func(k string, v *V, seen time.Time)) {
	for k, e := range t.m {
		fn(k, &e.Value, e.Seen)
	}
}

func (t *Table[V]) makeRoom(now time.Time) {
	if t.ttl > 0 {
		for k, e := range t.m {
			if now.Sub(e.Seen) > t.ttl {
				delete(t.m, k)
				t.Expired++
			}
		}
	}
	if len(t.m) < t.max {
		return
	}
	seen := make([]int64, 0, len(t.m))
	for _, e := range t.m {
		seen = append(seen, e.Seen.UnixNano())
	}
	slices.Sort(seen)
	cut := seen[len(seen)/16]
	for k, e := range t.m {
		if e.Seen.UnixNano() <= cut && len(t.m) >= t.max-t.max/16 {
			delete(t.m, k)
			t.Evicted++
		}
	}
}

// Save writes every entry through put with its expiry (last seen + TTL), in key order (so that
// the store appends to full pages instead of splitting half-empty ones).
func (t *Table[V]) Save(prefix string, put func(key string, value []byte, expires time.Time) error) error {
	keys := make([]string, 0, len(t.m))
	for k := range t.m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		e := t.m[k]
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
	if len(t.m) >= t.max {
		t.makeRoom(e.Seen)
	}
	t.m[key] = e
	return nil
}
