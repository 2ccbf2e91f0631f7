package rules_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/rules"
)

func TestTableBoundAndTTL(t *testing.T) {
	tb := rules.NewTable[int](32, time.Hour)
	for i := range 100 {
		*tb.Upsert(fmt.Sprint(i), t0.Add(time.Duration(i)*time.Second)) = i
	}
	if tb.Len() > 32 || tb.Evicted == 0 {
		t.Fatalf("len %d evicted %d", tb.Len(), tb.Evicted)
	}
	if tb.Get("99", t0.Add(100*time.Second)) == nil {
		t.Error("the newest entry was evicted")
	}
	if tb.Get("0", t0.Add(100*time.Second)) != nil {
		t.Error("the oldest entry survived")
	}
	if tb.Get("99", t0.Add(3*time.Hour)) != nil || tb.Expired != 1 {
		t.Errorf("expired entry returned (expired %d)", tb.Expired)
	}
	// Save and load round-trip, with expiry = last seen + TTL.
	saved := map[string][]byte{}
	if err := tb.Save("", func(k string, v []byte, exp time.Time) error {
		saved[k] = v
		if exp.IsZero() {
			t.Error("no expiry")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tb2 := rules.NewTable[int](32, time.Hour)
	for k, v := range saved {
		if err := tb2.Load(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if tb2.Len() != tb.Len() {
		t.Errorf("round trip %d != %d", tb2.Len(), tb.Len())
	}
	if err := tb2.Load("x", []byte("{")); err == nil {
		t.Error("corrupt entry loaded")
	}
}

// The table agrees with a Go map over a random mix of inserts, lookups (by string and by
// bytes), deletes and expiries, with keys short enough to be kept inline and longer ones.
func TestTableMatchesMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tb := rules.NewTable[int](1<<20, time.Hour)
	ref := map[string]int{}
	seen := map[string]time.Time{}
	now := t0
	key := func() string {
		k := fmt.Sprintf("user%d", r.IntN(3000))
		if r.IntN(4) == 0 {
			k = strings.Repeat("long-", 10) + k // past the inline length
		}
		return k
	}
	for i := range 200_000 {
		now = now.Add(time.Duration(r.IntN(100)) * time.Millisecond)
		k := key()
		switch op := r.IntN(10); {
		case op < 5:
			v := tb.Upsert(k, now)
			if old, ok := ref[k]; ok && now.Sub(seen[k]) <= time.Hour && *v != old {
				t.Fatalf("op %d: upsert %s = %d, want %d", i, k, *v, old)
			}
			*v = i
			ref[k], seen[k] = i, now
		case op < 7:
			v := tb.UpsertBytes([]byte(k), now)
			if old, ok := ref[k]; ok && now.Sub(seen[k]) <= time.Hour && *v != old {
				t.Fatalf("op %d: upsert bytes %s = %d, want %d", i, k, *v, old)
			}
			*v = i
			ref[k], seen[k] = i, now
		case op < 9:
			v := tb.Get(k, now)
			old, ok := ref[k]
			live := ok && now.Sub(seen[k]) <= time.Hour
			if live != (v != nil) || live && *v != old {
				t.Fatalf("op %d: get %s = %v, want %d (present %v)", i, k, v, old, live)
			}
			if ok && !live {
				delete(ref, k)
			}
		default:
			tb.Delete(k)
			delete(ref, k)
		}
	}
	n := 0
	tb.Each(func(k string, v *int, _ time.Time) {
		n++
		if old, ok := ref[k]; !ok || old != *v {
			t.Errorf("entry %s = %d, map has %d (%v)", k, *v, old, ok)
		}
	})
	if n != tb.Len() {
		t.Errorf("Each visited %d entries, Len %d", n, tb.Len())
	}
}

// BenchmarkTableUpsert pins the cost of one table lookup with 100 000 users looked up in random
// order (each lookup a cache miss, as in the engine), in CPU time:
//
//	go test -run=^$ -bench=BenchmarkTableUpsert -benchtime=2000000x -cpu=1 ./rules/
func BenchmarkTableUpsert(b *testing.B) {
	const users = 100_000
	type state struct {
		Seen time.Time
		N    int
	}
	tb := rules.NewTable[state](1<<20, 0)
	keys := make([]string, users)
	for i := range keys {
		keys[i] = fmt.Sprintf("user%06d", i)
		tb.Upsert(keys[i], t0)
	}
	// Each lookup uses a fresh copy of the key, as each event carries its own.
	probe := make([]string, users)
	for i, j := range rand.New(rand.NewPCG(3, 4)).Perm(users) {
		probe[i] = strings.Clone(keys[j])
	}
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		tb.Upsert(probe[i%users], t0).N++
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
