//go:build unix

package enrich_test

import (
	"context"
	"github.com/borderwatch/borderwatch/enrich/internal/benchcpu"
	"net/netip"
	"testing"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/enrich"
	"github.com/borderwatch/borderwatch/enrich/geoip/geoiptest"
)

func geolite2Chain(b *testing.B) *enrich.Chain {
	dir := geoiptest.RequireGeoLite2(b)
	cfg := enrich.DefaultConfig()
	cfg.GeoIP.Directories = []string{dir}
	cfg.Reload = 0
	c, err := enrich.New(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkLookupCacheHit is one cached address lookup (target ≤ 150 ns, 0 allocs).
func BenchmarkLookupCacheHit(b *testing.B) {
	c := geolite2Chain(b)
	a := netip.MustParseAddr("81.2.69.142")
	c.Lookup(a)
	b.ReportAllocs()
	done := benchcpu.Start(b)
	for i := 0; i < b.N; i++ {
		c.Lookup(a)
	}
	done()
}

// BenchmarkEnrichCacheHit enriches an event with source and destination both cached.
func BenchmarkEnrichCacheHit(b *testing.B) {
	c := geolite2Chain(b)
	ev := &borderwatch.Event{
		Event:       borderwatch.EventMeta{Category: []string{borderwatch.CategoryNetwork}},
		Source:      borderwatch.Endpoint{IP: netip.MustParseAddr("192.168.1.20")},
		Destination: borderwatch.Endpoint{IP: netip.MustParseAddr("81.2.69.142")},
	}
	ctx := context.Background()
	c.Enrich(ctx, ev)
	b.ReportAllocs()
	done := benchcpu.Start(b)
	for i := 0; i < b.N; i++ {
		ev.Source.Geo, ev.Source.AS, ev.Destination.Geo, ev.Destination.AS = nil, nil, nil, nil
		ev.Borderwatch.Source, ev.Borderwatch.Destination, ev.Network.Direction = nil, nil, ""
		c.Enrich(ctx, ev)
	}
	done()
}

// BenchmarkLookupCacheMiss is a chain lookup that misses the cache: City + ASN + lists +
// allowlists + building and caching the result.
func BenchmarkLookupCacheMiss(b *testing.B) {
	c := geolite2Chain(b)
	addrs := make([]netip.Addr, 1<<20)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{byte(1 + i>>16%200), byte(i >> 8), byte(i), 1})
	}
	b.ReportAllocs()
	done := benchcpu.Start(b)
	for i := 0; i < b.N; i++ {
		c.Lookup(addrs[i&(len(addrs)-1)])
	}
	done()
}
