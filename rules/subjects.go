package rules

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch"
)

// Subjects is the table of per-user records shared by the per-user rules (impossible_travel,
// new_country, off_hours). The engine names the event's user once (Begin) and the first rule
// that needs the record looks it up; every rule then finds its own state in its own Slot of that
// record, so a login costs one lookup in a table of users instead of one per rule.
//
// A rule's state in a record keeps its own last-seen time, TTL expiry and counters, and is
// saved to the rule's own bucket in the format of a Table, so sharing the record changes
// neither what a rule sees nor the state file. The table holds at most max users; when full it
// drops the users idle past the TTL, then the least recently seen sixteenth, and counts the
// drop for every rule that had state for them.
//
// The zero value is not usable: use NewSubjects. Not safe for concurrent use.
type Subjects struct {
	m     map[string]*Subject
	max   int
	ttl   int64 // nanoseconds; 0 = no expiry
	free  []int32
	next  int32
	slots []subjectSlot

	// The current event and its user (see Begin).
	ev     *borderwatch.Event
	key    string
	sub    *Subject
	looked bool
}

// Subject is one user's record. Rules reach their state in it through their Slot.
type Subject struct {
	key  string
	seen int64 // latest update of any rule's state, Unix nanoseconds
	idx  int32 // index of this user's state in every slot; -1 once dropped
}

// Key returns the user key (see UserKey).
func (s *Subject) Key() string { return s.key }

// subjectSlot is what Subjects needs of a Slot whatever its value type.
type subjectSlot interface {
	drop(idx int32, expired bool)
}

// NewSubjects returns a table of at most max users (default 1 << 20), each rule's state kept
// for ttl after it was last updated (0: no expiry).
func NewSubjects(max int, ttl time.Duration) *Subjects {
	if max <= 0 {
		max = 1 << 20
	}
	return &Subjects{m: make(map[string]*Subject), max: max, ttl: int64(max0(ttl))}
}

func max0(d time.Duration) time.Duration { return max(d, 0) }

// Len returns the number of users.
func (s *Subjects) Len() int { return len(s.m) }

// Begin makes ev the current event: its user key is computed once and its record looked up at
// most once, by whichever rule needs it first. The engine calls it before running the rules on
// ev and End after.
func (s *Subjects) Begin(ev *borderwatch.Event) {
	s.ev, s.key, s.sub, s.looked = ev, UserKey(ev), nil, false
}

// End forgets the current event.
func (s *Subjects) End() { s.ev, s.key, s.sub, s.looked = nil, "", nil, false }

// Key returns UserKey(ev), computed once for the current event.
func (s *Subjects) Key(ev *borderwatch.Event) string {
	if ev == s.ev {
		return s.key
	}
	return UserKey(ev)
}

// Find returns the record of ev's user, or nil.
func (s *Subjects) Find(ev *borderwatch.Event) *Subject {
	if ev == s.ev {
		if !s.looked {
			s.sub, s.looked = s.m[s.key], true
		}
		return s.sub
	}
	return s.m[UserKey(ev)]
}

// Upsert returns the record of ev's user, creating it when needed, or nil when the event names
// no user.
func (s *Subjects) Upsert(ev *borderwatch.Event, now time.Time) *Subject {
	if sub := s.Find(ev); sub != nil {
		return sub
	}
	key := s.Key(ev)
	if key == "" {
		return nil
	}
	sub := s.create(key, unixNano(now))
	if ev == s.ev {
		s.sub = sub
	}
	return sub
}

// UpsertKey returns the record of the user key, creating it when needed.
func (s *Subjects) UpsertKey(key string, now time.Time) *Subject {
	if sub := s.m[key]; sub != nil {
		return sub
	}
	return s.create(key, unixNano(now))
}

func (s *Subjects) create(key string, now int64) *Subject {
	if len(s.m) >= s.max {
		s.makeRoom(now)
	}
	var idx int32
	if n := len(s.free); n > 0 {
		idx, s.free = s.free[n-1], s.free[:n-1]
	} else {
		idx = s.next
		s.next++
	}
	sub := &Subject{key: strings.Clone(key), seen: now, idx: idx}
	s.m[sub.key] = sub
	return sub
}

func (s *Subjects) drop(sub *Subject, expired bool) {
	delete(s.m, sub.key)
	for _, sl := range s.slots {
		sl.drop(sub.idx, expired)
	}
	s.free = append(s.free, sub.idx)
	sub.idx = -1
	if sub == s.sub {
		s.sub, s.looked = nil, false
	}
}

// makeRoom drops the users idle past the TTL, then the least recently seen sixteenth.
func (s *Subjects) makeRoom(now int64) {
	if s.ttl > 0 {
		for _, sub := range s.m {
			if now-sub.seen > s.ttl {
				s.drop(sub, true)
			}
		}
	}
	if len(s.m) < s.max {
		return
	}
	seen := make([]int64, 0, len(s.m))
	for _, sub := range s.m {
		seen = append(seen, sub.seen)
	}
	slices.Sort(seen)
	cut := seen[len(seen)/16]
	for _, sub := range s.m {
		if sub.seen <= cut && len(s.m) >= s.max-s.max/16 {
			s.drop(sub, false)
		}
	}
}

// sorted returns the records in key order.
func (s *Subjects) sorted() []*Subject {
	out := make([]*Subject, 0, len(s.m))
	for _, sub := range s.m {
		out = append(out, sub)
	}
	slices.SortFunc(out, func(a, b *Subject) int { return strings.Compare(a.key, b.key) })
	return out
}

// Slot is one rule's state of type V in every user's record of a Subjects table. Values live in
// chunks indexed by the record, so a rule's state costs no allocation of its own and pointers
// to it stay valid while the user is in the table. Not safe for concurrent use.
type Slot[V any] struct {
	subs    *Subjects
	chunks  [][]slotEntry[V]
	entries int
	Evicted uint64 // states dropped because the table was full (rules.state.max_entries)
	Expired uint64 // states dropped because they were older than the TTL
}

type slotEntry[V any] struct {
	seen int64 // Unix nanoseconds
	live bool
	v    V
}

const slotChunkBits = 10

// NewSlot adds a slot for values of type V to subs.
func NewSlot[V any](subs *Subjects) *Slot[V] {
	sl := &Slot[V]{subs: subs}
	subs.slots = append(subs.slots, sl)
	return sl
}

// Subjects returns the table the slot belongs to.
func (sl *Slot[V]) Subjects() *Subjects { return sl.subs }

func (sl *Slot[V]) entry(idx int32) *slotEntry[V] {
	c := int(idx) >> slotChunkBits
	for c >= len(sl.chunks) {
		sl.chunks = append(sl.chunks, make([]slotEntry[V], 1<<slotChunkBits))
	}
	return &sl.chunks[c][idx&(1<<slotChunkBits-1)]
}

func (sl *Slot[V]) drop(idx int32, expired bool) {
	if int(idx)>>slotChunkBits >= len(sl.chunks) {
		return
	}
	e := sl.entry(idx)
	if !e.live {
		return
	}
	if expired {
		sl.Expired++
	} else {
		sl.Evicted++
	}
	sl.entries--
	*e = slotEntry[V]{}
}

// Counts returns the number of users with state in this slot and what it dropped.
func (sl *Slot[V]) Counts() TableCounts {
	return TableCounts{Entries: sl.entries, Evicted: sl.Evicted, Expired: sl.Expired}
}

// Upsert returns the rule's state for ev's user, creating a zero value if needed, and marks it
// seen at now (never moving its last-seen time backwards). It returns nil when the event names
// no user.
func (sl *Slot[V]) Upsert(ev *borderwatch.Event, now time.Time) *V {
	sub := sl.subs.Upsert(ev, now)
	if sub == nil {
		return nil
	}
	return sl.UpsertSubject(sub, now)
}

// UpsertSubject is Upsert for a record found earlier (a record dropped since is found again by
// its key).
func (sl *Slot[V]) UpsertSubject(sub *Subject, now time.Time) *V {
	if sub.idx < 0 {
		sub = sl.subs.UpsertKey(sub.key, now)
	}
	n := unixNano(now)
	e := sl.entry(sub.idx)
	if e.live {
		if sl.subs.ttl <= 0 || n-e.seen <= sl.subs.ttl {
			if n > e.seen {
				e.seen = n
			}
			if n > sub.seen {
				sub.seen = n
			}
			return &e.v
		}
		sl.Expired++
		*e = slotEntry[V]{}
	} else {
		sl.entries++
	}
	e.live, e.seen = true, n
	if n > sub.seen {
		sub.seen = n
	}
	return &e.v
}

// Get returns the rule's state for the user key, or nil. A state past its TTL at now is
// dropped and not returned.
func (sl *Slot[V]) Get(key string, now time.Time) *V {
	sub := sl.subs.m[key]
	if sub == nil {
		return nil
	}
	e := sl.entry(sub.idx)
	if !e.live {
		return nil
	}
	if sl.subs.ttl > 0 && unixNano(now)-e.seen > sl.subs.ttl {
		sl.Expired++
		sl.entries--
		*e = slotEntry[V]{}
		return nil
	}
	return &e.v
}

// Save writes every user's state through put, in key order, as Table.Save does: the value is
// {"seen": last seen, "v": state} and the expiry last seen + TTL.
func (sl *Slot[V]) Save(prefix string, put func(key string, value []byte, expires time.Time) error) error {
	for _, sub := range sl.subs.sorted() {
		e := sl.entry(sub.idx)
		if !e.live {
			continue
		}
		seen := time.Unix(0, e.seen).UTC()
		raw, err := json.Marshal(&tableEntry[V]{Seen: seen, Value: e.v})
		if err != nil {
			return fmt.Errorf("encode %s%s: %w", prefix, sub.key, err)
		}
		var exp time.Time
		if sl.subs.ttl > 0 {
			exp = seen.Add(time.Duration(sl.subs.ttl))
		}
		if err := put(prefix+sub.key, raw, exp); err != nil {
			return err
		}
	}
	return nil
}

// Load restores one state saved by Save (or by Table.Save).
func (sl *Slot[V]) Load(key string, raw []byte) error {
	var te tableEntry[V]
	if err := json.Unmarshal(raw, &te); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	if key == "" {
		return fmt.Errorf("decode state: empty user key")
	}
	n := unixNano(te.Seen)
	sub := sl.subs.m[key]
	if sub == nil {
		sub = sl.subs.create(key, n)
	}
	e := sl.entry(sub.idx)
	if !e.live {
		sl.entries++
	}
	*e = slotEntry[V]{seen: n, live: true, v: te.Value}
	if n > sub.seen {
		sub.seen = n
	}
	return nil
}

// unixNano is t in Unix nanoseconds, clamped to about ±146 years around 1970 so that
// differences never overflow.
func unixNano(t time.Time) int64 {
	const lim = 1 << 62
	s := t.Unix()
	switch {
	case s > lim/int64(time.Second):
		return lim
	case s < -lim/int64(time.Second):
		return -lim
	}
	return t.UnixNano()
}
