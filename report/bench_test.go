package report

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
)

// synthetic returns n login events over many users and places, with an alert every 100th.
func synthetic(n, users int) []*borderwatch.Event {
	rng := rand.New(rand.NewPCG(1, 2))
	countries := []string{"US", "DE", "CN", "RU", "KP", "JP", "IN", "BR", "GB", "FR"}
	evs := make([]*borderwatch.Event, 0, n+n/100)
	for i := range n {
		p := place{countries[rng.IntN(len(countries))], fmt.Sprintf("city%d", rng.IntN(20000)),
			rng.Float64()*140 - 58, rng.Float64()*360 - 180, uint32(rng.IntN(60000)), "AS"}
		ip := netip.AddrFrom4([4]byte{198, byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))}).String()
		ev := login(fmt.Sprintf("user%d", rng.IntN(users)), time.Duration(i)*time.Second, ip, p, "success")
		evs = append(evs, ev)
		if i%100 == 99 {
			evs = append(evs, alert("watched_country", "high", ev, "synthetic"))
		}
	}
	return evs
}

// BenchmarkCollectorPublish measures events per second through a Collector.
//
//	go test -run=^$ -bench=CollectorPublish -benchtime=3x ./report
func BenchmarkCollectorPublish(b *testing.B) {
	evs := synthetic(200_000, 50_000)
	b.ResetTimer()
	for range b.N {
		c, _ := NewCollector(DefaultConfig(), nil)
		for i := 0; i < len(evs); i += 512 {
			c.Publish(context.Background(), evs[i:min(i+512, len(evs))])
		}
	}
	b.ReportMetric(float64(len(evs)*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkCollectorMemory fills a Collector past its default bounds (200 k users, 1 M events)
// and reports the heap it holds.
//
//	go test -run=^$ -bench=CollectorMemory -benchtime=1x ./report
func BenchmarkCollectorMemory(b *testing.B) {
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		c, _ := NewCollector(DefaultConfig(), nil)
		for chunk := range 10 {
			evs := synthetic(100_000, 200_000)
			for _, ev := range evs {
				ev.Timestamp = ev.Timestamp.Add(time.Duration(chunk) * 24 * time.Hour)
			}
			c.Publish(context.Background(), evs)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-held")
		r := c.Report(Meta{})
		b.ReportMetric(float64(r.Totals.Users), "users-kept")
		runtime.KeepAlive(c)
	}
}
