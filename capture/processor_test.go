package capture

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture/decode"
	"github.com/borderwatch/borderwatch/capture/flow"
	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

// TestEventText checks the strings an event is built with in its block, also when they do not
// fit there (IPv6 and a long passive-DNS name).
func TestEventText(t *testing.T) {
	shared, err := NewShared(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	p := NewProcessor(DefaultConfig(), shared, borderwatch.Observer{}, func(*borderwatch.Event) {}, slog.New(slog.DiscardHandler))
	for _, tc := range []struct {
		name     string
		lo, hi   string
		domain   string
		vlan     uint16
		mac      bool
		wantMAC  string
		wantVLAN string
	}{
		{name: "v4", lo: "10.0.0.1", hi: "192.0.2.7", domain: "a.example", vlan: 7, mac: true, wantMAC: "02-00-5E-10-AB-FF", wantVLAN: "7"},
		{name: "v6 short", lo: "2001:db8::1", hi: "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
		{name: "v6 long name", lo: "2001:db8:1234:5678:9abc:def0:1234:5678", hi: "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
			domain: strings.Repeat("abcdefghi.", 25) + "example", vlan: 4094, mac: true, wantMAC: "02-00-5E-10-AB-FF", wantVLAN: "4094"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi := netip.MustParseAddr(tc.lo), netip.MustParseAddr(tc.hi)
			f := &flow.Flow{First: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano()}
			f.Last = f.First + 1e9
			f.Key.V6 = lo.Is6()
			if lo.Is4() {
				a, b := lo.As4(), hi.As4()
				copy(f.Key.LoAddr[:], a[:])
				copy(f.Key.HiAddr[:], b[:])
			} else {
				f.Key.LoAddr, f.Key.HiAddr = lo.As16(), hi.As16()
			}
			f.Key.LoPort, f.Key.HiPort, f.Key.Proto = 50000, 443, 6
			f.Packets = [2]uint64{3, 4}
			f.Bytes = [2]uint64{100, 2000}
			f.Flags = [2]uint8{0x02 | 0x10, 0x12}
			e := f.ExtOrNew()
			e.PassiveDNS = tc.domain
			if tc.vlan != 0 {
				e.VLANs = []uint16{tc.vlan}
			}
			if tc.mac {
				e.ClientMAC, e.HasMAC = [6]byte{0x02, 0x00, 0x5e, 0x10, 0xab, 0xff}, true
			}
			ev := p.event(flow.Record{Flow: f, Final: true, Time: time.Unix(0, f.Last)})
			dom := ""
			if tc.domain != "" {
				dom = " (" + tc.domain + ")"
			}
			want := fmt.Sprintf("tcp session %s -> %s%s: 7 packets, 2100 bytes",
				netip.AddrPortFrom(lo, 50000), netip.AddrPortFrom(hi, 443), dom)
			if ev.Message != want {
				t.Errorf("message\n got %q\nwant %q", ev.Message, want)
			}
			if cid := flow.CommunityID(0, lo, hi, 50000, 443, 6); ev.Network.CommunityID != cid {
				t.Errorf("community id %q, want %q", ev.Network.CommunityID, cid)
			}
			if len(ev.Borderwatch.Flow.ID) != 16 || strings.Trim(ev.Borderwatch.Flow.ID, "0123456789abcdef") != "" {
				t.Errorf("flow id %q", ev.Borderwatch.Flow.ID)
			}
			if ev.Source.MAC != tc.wantMAC {
				t.Errorf("mac %q, want %q", ev.Source.MAC, tc.wantMAC)
			}
			gotVLAN := ""
			if ev.Network.VLAN != nil {
				gotVLAN = ev.Network.VLAN.ID
			}
			if gotVLAN != tc.wantVLAN {
				t.Errorf("vlan %q, want %q", gotVLAN, tc.wantVLAN)
			}
			if got := strings.Join(ev.Borderwatch.Flow.TCPFlags, ","); got != "SYN,ACK" {
				t.Errorf("tcp flags %q", got)
			}
			// a second event of another flow must leave the first one's strings alone
			msg, id, cid := strings.Clone(ev.Message), strings.Clone(ev.Borderwatch.Flow.ID), strings.Clone(ev.Network.CommunityID)
			f.Key.LoPort = 50001
			ev2 := p.event(flow.Record{Flow: f, Final: true, Time: time.Unix(0, f.Last)})
			if ev.Message != msg || ev.Borderwatch.Flow.ID != id || ev.Network.CommunityID != cid {
				t.Errorf("first event changed by the second")
			}
			if ev2.Borderwatch.Flow.ID == id || ev2.Network.CommunityID == cid {
				t.Errorf("second event has the first one's ids")
			}
		})
	}
}

func TestTCPFlagNames(t *testing.T) {
	for f := 0; f < 256; f++ {
		var want []string
		for i, n := range flagNames {
			if f&(1<<i) != 0 {
				want = append(want, n)
			}
		}
		got := tcpFlagNames(uint8(f))
		if strings.Join(got, ",") != strings.Join(want, ",") || cap(got) != len(got) {
			t.Fatalf("flags %#x: %v (cap %d), want %v", f, got, cap(got), want)
		}
	}
}

// The event block fills its allocation size class (text takes what the objects leave).
func TestEventBlockSize(t *testing.T) {
	if n := unsafe.Sizeof(eventBlock{}); n != eventClass && eventText != 160 {
		t.Fatalf("event block %d bytes, want %d", n, eventClass)
	}
	if eventText < 160 {
		t.Fatalf("event text %d bytes", eventText)
	}
}

// TestPacketsMatchPacket checks that batches (Packets, as the file source calls it) give the
// events one call per frame (Packet) gives: the mixed scenario (tunnels, VLANs, fragments out
// of order, TLS over several segments, DNS, QUIC) and two fragmented DNS queries completed
// one after the other (the decoder reassembles both into one buffer), in batches of every
// size from 1 to 40.
func TestPacketsMatchPacket(t *testing.T) {
	pkts := synth.Mixed()
	g := synth.New(time.Millisecond)
	g.SetTime(pkts[len(pkts)-1].Time.Add(time.Second))
	g.FragmentedUDP(netip.MustParseAddrPort("10.1.0.30:40000"), netip.MustParseAddrPort("192.0.2.53:53"), synth.DNSQuery(1, "alpha.example.com", false), 16, false)
	g.FragmentedUDP(netip.MustParseAddrPort("10.1.0.31:40000"), netip.MustParseAddrPort("192.0.2.53:53"), synth.DNSQuery(2, "bravo.example.com", false), 16, false)
	pkts = append(pkts, g.Packets...)
	run := func(batch int) []byte {
		var evs []*borderwatch.Event
		shared, err := NewShared(DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		proc := NewProcessor(DefaultConfig(), shared, borderwatch.Observer{Name: "s"}, func(ev *borderwatch.Event) { evs = append(evs, ev) }, slog.New(slog.DiscardHandler))
		if batch == 0 {
			for _, p := range pkts {
				proc.Packet(decode.LinkType(p.Link), p.Data, p.Time, len(p.Data))
			}
		} else {
			frames := make([]Frame, 0, batch)
			for i, p := range pkts {
				frames = append(frames, Frame{Link: decode.LinkType(p.Link), Data: p.Data, Time: p.Time, WireLen: len(p.Data)})
				if len(frames) == batch || i == len(pkts)-1 {
					proc.Packets(frames)
					frames = frames[:0]
				}
			}
		}
		proc.Flush()
		if len(evs) < 20 {
			t.Fatalf("batch %d: %d events", batch, len(evs))
		}
		return sortedJSON(t, evs)
	}
	want := run(0)
	for _, name := range []string{`"alpha.example.com"`, `"bravo.example.com"`} {
		if bytes.Count(want, []byte(name)) == 0 {
			t.Fatalf("no event names %s", name)
		}
	}
	for batch := 1; batch <= 40; batch++ {
		if got := run(batch); !bytes.Equal(got, want) {
			t.Fatalf("batches of %d: events differ from one frame at a time:\n%s\nwant\n%s", batch, got, want)
		}
	}
}
