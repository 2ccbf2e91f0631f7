// Package synth generates packet captures with known contents for tests, the tshark
// cross-check and benchmarks: TCP sessions with TLS (ClientHello split across segments,
// ServerHello, certificates), QUIC v1 Initials, DNS, HTTP, SSH, RDP, VNC, VPN handshakes,
// VLAN/QinQ/MPLS/PPPoE framing, tunnels and fragments. Output is deterministic.
package synth

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Packet is one generated frame.
type Packet struct {
	Time time.Time
	Data []byte
	Link layers.LinkType
}

// Wrap prepends link and tunnel layers to an IP packet's layers.
type Wrap func(ip []gopacket.SerializableLayer) []gopacket.SerializableLayer

var (
	macC = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x01}
	macS = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x02}
)

func ethType(v6 bool) layers.EthernetType {
	if v6 {
		return layers.EthernetTypeIPv6
	}
	return layers.EthernetTypeIPv4
}

// Ether frames IP in Ethernet.
func Ether(v6 bool) Wrap {
	return func(ip []gopacket.SerializableLayer) []gopacket.SerializableLayer {
		return append([]gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: macC, DstMAC: macS, EthernetType: ethType(v6)}}, ip...)
	}
}

// VLAN frames IP in Ethernet with 802.1Q tags (several tags: QinQ, outer 802.1ad).
func VLAN(v6 bool, ids ...uint16) Wrap {
	return func(ip []gopacket.SerializableLayer) []gopacket.SerializableLayer {
		out := []gopacket.SerializableLayer{}
		first := layers.EthernetTypeDot1Q
		if len(ids) > 1 {
			first = layers.EthernetTypeQinQ
		}
		out = append(out, &layers.Ethernet{SrcMAC: macC, DstMAC: macS, EthernetType: first})
		for i, id := range ids {
			next := layers.EthernetTypeDot1Q
			if i == len(ids)-1 {
				next = ethType(v6)
			}
			out = append(out, &layers.Dot1Q{VLANIdentifier: id, Type: next})
		}
		return append(out, ip...)
	}
}

// MPLS frames IP in Ethernet with an MPLS label.
func MPLS(label uint32) Wrap {
	return func(ip []gopacket.SerializableLayer) []gopacket.SerializableLayer {
		return append([]gopacket.SerializableLayer{
			&layers.Ethernet{SrcMAC: macC, DstMAC: macS, EthernetType: layers.EthernetTypeMPLSUnicast},
			&layers.MPLS{Label: label, StackBottom: true, TTL: 64},
		}, ip...)
	}
}

// PPPoE frames IPv4 in a PPPoE session.
func PPPoE() Wrap {
	return func(ip []gopacket.SerializableLayer) []gopacket.SerializableLayer {
		return append([]gopacket.SerializableLayer{
			&layers.Ethernet{SrcMAC: macC, DstMAC: macS, EthernetType: layers.EthernetTypePPPoESession},
			&layers.PPPoE{Version: 1, Type: 1, Code: layers.PPPoECodeSession, SessionId: 0x11},
			&layers.PPP{PPPType: layers.PPPTypeIPv4},
		}, ip...)
	}
}

// Outer addresses of generated tunnels.
var (
	TunnelSrc = netip.MustParseAddr("172.16.0.1")
	TunnelDst = netip.MustParseAddr("172.16.0.2")
)

func outerIPv4(proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: TunnelSrc.AsSlice(), DstIP: TunnelDst.AsSlice(), Id: 7}
}

// GRE carries the IP packet in GRE over IPv4 in Ethernet.
func GRE(v6 bool) Wrap {
	return func(ip []gopacket.SerializableLayer) []gopacket.SerializableLayer {
		return append([]gopacket.SerializableLayer{
			&layers.Ethernet{SrcMAC: macC, DstMAC: macS, EthernetType: layers.EthernetTypeIPv4},
			outerIPv4(layers.IPProtocolGRE),
			&layers.GRE{Protocol: ethType(v6)},
		}, ip...)
	}
}

// ERSPAN2 carries an Ethernet frame in ERSPAN type II (GRE with sequence numbers).
func ERSPAN2(v6 bool, session uint16) Wrap {
	return func(ip []gopacket.SerializableLayer) []gopacket.SerializableLayer {
		return append([]gopacket.SerializableLayer{
			&layers.Ethernet{SrcMAC: macC, DstMAC: macS, EthernetType: layers.EthernetTypeIPv4},
			outerIPv4(layers.IPProtocolGRE),
			&layers.GRE{Protocol: layers.EthernetTypeERSPAN, SeqPresent: true, Seq: 1},
			&layers.ERSPANII{Version: 1, SessionID: session},
			&layers.Ethernet{SrcMAC: macC, DstMAC: macS, EthernetType: ethType(v6)},
		}, ip...)
	}
}

// VXLAN carries an Ethernet frame in VXLAN over UDP/IPv4.
func VXLAN(v6 bool, vni uint32) Wrap {
	return func(ip []gopacket.SerializableLayer) []gopacket.SerializableLayer {
		o := outerIPv4(layers.IPProtocolUDP)
		u := &layers.UDP{SrcPort: 40000, DstPort: 4789}
		u.SetNetworkLayerForChecksum(o)
		return append([]gopacket.SerializableLayer{
			&layers.Ethernet{SrcMAC: macC, DstMAC: macS, EthernetType: layers.EthernetTypeIPv4},
			o, u, &layers.VXLAN{ValidIDFlag: true, VNI: vni},
			&layers.Ethernet{SrcMAC: macC, DstMAC: macS, EthernetType: ethType(v6)},
		}, ip...)
	}
}

// Geneve carries an Ethernet frame in Geneve over UDP/IPv4.
func Geneve(v6 bool, vni uint32) Wrap {
	return func(ip []gopacket.SerializableLayer) []gopacket.SerializableLayer {
		o := outerIPv4(layers.IPProtocolUDP)
		u := &layers.UDP{SrcPort: 40001, DstPort: 6081}
		u.SetNetworkLayerForChecksum(o)
		return append([]gopacket.SerializableLayer{
			&layers.Ethernet{SrcMAC: macC, DstMAC: macS, EthernetType: layers.EthernetTypeIPv4},
			o, u, &layers.Geneve{Protocol: layers.EthernetTypeTransparentEthernetBridging, VNI: vni},
			&layers.Ethernet{SrcMAC: macC, DstMAC: macS, EthernetType: ethType(v6)},
		}, ip...)
	}
}

// IPinIP carries the packet in IPv4 (protocol 4 for IPv4, 41 for IPv6: 6in4).
func IPinIP(v6 bool) Wrap {
	return func(ip []gopacket.SerializableLayer) []gopacket.SerializableLayer {
		proto := layers.IPProtocolIPv4
		if v6 {
			proto = layers.IPProtocolIPv6
		}
		return append([]gopacket.SerializableLayer{
			&layers.Ethernet{SrcMAC: macC, DstMAC: macS, EthernetType: layers.EthernetTypeIPv4},
			outerIPv4(proto),
		}, ip...)
	}
}

// Gen accumulates packets. The zero value is not usable: call New.
type Gen struct {
	Packets []Packet
	now     time.Time
	step    time.Duration
}

// Base is the time of the first generated packet.
var Base = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

// New returns a generator whose clock starts at Base and advances by step per packet.
func New(step time.Duration) *Gen { return &Gen{now: Base, step: step} }

// Now returns the generator's clock.
func (g *Gen) Now() time.Time { return g.now }

// Advance moves the clock forward.
func (g *Gen) Advance(d time.Duration) { g.now = g.now.Add(d) }

// SetTime moves the clock.
func (g *Gen) SetTime(t time.Time) { g.now = t }

func (g *Gen) emit(ls []gopacket.SerializableLayer) {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		panic(fmt.Sprintf("synth: serialize: %v", err)) // a generator bug, not input
	}
	g.Packets = append(g.Packets, Packet{Time: g.now, Data: append([]byte(nil), buf.Bytes()...), Link: layers.LinkTypeEthernet})
	g.now = g.now.Add(g.step)
}

// Raw appends a frame as given.
func (g *Gen) Raw(link layers.LinkType, data []byte) {
	g.Packets = append(g.Packets, Packet{Time: g.now, Data: data, Link: link})
	g.now = g.now.Add(g.step)
}

// ipLayer returns the network layer for src→dst.
func ipLayer(src, dst netip.Addr, proto layers.IPProtocol, id uint16) gopacket.SerializableLayer {
	if src.Is4() {
		return &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice(), Id: id, Flags: layers.IPv4DontFragment}
	}
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
}

// TCPConn is one generated TCP connection.
type TCPConn struct {
	g          *Gen
	wrap       Wrap
	C, S       netip.AddrPort
	cseq, sseq uint32
	MSS        int
	id         uint16
}

// TCP starts a connection from c to s framed by wrap (Ether when nil).
func (g *Gen) TCP(c, s netip.AddrPort, wrap Wrap) *TCPConn {
	if wrap == nil {
		wrap = Ether(c.Addr().Is6())
	}
	return &TCPConn{g: g, wrap: wrap, C: c, S: s, cseq: 1000, sseq: 5000, MSS: 1400, id: 100}
}

func (t *TCPConn) send(fromClient bool, flags string, payload []byte) {
	src, dst := t.C, t.S
	seq, ack := t.cseq, t.sseq
	if !fromClient {
		src, dst = t.S, t.C
		seq, ack = t.sseq, t.cseq
	}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack, Window: 64240}
	for _, f := range flags {
		switch f {
		case 'S':
			tcp.SYN = true
		case 'A':
			tcp.ACK = true
		case 'F':
			tcp.FIN = true
		case 'R':
			tcp.RST = true
		case 'P':
			tcp.PSH = true
		}
	}
	if !tcp.SYN {
		tcp.ACK = true
	}
	t.id++
	ip := ipLayer(src.Addr(), dst.Addr(), layers.IPProtocolTCP, t.id)
	tcp.SetNetworkLayerForChecksum(ip.(gopacket.NetworkLayer))
	ls := []gopacket.SerializableLayer{ip, tcp}
	if len(payload) > 0 {
		ls = append(ls, gopacket.Payload(payload))
	}
	t.g.emit(t.wrap(ls))
	n := uint32(len(payload))
	if tcp.SYN || tcp.FIN {
		n++
	}
	if fromClient {
		t.cseq += n
	} else {
		t.sseq += n
	}
}

// Handshake sends SYN, SYN-ACK, ACK.
func (t *TCPConn) Handshake() *TCPConn {
	t.send(true, "S", nil)
	t.send(false, "SA", nil)
	t.send(true, "A", nil)
	return t
}

// Client sends data from the client in MSS-sized segments.
func (t *TCPConn) Client(data []byte) *TCPConn { t.data(true, data); return t }

// Server sends data from the server in MSS-sized segments.
func (t *TCPConn) Server(data []byte) *TCPConn { t.data(false, data); return t }

func (t *TCPConn) data(fromClient bool, data []byte) {
	for len(data) > 0 {
		n := min(len(data), t.MSS)
		t.send(fromClient, "PA", data[:n])
		data = data[n:]
	}
}

// Close sends FIN from the client, FIN from the server and the last ACK.
func (t *TCPConn) Close() {
	t.send(true, "FA", nil)
	t.send(false, "FA", nil)
	t.send(true, "A", nil)
}

// Reset sends RST from the server.
func (t *TCPConn) Reset() { t.send(false, "R", nil) }

// UDP sends one datagram from src to dst.
func (g *Gen) UDP(src, dst netip.AddrPort, payload []byte, wrap Wrap) {
	if wrap == nil {
		wrap = Ether(src.Addr().Is6())
	}
	ip := ipLayer(src.Addr(), dst.Addr(), layers.IPProtocolUDP, 200)
	u := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	u.SetNetworkLayerForChecksum(ip.(gopacket.NetworkLayer))
	g.emit(wrap([]gopacket.SerializableLayer{ip, u, gopacket.Payload(payload)}))
}

// ICMPEcho sends an echo request from src and the reply from dst.
func (g *Gen) ICMPEcho(src, dst netip.Addr, seq uint16) {
	for i, pair := range [][2]netip.Addr{{src, dst}, {dst, src}} {
		typ := layers.ICMPv4TypeEchoRequest
		if i == 1 {
			typ = layers.ICMPv4TypeEchoReply
		}
		ip := ipLayer(pair[0], pair[1], layers.IPProtocolICMPv4, 300)
		g.emit(Ether(false)([]gopacket.SerializableLayer{ip,
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(uint8(typ), 0), Id: 1, Seq: seq},
			gopacket.Payload([]byte("borderwatch-ping-payload"))}))
	}
}

// FragmentedUDP sends a UDP datagram split into IPv4 fragments of fragSize payload bytes,
// last fragment first when reverse is set.
func (g *Gen) FragmentedUDP(src, dst netip.AddrPort, payload []byte, fragSize int, reverse bool) {
	udp := make([]byte, 8+len(payload))
	binary.BigEndian.PutUint16(udp[0:], src.Port())
	binary.BigEndian.PutUint16(udp[2:], dst.Port())
	binary.BigEndian.PutUint16(udp[4:], uint16(len(udp)))
	copy(udp[8:], payload)
	// checksum left 0 (allowed for IPv4)
	var frames [][]gopacket.SerializableLayer
	for off := 0; off < len(udp); off += fragSize {
		end := min(off+fragSize, len(udp))
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: src.Addr().AsSlice(),
			DstIP: dst.Addr().AsSlice(), Id: 4242, FragOffset: uint16(off / 8)}
		if end < len(udp) {
			ip.Flags = layers.IPv4MoreFragments
		}
		frames = append(frames, []gopacket.SerializableLayer{ip, gopacket.Payload(udp[off:end])})
	}
	if reverse {
		for i, j := 0, len(frames)-1; i < j; i, j = i+1, j-1 {
			frames[i], frames[j] = frames[j], frames[i]
		}
	}
	for _, f := range frames {
		g.emit(Ether(false)(f))
	}
}

// WritePcap writes packets as a pcap file (all must share one link type).
func WritePcap(w io.Writer, pkts []Packet, nanos bool) error {
	var pw *pcapgo.Writer
	if nanos {
		pw = pcapgo.NewWriterNanos(w)
	} else {
		pw = pcapgo.NewWriter(w)
	}
	link := layers.LinkTypeEthernet
	if len(pkts) > 0 {
		link = pkts[0].Link
	}
	if err := pw.WriteFileHeader(262144, link); err != nil {
		return err
	}
	for _, p := range pkts {
		if p.Link != link {
			return fmt.Errorf("synth: pcap holds one link type; got %v and %v", link, p.Link)
		}
		ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Data), Length: len(p.Data)}
		if err := pw.WritePacket(ci, p.Data); err != nil {
			return err
		}
	}
	return nil
}

// WritePcapNG writes packets as pcapng with one interface per link type (in order of first use).
func WritePcapNG(w io.Writer, pkts []Packet) error {
	first := layers.LinkTypeEthernet
	if len(pkts) > 0 {
		first = pkts[0].Link
	}
	nw, err := pcapgo.NewNgWriterInterface(w, pcapgo.NgInterface{Name: "if0", LinkType: first, SnapLength: 262144, TimestampResolution: 9}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		return err
	}
	ids := map[layers.LinkType]int{first: 0}
	for _, p := range pkts {
		id, ok := ids[p.Link]
		if !ok {
			id, err = nw.AddInterface(pcapgo.NgInterface{Name: fmt.Sprintf("if%d", len(ids)), LinkType: p.Link, SnapLength: 262144, TimestampResolution: 9})
			if err != nil {
				return err
			}
			ids[p.Link] = id
		}
		ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Data), Length: len(p.Data), InterfaceIndex: id}
		if err := nw.WritePacket(ci, p.Data); err != nil {
			return err
		}
	}
	return nw.Flush()
}

// Alternate deals pkts into two captures, as two interfaces might see them: the even and the
// odd packets.
func Alternate(pkts []Packet) (even, odd []Packet) {
	for i, p := range pkts {
		if i%2 == 0 {
			even = append(even, p)
		} else {
			odd = append(odd, p)
		}
	}
	return even, odd
}

// Shifted returns a copy of pkts d later.
func Shifted(pkts []Packet, d time.Duration) []Packet {
	out := make([]Packet, len(pkts))
	for i, p := range pkts {
		p.Time = p.Time.Add(d)
		out[i] = p
	}
	return out
}
