package rules

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"reflect"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/borderwatch/borderwatch"
)

// Subjects is the table of per-user records shared by the per-user rules (impossible_travel,
// new_country, off_hours). The engine names the event's user once (Begin) and the first rule
// that needs the record looks it up; every rule then finds its own state in its own Slot of that
// record, so a login costs one lookup in a table of users instead of one per rule.
//
// A lookup touches as little memory as it can: the hash table maps a 64-bit hash of the key to
// a record number (16 bytes a user, so the table stays small enough to be mostly cached), the
// record's key is checked against a copy held inline (keys of up to 31 bytes, nearly all), and
// every rule's state for that record sits at that number in the rule's Slot; so a lookup is a
// hash, one probe of a small table and reads at one known index, with no pointer chased. A key
// whose hash another key holds already is kept in a second table, looked in on a miss.
//
// A rule's state in a record keeps its own last-seen time, TTL expiry and counters, and is
// saved to the rule's own bucket in the format of a Table, so sharing the record changes
// neither what a rule sees nor the state file. The table holds at most max users; when full it
// drops the users idle past the TTL, then the least recently seen sixteenth, and counts the
// drop for every rule that had state for them.
//
// The zero value is not usable: use NewSubjects. Not safe for concurrent use.
type Subjects struct {
	byHash map[uint64]uint64 // hash of the key → packed Subject
	other  map[string]uint64 // keys whose hash was taken by another key → packed Subject
	seed   maphash.Seed
	meta   []subjectMeta // by record number
	free   []int32       // record numbers of dropped users, reused
	n      int
	max    int
	ttl    int64 // nanoseconds; 0 = no expiry
	slots  []subjectSlot
	layout *recordLayout // the record layout new slots join (a new one once it is in use)

	// The current event and its user (see Begin).
	ev     *borderwatch.Event
	key    string
	sub    Subject
	looked bool
}

const shortKeyMax = 31

// shortKey is a key of up to shortKeyMax bytes followed by its length.
type shortKey [shortKeyMax + 1]byte

func makeShortKey(key string) shortKey {
	var k shortKey
	copy(k[:], key)
	k[shortKeyMax] = byte(len(key))
	return k
}

type subjectMeta struct {
	short   shortKey // the key when it is short enough, else zero
	key     string
	created int64  // Unix nanoseconds
	gen     uint32 // bumped each time the number is given to a user
	live    bool
	hashed  bool // held in byHash (else in other)
}

// is reports whether the record's key is key.
func (m *subjectMeta) is(key string) bool {
	if len(key) <= shortKeyMax {
		return m.short == makeShortKey(key)
	}
	return m.key == key
}

// Subject names one user's record. The zero value names none. A Subject kept across events
// (impossible_travel holds logins back) may name a record dropped since: the Slot methods
// then report it and the caller looks the user up again. Two valid Subjects are equal only if
// they name the same record of the same user.
type Subject struct {
	idx int32
	gen uint32
}

// Valid reports whether s names a record (it may have been dropped since).
func (s Subject) Valid() bool { return s.gen != 0 }

func (s Subject) pack() uint64 { return uint64(uint32(s.idx)) | uint64(s.gen)<<32 }

func unpackSubject(v uint64) Subject { return Subject{idx: int32(uint32(v)), gen: uint32(v >> 32)} }

// subjectSlot is what Subjects needs of a Slot whatever its value type.
type subjectSlot interface {
	drop(idx int32, expired bool)
	seenAt(idx int32) (int64, bool)
}

// NewSubjects returns a table of at most maxUsers users (default 1 << 20), each rule's state
// kept for ttl after it was last updated (0: no expiry).
func NewSubjects(maxUsers int, ttl time.Duration) *Subjects {
	if maxUsers <= 0 {
		maxUsers = 1 << 20
	}
	return &Subjects{byHash: make(map[uint64]uint64), other: make(map[string]uint64), seed: maphash.MakeSeed(),
		max: maxUsers, ttl: int64(max(ttl, 0))}
}

// Len returns the number of users.
func (s *Subjects) Len() int { return s.n }

// Begin makes ev the current event: its user key is computed once and its record looked up at
// most once, by whichever rule needs it first. The engine calls it before running the rules on
// ev and End after.
func (s *Subjects) Begin(ev *borderwatch.Event) {
	s.ev, s.key, s.sub, s.looked = ev, UserKey(ev), Subject{}, false
}

// End forgets the current event.
func (s *Subjects) End() { s.ev, s.key, s.sub, s.looked = nil, "", Subject{}, false }

// Key returns UserKey(ev), computed once for the current event.
func (s *Subjects) Key(ev *borderwatch.Event) string {
	if ev == s.ev {
		return s.key
	}
	return UserKey(ev)
}

// Current returns the record of the current event's user if a rule has looked it up already,
// else the zero Subject; it never looks anything up. A rule that remembers users by key can
// remember the Subject too and compare Subjects instead of reading the strings.
func (s *Subjects) Current(ev *borderwatch.Event) Subject {
	if ev == s.ev {
		return s.sub
	}
	return Subject{}
}

func (s *Subjects) find(key string) Subject {
	if key == "" {
		return Subject{}
	}
	if v, ok := s.byHash[maphash.String(s.seed, key)]; ok {
		if sub := unpackSubject(v); s.meta[sub.idx].is(key) {
			return sub
		}
	}
	if len(s.other) == 0 {
		return Subject{}
	}
	return unpackSubject(s.other[key])
}

// Find returns the record of ev's user; the zero Subject when there is none.
func (s *Subjects) Find(ev *borderwatch.Event) Subject {
	if ev == s.ev {
		if !s.looked {
			s.sub, s.looked = s.find(s.key), true
		}
		return s.sub
	}
	return s.find(UserKey(ev))
}

// Upsert returns the record of ev's user, creating it when needed; the zero Subject when the
// event names no user.
func (s *Subjects) Upsert(ev *borderwatch.Event, now time.Time) Subject {
	if sub := s.Find(ev); sub.Valid() {
		return sub
	}
	key := s.Key(ev)
	if key == "" {
		return Subject{}
	}
	sub := s.create(key, UnixNano(now))
	if ev == s.ev {
		s.sub, s.looked = sub, true
	}
	return sub
}

// UpsertKey returns the record of a user key, creating it when needed.
func (s *Subjects) UpsertKey(key string, now time.Time) Subject {
	if sub := s.find(key); sub.Valid() {
		return sub
	}
	return s.create(key, UnixNano(now))
}

func (s *Subjects) current(sub Subject) bool {
	if sub.gen == 0 || int(sub.idx) >= len(s.meta) {
		return false
	}
	m := &s.meta[sub.idx]
	return m.live && m.gen == sub.gen
}

func (s *Subjects) create(key string, now int64) Subject {
	if s.n >= s.max {
		s.makeRoom(now)
	}
	var idx int32
	if n := len(s.free); n > 0 {
		idx, s.free = s.free[n-1], s.free[:n-1]
	} else {
		idx = int32(len(s.meta))
		if len(s.meta) == cap(s.meta) {
			// Grown by hand so that the new array can be advised to use huge pages.
			meta := make([]subjectMeta, len(s.meta), max(2*cap(s.meta), 1024))
			adviseHuge(unsafe.Pointer(unsafe.SliceData(meta)), uintptr(cap(meta))*unsafe.Sizeof(meta[0]))
			copy(meta, s.meta)
			s.meta = meta
		}
		s.meta = append(s.meta, subjectMeta{})
	}
	m := &s.meta[idx]
	m.key, m.created, m.live = strings.Clone(key), now, true
	if len(key) <= shortKeyMax {
		m.short = makeShortKey(key)
	}
	if m.gen++; m.gen == 0 {
		m.gen = 1
	}
	sub := Subject{idx: idx, gen: m.gen}
	h := maphash.String(s.seed, key)
	if _, taken := s.byHash[h]; taken {
		s.other[m.key] = sub.pack()
	} else {
		s.byHash[h] = sub.pack()
		m.hashed = true
	}
	s.n++
	return sub
}

func (s *Subjects) drop(idx int32, expired bool) {
	m := &s.meta[idx]
	if m.hashed {
		delete(s.byHash, maphash.String(s.seed, m.key))
	} else {
		delete(s.other, m.key)
	}
	for _, sl := range s.slots {
		sl.drop(idx, expired)
	}
	m.short, m.key, m.created, m.live, m.hashed = shortKey{}, "", 0, false, false
	s.free = append(s.free, idx)
	s.n--
	if s.sub.idx == idx {
		s.sub, s.looked = Subject{}, false
	}
}

// seen is the record's latest update by any rule (its creation when none has state in it).
func (s *Subjects) seen(idx int32) int64 {
	t := s.meta[idx].created
	for _, sl := range s.slots {
		if v, ok := sl.seenAt(idx); ok && v > t {
			t = v
		}
	}
	return t
}

// makeRoom drops the users idle past the TTL, then the least recently seen sixteenth.
func (s *Subjects) makeRoom(now int64) {
	seen := make([]int64, len(s.meta))
	for i := range s.meta {
		if s.meta[i].live {
			seen[i] = s.seen(int32(i))
		}
	}
	if s.ttl > 0 {
		for i := range s.meta {
			if s.meta[i].live && now-seen[i] > s.ttl {
				s.drop(int32(i), true)
			}
		}
	}
	if s.n < s.max {
		return
	}
	live := make([]int64, 0, s.n)
	for i := range s.meta {
		if s.meta[i].live {
			live = append(live, seen[i])
		}
	}
	slices.Sort(live)
	cut := live[len(live)/16]
	for i := range s.meta {
		if s.meta[i].live && seen[i] <= cut && s.n >= s.max-s.max/16 {
			s.drop(int32(i), false)
		}
	}
}

// sorted returns the numbers of the live records in key order.
func (s *Subjects) sorted() []int32 {
	out := make([]int32, 0, s.n)
	for i := range s.meta {
		if s.meta[i].live {
			out = append(out, int32(i))
		}
	}
	slices.SortFunc(out, func(a, b int32) int { return strings.Compare(s.meta[a].key, s.meta[b].key) })
	return out
}

// recordLayout places the states of several slots side by side in one record per user: the
// slots created before the first state is stored share a record type built at run time (one
// field per slot), so one user's states for every per-user rule sit next to each other in
// memory, mostly in one page, and a login costs one TLB miss instead of one per rule. Records
// are allocated in chunks of 1 << recordChunkBits with their real type (the garbage collector
// sees their pointers); a slot reaches its state at record index × stride + its offset.
type recordLayout struct {
	fields []reflect.Type // a slotEntry[V] per slot
	offs   []*uintptr     // where each slot keeps its field's offset
	stride uintptr
	chunk  reflect.Type // [1 << recordChunkBits]record; nil until the first chunk
	chunks []unsafe.Pointer
}

// add adds a field of type t (a slotEntry[V]); its offset is written to *off when the layout
// is fixed.
func (l *recordLayout) add(t reflect.Type, off *uintptr) {
	l.fields = append(l.fields, t)
	l.offs = append(l.offs, off)
}

// grow fixes the layout if needed and allocates chunks up to chunk c.
func (l *recordLayout) grow(c int) {
	if l.chunk == nil {
		fs := make([]reflect.StructField, len(l.fields))
		for i, t := range l.fields {
			fs[i] = reflect.StructField{Name: fmt.Sprintf("S%d", i), Type: t}
		}
		rec := reflect.StructOf(fs)
		for i := range fs {
			*l.offs[i] = rec.Field(i).Offset
		}
		l.stride = rec.Size()
		l.chunk = reflect.ArrayOf(1<<recordChunkBits, rec)
	}
	for c >= len(l.chunks) {
		p := reflect.New(l.chunk).UnsafePointer()
		adviseHuge(p, l.chunk.Size())
		l.chunks = append(l.chunks, p)
	}
}

// Slot is one rule's state of type V in every user's record of a Subjects table. The values of
// the slots of one table share a record per user (see recordLayout), so a rule's state costs
// no allocation of its own and pointers to it stay valid while the user is in the table. Not
// safe for concurrent use.
type Slot[V any] struct {
	subs    *Subjects
	layout  *recordLayout
	off     uintptr // the state's offset in the record (set when the layout is fixed)
	entries int
	Evicted uint64 // states dropped because the table was full (rules.state.max_entries)
	Expired uint64 // states dropped because they were older than the TTL
}

type slotEntry[V any] struct {
	seen int64  // Unix nanoseconds
	gen  uint32 // the record's generation (see Subject); 0 = no state
	v    V
}

const slotChunkBits = 10

// recordChunkBits sets how many records a chunk holds (4096: a few MB, so that most of it can
// be backed by huge pages).
const recordChunkBits = 12

// NewSlot adds a slot for values of type V to subs. Slots added before any state is stored
// share one record per user; a slot added later gets records of its own.
func NewSlot[V any](subs *Subjects) *Slot[V] {
	if subs.layout == nil || subs.layout.chunk != nil {
		subs.layout = &recordLayout{}
	}
	sl := &Slot[V]{subs: subs, layout: subs.layout}
	sl.layout.add(reflect.TypeFor[slotEntry[V]](), &sl.off)
	subs.slots = append(subs.slots, sl)
	return sl
}

// Subjects returns the table the slot belongs to.
func (sl *Slot[V]) Subjects() *Subjects { return sl.subs }

func (sl *Slot[V]) entry(idx int32) *slotEntry[V] {
	l := sl.layout
	c := int(idx) >> recordChunkBits
	if c >= len(l.chunks) {
		l.grow(c)
	}
	return (*slotEntry[V])(unsafe.Add(l.chunks[c], uintptr(idx&(1<<recordChunkBits-1))*l.stride+sl.off))
}

func (sl *Slot[V]) has(idx int32) bool { return int(idx)>>recordChunkBits < len(sl.layout.chunks) }

func (sl *Slot[V]) drop(idx int32, expired bool) {
	if !sl.has(idx) {
		return
	}
	e := sl.entry(idx)
	if e.gen == 0 {
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

func (sl *Slot[V]) seenAt(idx int32) (int64, bool) {
	if !sl.has(idx) {
		return 0, false
	}
	e := sl.entry(idx)
	return e.seen, e.gen != 0
}

// Counts returns the number of users with state in this slot and what it dropped.
func (sl *Slot[V]) Counts() TableCounts {
	return TableCounts{Entries: sl.entries, Evicted: sl.Evicted, Expired: sl.Expired}
}

// Upsert returns the rule's state for ev's user, creating a zero value if needed, and marks it
// seen at now (never moving its last-seen time backwards). It returns nil when the event names
// no user. The pointer is valid until the user is dropped from the table.
func (sl *Slot[V]) Upsert(ev *borderwatch.Event, now time.Time) *V {
	sub := sl.subs.Upsert(ev, now)
	if !sub.Valid() {
		return nil
	}
	return sl.UpsertSubject(sub, now)
}

// UpsertSubject is Upsert for a record found earlier. It returns nil when the record has been
// dropped since (the caller looks the user up again with Upsert).
func (sl *Slot[V]) UpsertSubject(sub Subject, now time.Time) *V {
	if !sub.Valid() {
		return nil
	}
	n := UnixNano(now)
	e := sl.entry(sub.idx)
	if e.gen == sub.gen {
		// The record's state: a dropped record's states are cleared, so a match is current.
		if sl.subs.ttl <= 0 || n-e.seen <= sl.subs.ttl {
			if n > e.seen {
				e.seen = n
			}
			return &e.v
		}
		sl.Expired++
		sl.entries--
		*e = slotEntry[V]{}
	}
	if e.gen != 0 || !sl.subs.current(sub) {
		return nil // the record was dropped since (and its number given to another user)
	}
	sl.entries++
	e.gen, e.seen = sub.gen, n
	return &e.v
}

// Get returns the rule's state for the user key, or nil. A state past its TTL at now is
// dropped and not returned.
func (sl *Slot[V]) Get(key string, now time.Time) *V {
	sub := sl.subs.find(key)
	if !sub.Valid() {
		return nil
	}
	e := sl.entry(sub.idx)
	if e.gen != sub.gen {
		return nil
	}
	if sl.subs.ttl > 0 && UnixNano(now)-e.seen > sl.subs.ttl {
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
	for _, idx := range sl.subs.sorted() {
		if !sl.has(idx) {
			continue
		}
		e := sl.entry(idx)
		if e.gen == 0 {
			continue
		}
		key := sl.subs.meta[idx].key
		seen := time.Unix(0, e.seen).UTC()
		raw, err := json.Marshal(&tableEntry[V]{Seen: seen, Value: e.v})
		if err != nil {
			return fmt.Errorf("encode %s%s: %w", prefix, key, err)
		}
		var exp time.Time
		if sl.subs.ttl > 0 {
			exp = seen.Add(time.Duration(sl.subs.ttl))
		}
		if err := put(prefix+key, raw, exp); err != nil {
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
	n := UnixNano(te.Seen)
	sub := sl.subs.UpsertKey(key, te.Seen)
	e := sl.entry(sub.idx)
	if e.gen == 0 {
		sl.entries++
	}
	*e = slotEntry[V]{seen: n, gen: sub.gen, v: te.Value}
	return nil
}

// UnixNano is t in Unix nanoseconds, clamped to about ±146 years around 1970 so that
// differences never overflow (the tables keep times this way: 8 bytes and no pointer).
func UnixNano(t time.Time) int64 {
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

// Prefetch asks the processor to start loading the first n bytes of the rule's state for a
// record found earlier (and the slot's own header) into its caches, without waiting for them,
// so that a later UpsertSubject finds them there. A rule that holds events back
// (impossible_travel) calls it some events before it evaluates one, for the part of its state
// an evaluation reads. It reads nothing and changes nothing; an invalid or dropped Subject is
// harmless.
func (sl *Slot[V]) Prefetch(sub Subject, n uintptr) {
	if !sub.Valid() || !sl.has(sub.idx) {
		return
	}
	e := sl.entry(sub.idx)
	n = min(n, unsafe.Sizeof(e.v)) + unsafe.Offsetof(e.v)
	prefetchLines(unsafe.Pointer(e), uintptr(unsafe.Pointer(e))&63+n)
}

// PrefetchValue asks the processor to start loading *p into its caches without waiting for
// it (a no-op where no prefetch instruction is wired in). For a reader that knows what it will
// read some steps ahead, such as a queue read in order.
func PrefetchValue[T any](p *T) {
	prefetchLines(unsafe.Pointer(p), uintptr(unsafe.Pointer(p))&63+unsafe.Sizeof(*p))
}
