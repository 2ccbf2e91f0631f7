package rules

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var subjectsT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Two slots over one Subjects table agree with a Go map per slot over a random mix of upserts
// and lookups with short and long keys, TTL expiry and evictions; every state created is
// accounted for as live, evicted or expired.
func TestSubjectsMatchMap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	subs := NewSubjects(2000, time.Hour)
	a, b := NewSlot[int](subs), NewSlot[string](subs)
	refA, refB := map[string]int{}, map[string]string{}
	seenA, seenB := map[string]time.Time{}, map[string]time.Time{}
	var createdA, createdB int
	now := subjectsT0
	key := func() string {
		k := fmt.Sprintf("user%d", r.IntN(3000))
		if r.IntN(4) == 0 {
			k = strings.Repeat("long-", 10) + k // past the inline length
		}
		return k
	}
	for i := range 200_000 {
		// A key comes back every 6 000 operations on average: about 50 min at first (within the
		// TTL), 100 min later on (past it).
		gap := 1000
		if i > 100_000 {
			gap = 2000
		}
		now = now.Add(time.Duration(r.IntN(gap)) * time.Millisecond)
		k := key()
		switch op := r.IntN(10); {
		case op < 4:
			v := a.UpsertSubject(subs.UpsertKey(k, now), now)
			if old, ok := refA[k]; ok && now.Sub(seenA[k]) <= time.Hour && *v != old && *v != 0 {
				t.Fatalf("op %d: slot a %s = %d, want %d", i, k, *v, old)
			}
			if *v == 0 {
				createdA++
			}
			*v = i + 1
			refA[k], seenA[k] = i+1, now
		case op < 6:
			v := b.UpsertSubject(subs.UpsertKey(k, now), now)
			if old, ok := refB[k]; ok && now.Sub(seenB[k]) <= time.Hour && *v != old && *v != "" {
				t.Fatalf("op %d: slot b %s = %q, want %q", i, k, *v, old)
			}
			if *v == "" {
				createdB++
			}
			*v = fmt.Sprint(i)
			refB[k], seenB[k] = *v, now
		default:
			// A state is either the last value written or gone (evicted or expired); never
			// another key's.
			if v := a.Get(k, now); v != nil && *v != refA[k] {
				t.Fatalf("op %d: get a %s = %d, want %d", i, k, *v, refA[k])
			}
			if v := b.Get(k, now); v != nil && *v != refB[k] {
				t.Fatalf("op %d: get b %s = %q, want %q", i, k, *v, refB[k])
			}
		}
	}
	if subs.Len() > 2000 {
		t.Errorf("%d users, bound 2000", subs.Len())
	}
	for name, c := range map[string]struct {
		counts  TableCounts
		created int
	}{"a": {a.Counts(), createdA}, "b": {b.Counts(), createdB}} {
		if c.counts.Evicted == 0 || c.counts.Expired == 0 {
			t.Errorf("slot %s: %+v: want evictions and expiries", name, c.counts)
		}
		if got := uint64(c.counts.Entries) + c.counts.Evicted + c.counts.Expired; got != uint64(c.created) {
			t.Errorf("slot %s: entries+evicted+expired = %d, created %d", name, got, c.created)
		}
	}
}

// A key whose hash another key holds is kept in the second table and found there, before and
// after the other key is dropped.
func TestSubjectsHashCollision(t *testing.T) {
	subs := NewSubjects(10, time.Hour)
	sl := NewSlot[int](subs)
	alice := subs.UpsertKey("alice", subjectsT0)
	*sl.UpsertSubject(alice, subjectsT0) = 1
	// Give bob's hash to alice's record, as a collision would.
	subs.byHash[maphash.String(subs.seed, "bob")] = alice.pack()
	if got := subs.find("bob"); got.Valid() {
		t.Fatalf("bob found as %+v before being added", got)
	}
	bob := subs.UpsertKey("bob", subjectsT0)
	*sl.UpsertSubject(bob, subjectsT0) = 2
	if bob == alice || len(subs.other) != 1 {
		t.Fatalf("bob %+v alice %+v, second table %v", bob, alice, subs.other)
	}
	if *sl.Get("alice", subjectsT0) != 1 || *sl.Get("bob", subjectsT0) != 2 {
		t.Fatal("states mixed up")
	}
	subs.drop(alice.idx, false)
	if sl.Get("alice", subjectsT0) != nil || *sl.Get("bob", subjectsT0) != 2 {
		t.Fatal("after dropping alice")
	}
	// A held Subject of a dropped record is refused, not given the new user's state.
	carol := subs.UpsertKey("carol", subjectsT0) // reuses alice's number
	if carol.idx != alice.idx || sl.UpsertSubject(alice, subjectsT0) != nil {
		t.Fatalf("stale subject accepted (carol %+v alice %+v)", carol, alice)
	}
}

// Saved states load back into a fresh table with the same values and last-seen times.
func TestSlotSaveLoad(t *testing.T) {
	subs := NewSubjects(100, time.Hour)
	sl := NewSlot[int](subs)
	for i := range 50 {
		at := subjectsT0.Add(time.Duration(i) * time.Second)
		*sl.UpsertSubject(subs.UpsertKey(fmt.Sprintf("u%02d", i), at), at) = i
	}
	var keys []string
	saved := map[string][]byte{}
	if err := sl.Save("", func(k string, v []byte, exp time.Time) error {
		keys = append(keys, k)
		saved[k] = v
		if exp.IsZero() {
			t.Error("no expiry")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 50 || keys[0] != "u00" || keys[49] != "u49" {
		t.Fatalf("saved keys %v", keys)
	}
	subs2 := NewSubjects(100, time.Hour)
	sl2 := NewSlot[int](subs2)
	for k, v := range saved {
		if err := sl2.Load(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		k := fmt.Sprintf("u%02d", i)
		// Each state expires an hour after its own last-seen time.
		if v := sl2.Get(k, subjectsT0.Add(time.Duration(i)*time.Second+time.Hour)); v == nil || *v != i {
			t.Fatalf("%s = %v, want %d", k, v, i)
		}
		if v := sl2.Get(k, subjectsT0.Add(time.Duration(i)*time.Second+time.Hour+time.Second)); v != nil {
			t.Fatalf("%s alive past its TTL", k)
		}
	}
	if err := sl2.Load("x", []byte("{")); err == nil {
		t.Error("corrupt state loaded")
	}
}

// A keyed table keeps at most its bound, drops idle entries after the TTL and reports every
// entry it drops to OnDrop with the reason, matching its counters.
func TestKeyedTableBoundAndTTL(t *testing.T) {
	tb := NewKeyedTable[[2]int, int](32, time.Hour)
	var expired, evicted int
	tb.OnDrop = func(v *int, exp bool) {
		if exp {
			expired++
		} else {
			evicted++
		}
	}
	for i := range 100 {
		*tb.Upsert([2]int{i, i}, subjectsT0.Add(time.Duration(i)*time.Second)) = i + 1
	}
	if tb.Len() > 32 || tb.Evicted == 0 || uint64(evicted) != tb.Evicted {
		t.Fatalf("len %d evicted %d (OnDrop %d)", tb.Len(), tb.Evicted, evicted)
	}
	if v := tb.Upsert([2]int{99, 99}, subjectsT0.Add(100*time.Second)); *v != 100 {
		t.Errorf("newest entry = %d, want 100", *v)
	}
	if v := tb.Upsert([2]int{0, 0}, subjectsT0.Add(100*time.Second)); *v != 0 {
		t.Errorf("oldest entry survived with %d", *v)
	}
	// Two hours later every entry has expired: the next insertion into the full table drops
	// them all as expired.
	late := subjectsT0.Add(3 * time.Hour)
	for i := range 40 {
		tb.Upsert([2]int{1000 + i, 0}, late)
	}
	if tb.Expired == 0 || uint64(expired) != tb.Expired || tb.Len() > 32 {
		t.Errorf("expired %d (OnDrop %d), len %d", tb.Expired, expired, tb.Len())
	}
	n := 0
	tb.Each(func(k [2]int, v *int) { n++ })
	if n != tb.Len() {
		t.Errorf("Each visited %d, Len %d", n, tb.Len())
	}
}
