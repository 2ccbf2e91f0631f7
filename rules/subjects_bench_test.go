package rules_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/rules"
)

// BenchmarkPerUserState pins what sharing one user record saves: three rules' states for a
// random one of 100 000 users, kept in three tables (one lookup each, as before) or in three
// slots of one shared record (one lookup), in CPU time:
//
//	go test -run=^$ -bench=BenchmarkPerUserState -benchtime=2000000x -cpu=1 ./rules/
func BenchmarkPerUserState(b *testing.B) {
	const users = 100_000
	type small struct {
		Seen time.Time
		N    int
	}
	type large struct {
		First time.Time
		Hours [168]uint32
	}
	keys := make([]string, users)
	for i := range keys {
		keys[i] = fmt.Sprintf("user%06d", i)
	}
	// Each lookup uses a fresh copy of the key, as each event carries its own.
	probe := make([]string, users)
	for i, j := range rand.New(rand.NewPCG(3, 4)).Perm(users) {
		probe[i] = strings.Clone(keys[j])
	}
	b.Run("three-tables", func(b *testing.B) {
		t1, t2, t3 := rules.NewTable[small](1<<20, 0), rules.NewTable[small](1<<20, 0), rules.NewTable[large](1<<20, 0)
		for _, k := range keys {
			t1.Upsert(k, t0)
			t2.Upsert(k, t0)
			t3.Upsert(k, t0)
		}
		cpu0 := cpuTime()
		b.ResetTimer()
		for i := range b.N {
			k := probe[i%users]
			t1.Upsert(k, t0).N++
			t2.Upsert(k, t0).N++
			t3.Upsert(k, t0).Hours[i%168]++
		}
		b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	})
	b.Run("one-record", func(b *testing.B) {
		subs := rules.NewSubjects(1<<20, 0)
		s1, s2, s3 := rules.NewSlot[small](subs), rules.NewSlot[small](subs), rules.NewSlot[large](subs)
		for _, k := range keys {
			sub := subs.UpsertKey(k, t0)
			s1.UpsertSubject(sub, t0)
			s2.UpsertSubject(sub, t0)
			s3.UpsertSubject(sub, t0)
		}
		cpu0 := cpuTime()
		b.ResetTimer()
		for i := range b.N {
			sub := subs.UpsertKey(probe[i%users], t0)
			s1.UpsertSubject(sub, t0).N++
			s2.UpsertSubject(sub, t0).N++
			s3.UpsertSubject(sub, t0).Hours[i%168]++
		}
		b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	})
}
