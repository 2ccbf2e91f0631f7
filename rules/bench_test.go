package rules_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

var benchCities = []struct {
	name, cc, tz string
	lat, lon     float64
}{
	{"Chicago", "US", "America/Chicago", 41.88, -87.63}, {"New York", "US", "America/New_York", 40.71, -74},
	{"Seattle", "US", "America/Los_Angeles", 47.61, -122.33}, {"London", "GB", "Europe/London", 51.5, -0.12},
	{"Berlin", "DE", "Europe/Berlin", 52.52, 13.4}, {"Toronto", "CA", "America/Toronto", 43.65, -79.38},
}

// benchEvents builds n enriched events for users users and hosts hosts, in time order 100 ms
// apart: 80 % logins (users log in during their own working day, 3 % fail, one user in 25 uses a
// consumer VPN for a fifth of their logins), 20 % network sessions.
func benchEvents(start time.Time, n, users, hosts int, seed uint64) []*borderwatch.Event {
	r := rand.New(rand.NewPCG(seed, 7))
	locs := make([]*time.Location, len(benchCities))
	for i, c := range benchCities {
		locs[i], _ = time.LoadLocation(c.tz)
	}
	evs := make([]*borderwatch.Event, n)
	for i := range evs {
		ev := &borderwatch.Event{Timestamp: start.Add(time.Duration(i) * 100 * time.Millisecond)}
		if r.IntN(5) > 0 {
			// A user of a city where it is working time now (any city when none is).
			var open []int
			for ci, loc := range locs {
				lt := ev.Timestamp.In(loc)
				if h := lt.Hour(); h >= 8 && h < 18 && lt.Weekday() != time.Saturday && lt.Weekday() != time.Sunday {
					open = append(open, ci)
				}
			}
			ci := r.IntN(len(benchCities))
			if len(open) > 0 {
				ci = open[r.IntN(len(open))]
			}
			u := ci + len(benchCities)*r.IntN(users/len(benchCities))
			c := benchCities[ci]
			ev.Event = borderwatch.EventMeta{Kind: "event", Category: []string{"authentication"}, Outcome: "success", Dataset: "borderwatch.bench"}
			if r.IntN(33) == 0 {
				ev.Event.Outcome = "failure"
			}
			ev.User.Name = fmt.Sprintf("user%06d", u)
			ip := netip.AddrFrom4([4]byte{24 + byte(u>>16), byte(u >> 8), byte(u), 10}) // a /24 per household
			ev.Source = borderwatch.Endpoint{IP: ip, Geo: &borderwatch.Geo{CountryISOCode: c.cc, CityName: c.name, Timezone: c.tz,
				AccuracyRadius: 20, Location: &borderwatch.GeoPoint{Lat: c.lat, Lon: c.lon}}, AS: &borderwatch.AS{Number: 7922}}
			if u%25 == 0 && r.IntN(5) == 0 {
				ev.Source.IP = netip.AddrFrom4([4]byte{185, 159, byte(r.IntN(4)), byte(r.IntN(250))})
				ev.Borderwatch.Source = &borderwatch.Intel{Categories: []string{"vpn"}, Lists: []borderwatch.ListHit{{Name: "vpn", Category: "vpn", Provider: "nordvpn"}}}
			}
		} else {
			h := r.IntN(hosts)
			ev.Event = borderwatch.EventMeta{Kind: "event", Category: []string{"network", "session"}, Dataset: "borderwatch.flow",
				Start: ev.Timestamp.Add(-time.Minute), End: ev.Timestamp, Duration: int64(time.Minute)}
			ev.Source = borderwatch.Endpoint{IP: netip.AddrFrom4([4]byte{10, 1, byte(h >> 8), byte(h)}), Bytes: uint64(r.IntN(1e6))}
			ev.Destination = borderwatch.Endpoint{IP: netip.AddrFrom4([4]byte{93, 184, byte(r.IntN(250)), 1}), Port: 443,
				Geo: &borderwatch.Geo{CountryISOCode: "US"}}
			ev.Borderwatch.Source = &borderwatch.Intel{Internal: true}
			ev.Network = borderwatch.Network{Transport: "tcp", Direction: "outbound", CommunityID: fmt.Sprintf("1:%d", i)}
		}
		borderwatch.Normalize(ev)
		evs[i] = ev
	}
	return evs
}

// BenchmarkEngine measures events per second through all rules with 100 000 users of state
// (and 5 000 hosts). Run per core with:
//
//	go test -run=^$ -bench=BenchmarkEngine -benchtime=2000000x -cpu=1 ./rules/
func BenchmarkEngine(b *testing.B) {
	b.Run("all", func(b *testing.B) { benchEngine(b, rules.DefaultConfig()) })
}

// BenchmarkRule measures each rule alone, to show where the time goes:
//
//	go test -run=^$ -bench=BenchmarkRule -benchtime=300000x -cpu=1 ./rules/
func BenchmarkRule(b *testing.B) {
	for _, n := range rules.Names() {
		b.Run(n, func(b *testing.B) { benchEngine(b, only(rules.DefaultConfig(), n)) })
	}
}

func benchEngine(b *testing.B, cfg rules.Config) {
	const users, hosts = 100_000, 5_000
	e, err := rules.New(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	// Warm up: every user logs in once, so the tables hold 100 000 users.
	monday := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	warm := benchEvents(monday, users*5/4, users, hosts, 1)
	for _, ev := range warm {
		e.Evaluate(ctx, ev)
	}
	// The pool starts where the warm-up ended and is replayed a week later each round, so that
	// logins stay in their users' working hours.
	pool := benchEvents(warm[len(warm)-1].Timestamp.Add(time.Second), 1<<18, users, hosts, 2)
	const span = 7 * 24 * time.Hour
	alerts := 0
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		ev := pool[i&(len(pool)-1)]
		if i > 0 && i&(len(pool)-1) == 0 {
			b.StopTimer()
			for _, ev := range pool {
				ev.Timestamp = ev.Timestamp.Add(span)
			}
			b.StartTimer()
		}
		a, _ := e.Evaluate(ctx, ev)
		alerts += len(a)
	}
	b.StopTimer()
	// events/cpu-s counts the process's CPU time (all threads, GC included), so it is the
	// per-core figure even on a loaded machine where wall-clock events/s is not.
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(alerts)/float64(b.N)*1e6, "alerts/Mevents")
}

// BenchmarkMemoryPerUser reports the heap held per tracked user across every stateful rule
// after each of 100 000 users has logged in 5 times:
//
//	go test -run=^$ -bench=BenchmarkMemoryPerUser -benchtime=1x ./rules/
func BenchmarkMemoryPerUser(b *testing.B) {
	const users = 100_000
	for range b.N {
		evs := benchEvents(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), users*5, users, 1, 3)
		// Keep only logins: the figure is per user.
		logins := evs[:0]
		for _, ev := range evs {
			if rules.IsAuthentication(ev) {
				logins = append(logins, ev)
			}
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		e, err := rules.New(rules.DefaultConfig(), nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, ev := range logins {
			e.Evaluate(context.Background(), ev)
		}
		e.Flush(context.Background())
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/users, "bytes/user")
		runtime.KeepAlive(e)
		runtime.KeepAlive(logins)
		e.Close()
	}
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
