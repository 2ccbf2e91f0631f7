package flow_test

import (
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/capture/decode"
	"github.com/borderwatch/borderwatch/capture/flow"
)

func TestCommunityID(t *testing.T) {
	// vectors from the Community ID v1 specification's examples
	tests := []struct {
		src, dst     string
		sport, dport uint16
		proto        uint8
		want         string
	}{
		{"128.232.110.120", "66.35.250.204", 34855, 80, 6, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{"66.35.250.204", "128.232.110.120", 80, 34855, 6, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
	}
	for _, tt := range tests {
		got := flow.CommunityID(0, netip.MustParseAddr(tt.src), netip.MustParseAddr(tt.dst), tt.sport, tt.dport, tt.proto)
		if got != tt.want {
			t.Errorf("%s:%d -> %s:%d = %s, want %s", tt.src, tt.sport, tt.dst, tt.dport, got, tt.want)
		}
	}
	// ICMP echo request and reply hash alike; seeds differ
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	if flow.CommunityID(0, a, b, 8, 0, 1) != flow.CommunityID(0, b, a, 0, 0, 1) {
		t.Error("echo request and reply differ")
	}
	if flow.CommunityID(0, a, b, 8, 0, 1) == flow.CommunityID(1, a, b, 8, 0, 1) {
		t.Error("seed ignored")
	}
}

func pkt(src, dst string, proto uint8, flags uint8, at time.Duration, payload int) *decode.Packet {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	return &decode.Packet{Timestamp: time.Unix(1000, 0).Add(at), Src: s.Addr(), Dst: d.Addr(), SrcPort: s.Port(), DstPort: d.Port(),
		Proto: proto, TCPFlags: flags, IPLen: 40 + payload, PayloadLen: payload}
}

// snapshot keeps what the record says (the flow is reused after the callback).
type snap struct {
	reason               flow.Reason
	final                bool
	client, server       netip.AddrPort
	cPkts, sPkts, cBytes uint64
}

func run(cfg flow.Config, pkts []*decode.Packet, flush bool) ([]snap, *flow.Table) {
	var out []snap
	tab := flow.NewTable(cfg, func(r flow.Record) {
		f := r.Flow
		c, s := f.ClientSide, 1-f.ClientSide
		ca, cp := f.Client()
		sa, sp := f.Server()
		out = append(out, snap{r.Reason, r.Final, netip.AddrPortFrom(ca, cp), netip.AddrPortFrom(sa, sp), f.Packets[c], f.Packets[s], f.Bytes[c]})
	}, func(proto uint8, port uint16) bool { return port == 5938 })
	for _, p := range pkts {
		tab.Update(p)
	}
	if flush {
		tab.Flush()
	}
	return out, tab
}

func TestClientAndClose(t *testing.T) {
	const S, SA, A, F, R = decode.FlagSYN, decode.FlagSYN | decode.FlagACK, decode.FlagACK, decode.FlagFIN | decode.FlagACK, decode.FlagRST
	cfg := flow.DefaultConfig()
	tests := []struct {
		name   string
		pkts   []*decode.Packet
		client string
		reason flow.Reason
		cPkts  uint64
	}{
		{"syn sender", []*decode.Packet{pkt("10.0.0.9:40000", "10.0.0.1:80", 6, S, 0, 0), pkt("10.0.0.1:80", "10.0.0.9:40000", 6, SA, 1, 0)}, "10.0.0.9:40000", flow.ReasonEnd, 1},
		{"syn-ack first", []*decode.Packet{pkt("10.0.0.1:5555", "10.0.0.9:40000", 6, SA, 0, 0), pkt("10.0.0.9:40000", "10.0.0.1:5555", 6, A, 1, 0)}, "10.0.0.9:40000", flow.ReasonEnd, 1},
		{"well-known port", []*decode.Packet{pkt("10.0.0.1:443", "10.0.0.9:50000", 6, A, 0, 10)}, "10.0.0.9:50000", flow.ReasonEnd, 0},
		{"service port table", []*decode.Packet{pkt("10.0.0.1:5938", "10.0.0.9:50000", 17, 0, 0, 10)}, "10.0.0.9:50000", flow.ReasonEnd, 0},
		{"first sender", []*decode.Packet{pkt("10.0.0.9:50000", "10.0.0.1:40000", 17, 0, 0, 10)}, "10.0.0.9:50000", flow.ReasonEnd, 1},
		{"fin both ways then linger", []*decode.Packet{
			pkt("10.0.0.9:40000", "10.0.0.1:80", 6, S, 0, 0), pkt("10.0.0.9:40000", "10.0.0.1:80", 6, F, time.Millisecond, 0),
			pkt("10.0.0.1:80", "10.0.0.9:40000", 6, F, 2*time.Millisecond, 0),
			pkt("10.0.0.7:1", "10.0.0.8:2", 17, 0, 10*time.Second, 0)}, "10.0.0.9:40000", flow.ReasonFIN, 2},
		{"rst", []*decode.Packet{pkt("10.0.0.9:40000", "10.0.0.1:80", 6, S, 0, 0), pkt("10.0.0.1:80", "10.0.0.9:40000", 6, R, time.Millisecond, 0),
			pkt("10.0.0.7:1", "10.0.0.8:2", 17, 0, 10*time.Second, 0)}, "10.0.0.9:40000", flow.ReasonRST, 1},
		{"udp idle", []*decode.Packet{pkt("10.0.0.9:40000", "10.0.0.1:53", 17, 0, 0, 30),
			pkt("10.0.0.7:1", "10.0.0.8:2", 6, S, 61*time.Second, 0)}, "10.0.0.9:40000", flow.ReasonIdle, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := run(cfg, tt.pkts, true)
			if len(out) == 0 {
				t.Fatal("no records")
			}
			r := out[0]
			if r.client.String() != tt.client || r.reason != tt.reason || r.cPkts != tt.cPkts || !r.final {
				t.Fatalf("client %s reason %v client packets %d final %v; want %s %v %d", r.client, r.reason, r.cPkts, r.final, tt.client, tt.reason, tt.cPkts)
			}
		})
	}
}

func TestActiveTimeoutAndBound(t *testing.T) {
	cfg := flow.DefaultConfig()
	cfg.ActiveTimeout = 100 * time.Second
	var pkts []*decode.Packet
	for i := 0; i < 25; i++ { // a packet every 10 s for 240 s: interim records at 100 s and 200 s
		pkts = append(pkts, pkt("10.0.0.9:40000", "10.0.0.1:443", 6, decode.FlagACK, time.Duration(i)*10*time.Second, 100))
	}
	out, _ := run(cfg, pkts, true)
	if len(out) != 3 || out[0].final || out[1].final || !out[2].final || out[0].reason != flow.ReasonActive || out[2].cPkts != 25 {
		t.Fatalf("records %+v", out)
	}
	if out[0].cPkts != 11 || out[1].cPkts != 21 {
		t.Fatalf("interim totals %d, %d; want 11 and 21", out[0].cPkts, out[1].cPkts)
	}

	cfg = flow.DefaultConfig()
	cfg.MaxFlows = 3
	pkts = nil
	for i := 0; i < 5; i++ {
		pkts = append(pkts, pkt("10.0.0.9:4000"+string(rune('0'+i)), "10.0.0.1:443", 17, 0, time.Duration(i)*time.Millisecond, 1))
	}
	out, tab := run(cfg, pkts, false)
	if tab.Stats.Evicted != 2 || tab.Len() != 3 || len(out) != 2 || out[0].reason != flow.ReasonEviction || out[0].client.Port() != 40000 {
		t.Fatalf("evicted %d len %d records %+v", tab.Stats.Evicted, tab.Len(), out)
	}
}

// BenchmarkUpdate measures the per-packet cost on established flows (0 allocs/op).
func BenchmarkUpdate(b *testing.B) {
	tab := flow.NewTable(flow.DefaultConfig(), func(flow.Record) {}, nil)
	pkts := make([]*decode.Packet, 1024)
	for i := range pkts {
		pkts[i] = pkt("10.0.0.9:40000", "10.0.0.1:443", 6, decode.FlagACK, 0, 100)
		pkts[i].SrcPort = uint16(10000 + i)
	}
	for _, p := range pkts {
		tab.Update(p)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tab.Update(pkts[i&1023])
	}
}

// BenchmarkMillionFlows reports the heap bytes per tracked flow with 1 M concurrent flows
// (target ≤ 256). Run with -benchtime=1x.
func BenchmarkMillionFlows(b *testing.B) {
	const n = 1 << 20
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		cfg := flow.DefaultConfig()
		cfg.MaxFlows = n
		tab := flow.NewTable(cfg, func(flow.Record) {}, nil)
		p := pkt("10.0.0.9:40000", "10.0.0.1:443", 6, decode.FlagSYN, 0, 0)
		for j := 0; j < n; j++ {
			p.Src = netip.AddrFrom4([4]byte{10, byte(j >> 16), byte(j >> 8), byte(j)})
			p.SrcPort = uint16(1024 + j%60000)
			tab.Update(p)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if tab.Len() != n {
			b.Fatalf("tracked %d flows", tab.Len())
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-B/flow")
		runtime.KeepAlive(tab)
	}
}

// BenchmarkUpdateConcurrent is BenchmarkUpdate with 40 000 established flows taking turns, as
// in the capture benchmark's file: the flows and the index no longer fit in the L2 cache, so
// this measures the misses of a lookup (0 allocs/op). The batch variant works as
// capture.Processor.Packets does: Prefetch for 16 packets, then UpdateProbe for each.
func BenchmarkUpdateConcurrent(b *testing.B) {
	for _, batch := range []bool{false, true} {
		name := "one"
		if batch {
			name = "batch"
		}
		b.Run(name, func(b *testing.B) { benchConcurrent(b, batch) })
	}
}

func benchConcurrent(b *testing.B, batch bool) {
	const n, size = 40000, 16
	tab := flow.NewTable(flow.DefaultConfig(), func(flow.Record) {}, nil)
	v4, v6 := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("2001:db8::1")
	set := func(p *decode.Packet, i int) {
		p.Src, p.Dst, p.SrcPort = netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), v4, uint16(10000+i)
		if i%7 == 0 {
			p.Src, p.Dst = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(i >> 8), 15: byte(i)}), v6
		}
	}
	pkts := make([]*decode.Packet, size) // as a batch of decoded packets
	for i := range pkts {
		pkts[i] = pkt("10.0.0.9:40000", "10.0.0.1:443", 6, decode.FlagACK, 0, 100)
	}
	probes := make([]flow.Probe, size)
	for i := 0; i < n; i++ {
		set(pkts[0], i)
		tab.Update(pkts[0])
	}
	if tab.Len() != n {
		b.Fatalf("%d flows", tab.Len())
	}
	b.ReportAllocs()
	b.ResetTimer()
	j := 0
	for i := 0; i < b.N; i += size {
		for _, p := range pkts {
			set(p, j)
			if j += 7919; j >= n { // a stride through all flows
				j -= n
			}
		}
		if batch {
			tab.Prefetch(pkts, probes)
			for k, p := range pkts {
				tab.UpdateProbe(p, &probes[k])
			}
		} else {
			for _, p := range pkts {
				tab.Update(p)
			}
		}
	}
	if tab.Len() != n {
		b.Fatalf("%d flows after the run", tab.Len())
	}
}

// TestFlushEmpties checks that Flush reports every flow once, in idle order per class, and
// leaves a table that works as a new one: the same keys make new flows, counted from zero.
func TestFlushEmpties(t *testing.T) {
	var got []string
	tab := flow.NewTable(flow.DefaultConfig(), func(r flow.Record) {
		c, _ := r.Flow.Client()
		got = append(got, c.String()+"/"+r.Reason.String()+"/"+string(rune('0'+r.Flow.Packets[0]+r.Flow.Packets[1])))
	}, nil)
	const n = 5000 // several index growths and slot chunks
	for round := 0; round < 2; round++ {
		got = got[:0]
		for i := 0; i < n; i++ {
			src := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
			p := pkt(netip.AddrPortFrom(src, 40000).String(), "192.0.2.1:443", 6, decode.FlagSYN, time.Duration(i)*time.Microsecond, 0)
			if _, isNew, _ := tab.Update(p); !isNew {
				t.Fatalf("round %d flow %d: not new", round, i)
			}
			if i%2 == 0 {
				tab.Update(pkt("192.0.2.1:443", netip.AddrPortFrom(src, 40000).String(), 6, decode.FlagRST, time.Duration(i)*time.Microsecond+1, 0))
			}
		}
		if tab.Len() != n {
			t.Fatalf("round %d: %d flows", round, tab.Len())
		}
		tab.Flush()
		if tab.Len() != 0 || len(got) != n {
			t.Fatalf("round %d: %d flows left, %d records", round, tab.Len(), len(got))
		}
		// TCP flows (odd) first in idle order, then the closing ones (even, RST)
		for k, g := range got {
			i := 2*k + 1
			reason, pkts := "end", "1"
			if k >= n/2 {
				i, reason, pkts = 2*(k-n/2), "rst", "2"
			}
			want := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String() + "/" + reason + "/" + pkts
			if g != want {
				t.Fatalf("round %d record %d: %s, want %s", round, k, g, want)
			}
		}
	}
}

// TestIdleOrderIsRough checks how late a sweep may end a flow now that a flow moves to the
// back of its list only when its last packet is a sixteenth of the timeout (at most 1 s)
// later than its place: a flow behind a busy one that has not moved yet ends at most that
// much after its timeout, with the time of its last packet; one behind a flow that moved
// ends on time.
func TestIdleOrderIsRough(t *testing.T) {
	cfg := flow.DefaultConfig() // UDP 60 s: a flow moves when 1 s behind its place
	type ended struct {
		port uint16
		at   time.Time
	}
	for _, tc := range []struct {
		name     string
		busyTill time.Duration // the first flow sends every 100 ms until then
		sweep    time.Duration // when the second flow must have ended
		notYet   time.Duration // a sweep at which it must not have ended yet (0: none)
	}{
		{"busy flow has not moved", 900 * time.Millisecond, 60900 * time.Millisecond, 60600 * time.Millisecond},
		{"busy flow has moved", 5 * time.Second, 60600 * time.Millisecond, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []ended
			tab := flow.NewTable(cfg, func(r flow.Record) {
				_, p := r.Flow.Client()
				got = append(got, ended{p, r.Time})
			}, nil)
			busy := func(at time.Duration) *decode.Packet {
				return pkt("10.0.0.1:40001", "192.0.2.1:5000", 17, 0, at, 10)
			}
			tab.Update(busy(0))
			for at := 100 * time.Millisecond; at <= tc.busyTill; at += 100 * time.Millisecond {
				if at == 500*time.Millisecond {
					tab.Update(pkt("10.0.0.1:40002", "192.0.2.1:5000", 17, 0, at, 10))
				}
				tab.Update(busy(at))
			}
			start := time.Unix(1000, 0)
			if tc.notYet > 0 {
				tab.Sweep(start.Add(tc.notYet))
				if len(got) != 0 {
					t.Fatalf("at %v: %+v ended, behind a flow still in time", tc.notYet, got)
				}
			}
			tab.Sweep(start.Add(tc.sweep))
			var quiet *ended
			for i := range got {
				if got[i].port == 40002 {
					quiet = &got[i]
				}
			}
			if quiet == nil {
				t.Fatalf("at %v the quiet flow has not ended: %+v", tc.sweep, got)
			}
			if want := start.Add(500 * time.Millisecond); !quiet.at.Equal(want) {
				t.Errorf("record time %v, want its last packet's %v", quiet.at, want)
			}
		})
	}
}
