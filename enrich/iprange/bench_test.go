//go:build unix

package iprange

import (
	"github.com/borderwatch/borderwatch/enrich/internal/benchcpu"
	"github.com/gaissmai/bart"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
)

// syntheticPrefixes returns n4 IPv4 and n6 IPv6 deterministic prefixes with a length mix like
// a datacenter list (mostly /16-/24 for IPv4, /29-/48 for IPv6).
func syntheticPrefixes(n4, n6 int) []netip.Prefix {
	r := rand.New(rand.NewPCG(3, 4))
	out := make([]netip.Prefix, 0, n4+n6)
	for range n4 {
		a := netip.AddrFrom4([4]byte{byte(1 + r.IntN(222)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))})
		out = append(out, netip.PrefixFrom(a, 16+r.IntN(9)).Masked())
	}
	for range n6 {
		var b [16]byte
		b[0], b[1] = 0x2a, byte(r.IntN(256))
		for i := 2; i < 8; i++ {
			b[i] = byte(r.IntN(256))
		}
		out = append(out, netip.PrefixFrom(netip.AddrFrom16(b), 29+r.IntN(20)).Masked())
	}
	return out
}

// BenchmarkTableLookup50k: one lookup in a table of 50 k prefixes spread over three lists,
// half of the probes hitting (target ≤ 100 ns), the answer's lists looked at as a caller does.
func BenchmarkTableLookup50k(b *testing.B) {
	pfx := syntheticPrefixes(42000, 8000)
	lists := []ListConfig{{Name: "dc", Category: "hosting"}, {Name: "vpn", Category: "vpn"}, {Name: "tor", Category: "tor"}}
	parsed := []*Parsed{{Prefixes: pfx[:30000]}, {Prefixes: pfx[30000:45000]}, {Prefixes: pfx[45000:]}}
	tb := Build(lists, parsed)
	probes := probeAddrs(pfx)
	b.ReportAllocs()
	runtime.GC() // collect the setup's garbage now, not on the lookups' CPU time
	done := benchcpu.Start(b)
	hits := 0
	for i := 0; i < b.N; i++ {
		if h := tb.Lookup(probes[i&(len(probes)-1)], 0); len(h.Lists) > 0 {
			hits++
		}
	}
	done()
	if b.N > 100 && hits == 0 {
		b.Fatal("no hits")
	}
}

// BenchmarkBartFloor50k is bart.Table's own Lookup on the same prefixes and probes, with
// nothing around it: the floor of a table built on bart.Table (36 bytes per prefix).
func BenchmarkBartFloor50k(b *testing.B) {
	pfx := syntheticPrefixes(42000, 8000)
	var tb bart.Table[uint32]
	for i, p := range pfx {
		tb.Insert(p, uint32(i%3))
	}
	probes := probeAddrs(pfx)
	runtime.GC() // collect the setup's garbage now, not on the lookups' CPU time
	done := benchcpu.Start(b)
	hits := 0
	for i := 0; i < b.N; i++ {
		if _, ok := tb.Lookup(probes[i&(len(probes)-1)]); ok {
			hits++
		}
	}
	done()
	if b.N > 100 && hits == 0 {
		b.Fatal("no hits")
	}
}

// BenchmarkBartFastFloor50k is the floor for BenchmarkTableLookup50k: bart.Fast's own Lookup
// (the trie the Table uses) on the same prefixes and probes, with nothing around it.
func BenchmarkBartFastFloor50k(b *testing.B) {
	pfx := syntheticPrefixes(42000, 8000)
	var tb bart.Fast[uint32]
	for i, p := range pfx {
		tb.Insert(p, uint32(i%3))
	}
	probes := probeAddrs(pfx)
	runtime.GC() // collect the setup's garbage now, not on the lookups' CPU time
	done := benchcpu.Start(b)
	hits := 0
	for i := 0; i < b.N; i++ {
		if _, ok := tb.Lookup(probes[i&(len(probes)-1)]); ok {
			hits++
		}
	}
	done()
	if b.N > 100 && hits == 0 {
		b.Fatal("no hits")
	}
}

func probeAddrs(pfx []netip.Prefix) []netip.Addr {
	r := rand.New(rand.NewPCG(5, 6))
	probes := make([]netip.Addr, 1<<14)
	for i := range probes {
		if i%2 == 0 {
			probes[i] = pfx[r.IntN(len(pfx))].Addr()
		} else {
			probes[i] = netip.AddrFrom4([4]byte{byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))})
		}
	}
	return probes
}

// BenchmarkTableMemoryX4BNetSize builds a table the size of the X4BNet datacenter list
// (≈ 42 k IPv4 + 9 k IPv6 prefixes) and reports its heap in bytes (heap-B) and per prefix.
func BenchmarkTableMemoryX4BNetSize(b *testing.B) {
	pfx := syntheticPrefixes(42000, 9000)
	lists := []ListConfig{{Name: "x4bnet_datacenter", Category: "hosting"}}
	var tb *Table
	var ms0, ms1 runtime.MemStats
	for i := 0; i < b.N; i++ {
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		tb = Build(lists, []*Parsed{{Prefixes: pfx}})
		runtime.GC()
		runtime.ReadMemStats(&ms1)
	}
	heap := float64(ms1.HeapAlloc) - float64(ms0.HeapAlloc)
	b.ReportMetric(heap, "heap-B")
	b.ReportMetric(heap/float64(tb.Size()), "B/prefix")
	runtime.KeepAlive(tb)
}

// BenchmarkBuild50k is the time to build the table from parsed lists (a reload).
func BenchmarkBuild50k(b *testing.B) {
	pfx := syntheticPrefixes(42000, 8000)
	lists := []ListConfig{{Name: "dc", Category: "hosting"}}
	b.ReportAllocs()
	done := benchcpu.Start(b)
	for i := 0; i < b.N; i++ {
		Build(lists, []*Parsed{{Prefixes: pfx}})
	}
	done()
}
