package decode_test

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/borderwatch/borderwatch/capture/decode"
	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// frame builds one TCP SYN from c to s framed by wrap.
func frame(t testing.TB, c, s string, wrap synth.Wrap) []byte {
	t.Helper()
	g := synth.New(time.Millisecond)
	g.TCP(ap(c), ap(s), wrap).Client([]byte("hello"))
	return g.Packets[0].Data
}

func TestDecodeFraming(t *testing.T) {
	tests := []struct {
		name     string
		wrap     synth.Wrap
		c, s     string
		vlans    []uint16
		tunnel   decode.TunnelType
		vni      uint32
		outerSrc string
	}{
		{"ethernet", nil, "10.0.0.1:1000", "10.0.0.2:443", nil, decode.TunnelNone, 0, ""},
		{"ipv6", nil, "[2001:db8::1]:1000", "[2001:db8::2]:443", nil, decode.TunnelNone, 0, ""},
		{"vlan", synth.VLAN(false, 42), "10.0.0.1:1000", "10.0.0.2:443", []uint16{42}, decode.TunnelNone, 0, ""},
		{"qinq", synth.VLAN(false, 100, 200), "10.0.0.1:1000", "10.0.0.2:443", []uint16{100, 200}, decode.TunnelNone, 0, ""},
		{"vlan ipv6", synth.VLAN(true, 7), "[2001:db8::1]:1000", "[2001:db8::2]:443", []uint16{7}, decode.TunnelNone, 0, ""},
		{"mpls", synth.MPLS(16), "10.0.0.1:1000", "10.0.0.2:443", nil, decode.TunnelNone, 0, ""},
		{"pppoe", synth.PPPoE(), "10.0.0.1:1000", "10.0.0.2:443", nil, decode.TunnelNone, 0, ""},
		{"gre", synth.GRE(false), "10.0.0.1:1000", "10.0.0.2:443", nil, decode.TunnelGRE, 0, "172.16.0.1"},
		{"gre ipv6", synth.GRE(true), "[2001:db8::1]:1000", "[2001:db8::2]:443", nil, decode.TunnelGRE, 0, "172.16.0.1"},
		{"erspan ii", synth.ERSPAN2(false, 9), "10.0.0.1:1000", "10.0.0.2:443", nil, decode.TunnelERSPAN, 9, "172.16.0.1"},
		{"vxlan", synth.VXLAN(false, 5001), "10.0.0.1:1000", "10.0.0.2:443", nil, decode.TunnelVXLAN, 5001, "172.16.0.1"},
		{"geneve", synth.Geneve(false, 77), "10.0.0.1:1000", "10.0.0.2:443", nil, decode.TunnelGeneve, 77, "172.16.0.1"},
		{"ipip", synth.IPinIP(false), "10.0.0.1:1000", "10.0.0.2:443", nil, decode.TunnelIPIP, 0, "172.16.0.1"},
		{"6in4", synth.IPinIP(true), "[2001:db8::1]:1000", "[2001:db8::2]:443", nil, decode.Tunnel6in4, 0, "172.16.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := frame(t, tt.c, tt.s, tt.wrap)
			d := decode.New(decode.Config{})
			p, st := d.Decode(decode.LinkEthernet, data, synth.Base, len(data))
			if st != decode.OK {
				t.Fatalf("status %v", st)
			}
			c, s := ap(tt.c), ap(tt.s)
			if p.Src != c.Addr() || p.Dst != s.Addr() || p.SrcPort != c.Port() || p.DstPort != s.Port() || p.Proto != decode.ProtoTCP {
				t.Fatalf("got %s:%d -> %s:%d proto %d", p.Src, p.SrcPort, p.Dst, p.DstPort, p.Proto)
			}
			if string(p.Payload) != "hello" || p.PayloadLen != 5 {
				t.Fatalf("payload %q (%d)", p.Payload, p.PayloadLen)
			}
			if got := p.VLANs[:p.NumVLANs]; len(got) != len(tt.vlans) || (len(got) > 0 && got[0] != tt.vlans[0]) {
				t.Fatalf("vlans %v, want %v", got, tt.vlans)
			}
			if p.Tunnel.Type != tt.tunnel || p.Tunnel.VNI != tt.vni {
				t.Fatalf("tunnel %v vni %d, want %v %d", p.Tunnel.Type, p.Tunnel.VNI, tt.tunnel, tt.vni)
			}
			if tt.outerSrc != "" && p.Tunnel.Src != netip.MustParseAddr(tt.outerSrc) {
				t.Fatalf("outer source %s", p.Tunnel.Src)
			}
			hdr := 20
			if c.Addr().Is6() {
				hdr = 40
			}
			if p.IPLen != hdr+20+5 {
				t.Fatalf("ip length %d, want %d", p.IPLen, hdr+25)
			}
		})
	}
}

func TestDecodeBadInput(t *testing.T) {
	good := frame(t, "10.0.0.1:1000", "10.0.0.2:443", nil)
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	tests := []struct {
		name string
		link decode.LinkType
		data []byte
		want decode.Status
	}{
		{"empty", decode.LinkEthernet, nil, decode.Truncated},
		{"cut in ethernet", decode.LinkEthernet, good[:10], decode.Truncated},
		{"cut in ip", decode.LinkEthernet, good[:20], decode.Truncated},
		{"cut in tcp", decode.LinkEthernet, good[:14+20+10], decode.Truncated},
		{"arp", decode.LinkEthernet, mut(func(b []byte) []byte { b[12], b[13] = 0x08, 0x06; return b }), decode.NotIP},
		{"bad ip version", decode.LinkEthernet, mut(func(b []byte) []byte { b[14] = 0x55; return b }), decode.Malformed},
		{"ihl too small", decode.LinkEthernet, mut(func(b []byte) []byte { b[14] = 0x42; return b }), decode.Malformed},
		{"tcp offset too small", decode.LinkEthernet, mut(func(b []byte) []byte { b[14+20+12] = 0x10; return b }), decode.Malformed},
		{"unknown link", decode.LinkType(147), good, decode.Unsupported},
		{"raw with ethernet bytes", decode.LinkRaw, good, decode.Malformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decode.New(decode.Config{})
			if _, st := d.Decode(tt.link, tt.data, synth.Base, len(tt.data)); st != tt.want {
				t.Fatalf("status %v, want %v", st, tt.want)
			}
		})
	}
}

func TestSnapCut(t *testing.T) {
	good := frame(t, "10.0.0.1:1000", "10.0.0.2:443", nil)
	d := decode.New(decode.Config{})
	p, st := d.Decode(decode.LinkEthernet, good[:14+20+20+2], synth.Base, len(good))
	if st != decode.OK || !p.Truncated || p.PayloadLen != 5 || len(p.Payload) != 2 || p.IPLen != 45 {
		t.Fatalf("status %v truncated %v payload %d/%d iplen %d", st, p.Truncated, len(p.Payload), p.PayloadLen, p.IPLen)
	}
	if d.Stats.SnapCut != 1 {
		t.Fatalf("snap cut count %d", d.Stats.SnapCut)
	}
}

func fragments(t testing.TB, reverse bool, size, fragSize int) [][]byte {
	g := synth.New(time.Millisecond)
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(i)
	}
	g.FragmentedUDP(ap("10.0.0.1:5000"), ap("10.0.0.2:6000"), payload, fragSize, reverse)
	var out [][]byte
	for _, p := range g.Packets {
		out = append(out, p.Data)
	}
	return out
}

func TestDefrag(t *testing.T) {
	for _, reverse := range []bool{false, true} {
		frs := fragments(t, reverse, 4000, 1480)
		d := decode.New(decode.Config{})
		var got *decode.Packet
		for i, f := range frs {
			p, st := d.Decode(decode.LinkEthernet, f, synth.Base, len(f))
			if i < len(frs)-1 && st != decode.Fragment {
				t.Fatalf("fragment %d: status %v", i, st)
			}
			if i == len(frs)-1 {
				if st != decode.OK {
					t.Fatalf("last fragment: status %v", st)
				}
				got = p
			}
		}
		if got.SrcPort != 5000 || got.DstPort != 6000 || got.PayloadLen != 4000 || got.IPLen != 20+8+4000 || !got.Reassembled {
			t.Fatalf("reverse=%v: %+v", reverse, got)
		}
		for i, b := range got.Payload {
			if b != byte(i) {
				t.Fatalf("payload byte %d = %d", i, b)
			}
		}
		if d.Pending() != 0 || d.Stats.Reassembled != 1 {
			t.Fatalf("pending %d reassembled %d", d.Pending(), d.Stats.Reassembled)
		}
	}
}

func TestDefragBounds(t *testing.T) {
	d := decode.New(decode.Config{MaxFragDatagrams: 2, FragTimeout: time.Second})
	// three datagrams' first fragments: the oldest is evicted
	for i := 0; i < 3; i++ {
		f := fragments(t, false, 3000, 1480)[0]
		f[14+4], f[14+5] = 0, byte(i) // distinct IP ids
		f[14+10], f[14+11] = 0, 0
		if _, st := d.Decode(decode.LinkEthernet, f, synth.Base, len(f)); st != decode.Fragment {
			t.Fatalf("status %v", st)
		}
	}
	if d.Pending() != 2 || d.Stats.FragEvicted != 1 {
		t.Fatalf("pending %d evicted %d", d.Pending(), d.Stats.FragEvicted)
	}
	// a fragment arriving after the timeout expires the rest
	f := fragments(t, false, 3000, 1480)[1]
	f[14+5] = 9
	d.Decode(decode.LinkEthernet, f, synth.Base.Add(2*time.Second), len(f))
	if d.Stats.FragExpired != 2 || d.Pending() != 1 {
		t.Fatalf("expired %d pending %d", d.Stats.FragExpired, d.Pending())
	}
}

func TestLinkTypes(t *testing.T) {
	for _, p := range synth.Cooked() {
		d := decode.New(decode.Config{})
		pkt, st := d.Decode(decode.LinkType(p.Link), p.Data, p.Time, len(p.Data))
		if st != decode.OK || pkt.DstPort != 53 || pkt.Dst != netip.MustParseAddr("10.9.0.53") {
			t.Fatalf("link %v: status %v", p.Link, st)
		}
	}
	if err := decode.CheckLink(decode.LinkType(layers.LinkTypeIEEE802_11)); err == nil {
		t.Fatal("802.11 accepted")
	}
}

// FuzzDecode feeds arbitrary frames of every link type; the decoder must never panic and
// must account every frame in exactly one status counter.
func FuzzDecode(f *testing.F) {
	for _, p := range synth.Mixed() {
		f.Add(uint8(1), p.Data)
	}
	for _, p := range synth.Cooked() {
		f.Add(uint8(p.Link), p.Data)
	}
	links := []decode.LinkType{decode.LinkEthernet, decode.LinkRaw, decode.LinkSLL, decode.LinkSLL2, decode.LinkNull, decode.LinkIPv4, decode.LinkIPv6}
	d := decode.New(decode.Config{MaxFragDatagrams: 4})
	f.Fuzz(func(t *testing.T, lt uint8, data []byte) {
		link := decode.LinkType(lt)
		if !decode.Supported(link) {
			link = links[int(lt)%len(links)]
		}
		before := d.Stats
		p, st := d.Decode(link, data, synth.Base, len(data))
		if (p != nil) != (st == decode.OK) {
			t.Fatalf("status %v with packet %v", st, p != nil)
		}
		s := d.Stats
		counted := (s.Decoded - before.Decoded) + (s.NotIP - before.NotIP) + (s.Truncated - before.Truncated) +
			(s.Malformed - before.Malformed) + (s.Unsupported - before.Unsupported)
		if st == decode.Fragment {
			counted++
		}
		if counted != 1 {
			t.Fatalf("frame counted %d times (status %v)", counted, st)
		}
		if p != nil && len(p.Payload) > len(data) && !p.Reassembled {
			t.Fatalf("payload longer than the frame")
		}
	})
}

// BenchmarkDecode decodes the reference capture's frames (every framing and tunnel; the
// fragments are left out: reassembly allocates per datagram). The target is 0 allocs/op.
func BenchmarkDecode(b *testing.B) {
	d := decode.New(decode.Config{})
	var frames [][]byte
	for _, p := range synth.Mixed() {
		if pk, st := d.Decode(decode.LinkEthernet, p.Data, p.Time, len(p.Data)); st == decode.OK && !pk.Reassembled {
			frames = append(frames, p.Data)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := frames[i%len(frames)]
		d.Decode(decode.LinkEthernet, f, synth.Base, len(f))
	}
}

// ipv6Fragment builds an Ethernet frame with IPv6, a hop-by-hop header and a fragment header.
func ipv6Fragment(off int, more bool, data []byte) []byte {
	b := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x86, 0xdd}
	ip := make([]byte, 40)
	ip[0] = 0x60
	binary.BigEndian.PutUint16(ip[4:], uint16(16+len(data)))
	ip[6], ip[7] = 0, 64 // next header: hop-by-hop
	copy(ip[8:], netip.MustParseAddr("2001:db8::1").AsSlice())
	copy(ip[24:], netip.MustParseAddr("2001:db8::2").AsSlice())
	b = append(b, ip...)
	b = append(b, 44, 0, 1, 4, 0, 0, 0, 0) // hop-by-hop: next fragment, PadN
	fo := uint16(off/8) << 3
	if more {
		fo |= 1
	}
	b = append(b, 17, 0, byte(fo>>8), byte(fo), 0, 0, 0x12, 0x34)
	return append(b, data...)
}

func TestIPv6ExtensionsAndFragments(t *testing.T) {
	udp := make([]byte, 8+2000)
	binary.BigEndian.PutUint16(udp[0:], 5353)
	binary.BigEndian.PutUint16(udp[2:], 9000)
	binary.BigEndian.PutUint16(udp[4:], uint16(len(udp)))
	for i := 8; i < len(udp); i++ {
		udp[i] = byte(i)
	}
	d := decode.New(decode.Config{})
	if _, st := d.Decode(decode.LinkEthernet, ipv6Fragment(1232, false, udp[1232:]), synth.Base, 0); st != decode.Fragment {
		t.Fatalf("second fragment: %v", st)
	}
	p, st := d.Decode(decode.LinkEthernet, ipv6Fragment(0, true, udp[:1232]), synth.Base, 0)
	if st != decode.OK || p.SrcPort != 5353 || p.DstPort != 9000 || p.PayloadLen != 2000 || p.IPLen != 40+16+len(udp) || p.Proto != decode.ProtoUDP {
		t.Fatalf("status %v packet %+v", st, p)
	}
	// an atomic fragment (offset 0, no more) is decoded at once
	p, st = d.Decode(decode.LinkEthernet, ipv6Fragment(0, false, udp), synth.Base, 0)
	if st != decode.OK || p.PayloadLen != 2000 || p.Reassembled {
		t.Fatalf("atomic fragment: %v %+v", st, p)
	}
}

// greFrame wraps inner (an Ethernet frame) in Ethernet / IPv4 / GRE with the given GRE
// flags, protocol and extra header bytes (sequence number, ERSPAN header).
func greFrame(flags, proto uint16, extra, inner []byte) []byte {
	gre := binary.BigEndian.AppendUint16(nil, flags)
	gre = binary.BigEndian.AppendUint16(gre, proto)
	gre = append(gre, extra...)
	gre = append(gre, inner...)
	ip := make([]byte, 20)
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(gre)))
	ip[8], ip[9] = 64, 47
	copy(ip[12:], []byte{172, 16, 0, 1})
	copy(ip[16:], []byte{172, 16, 0, 2})
	b := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00}
	return append(append(b, ip...), gre...)
}

func TestERSPANTypes(t *testing.T) {
	inner := frame(t, "10.0.0.1:1000", "10.0.0.2:443", nil)
	e3 := []byte{0, 0, 0, 1, // GRE sequence number
		0x20, 0x00, 0x00, 0x2a, // ver 2, vlan 0, session 42
		0, 0, 0, 0, 0, 0, 0, 0} // timestamp, SGT, flags (no platform subheader)
	e3sub := append(bytes.Clone(e3[:15]), 0x01) // O flag: an 8-byte platform subheader follows
	e3sub = append(e3sub, make([]byte, 8)...)
	tests := []struct {
		name    string
		data    []byte
		session uint32
	}{
		{"type I", greFrame(0, 0x88BE, nil, inner), 0},
		{"type III", greFrame(0x1000, 0x22EB, e3, inner), 42},
		{"type III with subheader", greFrame(0x1000, 0x22EB, e3sub, inner), 42},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decode.New(decode.Config{})
			p, st := d.Decode(decode.LinkEthernet, tt.data, synth.Base, len(tt.data))
			if st != decode.OK || p.Tunnel.Type != decode.TunnelERSPAN || p.Tunnel.VNI != tt.session ||
				p.Src != netip.MustParseAddr("10.0.0.1") || p.DstPort != 443 || string(p.Payload) != "hello" {
				t.Fatalf("status %v packet %+v", st, p)
			}
		})
	}
}
