//go:build unix

package geoip_test

import (
	"github.com/borderwatch/borderwatch/enrich/internal/benchcpu"
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/borderwatch/borderwatch/enrich/geoip"
	"github.com/borderwatch/borderwatch/enrich/geoip/geoiptest"
	"github.com/borderwatch/borderwatch/enrich/netdir"
)

// publicAddrs returns n deterministic pseudo-random public IPv4 addresses (15 % IPv6).
func publicAddrs(n int) []netip.Addr {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]netip.Addr, 0, n)
	for len(out) < n {
		var a netip.Addr
		if r.IntN(100) < 15 {
			var b [16]byte
			b[0], b[1] = 0x20|byte(r.IntN(16)), byte(r.IntN(256)) // 2000::/4-ish
			for i := 2; i < 16; i++ {
				b[i] = byte(r.IntN(256))
			}
			a = netip.AddrFrom16(b)
		} else {
			a = netip.AddrFrom4([4]byte{byte(r.IntN(224)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))})
		}
		if netdir.IsPublic(a) {
			out = append(out, a)
		}
	}
	return out
}

var geoLite2 struct {
	once sync.Once
	db   *geoip.DB
	err  error
}

// openGeoLite2 opens the databases once for all benchmarks, so that reading 75 MB is not
// repeated for every b.N round.
func openGeoLite2(b *testing.B) (*geoip.DB, string) {
	dir := geoiptest.RequireGeoLite2(b)
	geoLite2.once.Do(func() {
		geoLite2.db, geoLite2.err = geoip.Open(geoip.Config{City: filepath.Join(dir, "GeoLite2-City.mmdb"),
			ASN: filepath.Join(dir, "GeoLite2-ASN.mmdb"), CountryOnlyRadius: 500}, nil)
		runtime.GC()
	})
	if geoLite2.err != nil {
		b.Fatal(geoLite2.err)
	}
	return geoLite2.db, dir
}

// BenchmarkLookupGeoLite2 is one uncached City + ASN lookup (tree walks and decoding of the
// used fields) on the real GeoLite2 files. Spread: 64 k random addresses over the whole
// space, so most tree nodes are cache misses (the worst case); Hot: a working set of 1 k
// addresses, as real traffic repeats networks. Target: ≤ 1.5 µs.
func BenchmarkLookupGeoLite2(b *testing.B) {
	for _, bc := range []struct {
		name string
		n    int
	}{{"Spread64k", 1 << 16}, {"Hot1k", 1 << 10}} {
		b.Run(bc.name, func(b *testing.B) {
			db, _ := openGeoLite2(b)
			addrs := publicAddrs(bc.n)
			b.ReportAllocs()
			done := benchcpu.Start(b)
			found := 0
			for i := 0; i < b.N; i++ {
				rec, _ := db.Lookup(addrs[i&(len(addrs)-1)])
				if rec.Geo != nil {
					found++
				}
			}
			done()
			if b.N > 1000 && found == 0 {
				b.Fatal("nothing found")
			}
		})
	}
}

// BenchmarkTreeOnlyGeoLite2 is the floor for BenchmarkLookupGeoLite2: the two tree walks
// (City and ASN) with maxminddb-golang and nothing decoded, on the same addresses.
func BenchmarkTreeOnlyGeoLite2(b *testing.B) {
	for _, bc := range []struct {
		name string
		n    int
	}{{"Spread64k", 1 << 16}, {"Hot1k", 1 << 10}} {
		b.Run(bc.name, func(b *testing.B) {
			_, dir := openGeoLite2(b)
			city, err := maxminddb.Open(filepath.Join(dir, "GeoLite2-City.mmdb"))
			if err != nil {
				b.Fatal(err)
			}
			defer city.Close()
			asn, err := maxminddb.Open(filepath.Join(dir, "GeoLite2-ASN.mmdb"))
			if err != nil {
				b.Fatal(err)
			}
			defer asn.Close()
			addrs := publicAddrs(bc.n)
			done := benchcpu.Start(b)
			found := 0
			for i := 0; i < b.N; i++ {
				a := addrs[i&(len(addrs)-1)]
				if city.Lookup(a).Found() && asn.Lookup(a).Found() {
					found++
				}
			}
			done()
			if b.N > 1000 && found == 0 {
				b.Fatal("nothing found")
			}
		})
	}
}
