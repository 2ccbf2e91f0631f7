package decode

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
)

// LinkType is a pcap LINKTYPE_* value: what the first header of a frame is.
type LinkType uint32

// The link types the decoder reads.
const (
	LinkNull     LinkType = 0   // BSD loopback, host byte order address family
	LinkEthernet LinkType = 1   // Ethernet II / 802.3
	LinkRaw12    LinkType = 12  // raw IP (some systems' DLT_RAW)
	LinkRaw14    LinkType = 14  // raw IP (DLT_RAW on OpenBSD)
	LinkRaw      LinkType = 101 // raw IPv4 or IPv6
	LinkLoop     LinkType = 108 // OpenBSD loopback, network byte order address family
	LinkSLL      LinkType = 113 // Linux cooked capture v1
	LinkIPv4     LinkType = 228
	LinkIPv6     LinkType = 229
	LinkSLL2     LinkType = 276 // Linux cooked capture v2
)

// Supported reports whether the decoder reads frames of link type lt.
func Supported(lt LinkType) bool {
	switch lt {
	case LinkNull, LinkEthernet, LinkRaw12, LinkRaw14, LinkRaw, LinkLoop, LinkSLL, LinkIPv4, LinkIPv6, LinkSLL2:
		return true
	}
	return false
}

// UnsupportedLinkError names a link type the decoder cannot read.
type UnsupportedLinkError struct{ Type LinkType }

func (e *UnsupportedLinkError) Error() string {
	return fmt.Sprintf("link type %d is not supported (readable: 0 null, 1 ethernet, 12/14/101 raw ip, 108 loop, 113 linux sll, 228 ipv4, 229 ipv6, 276 linux sll2)", uint32(e.Type))
}

// CheckLink returns an *UnsupportedLinkError when lt cannot be decoded.
func CheckLink(lt LinkType) error {
	if Supported(lt) {
		return nil
	}
	return &UnsupportedLinkError{Type: lt}
}

// Status says what Decode made of a frame.
type Status uint8

// Decode outcomes. Only OK returns a packet.
const (
	OK          Status = iota
	NotIP              // ARP, LLDP, STP and other frames without an IP datagram
	Fragment           // a fragment was stored; the datagram is not complete yet
	Truncated          // the frame ends inside a header (snaplen or a damaged record)
	Malformed          // a header contradicts itself (bad version, length, offset)
	Unsupported        // link type not readable
)

var statusNames = [...]string{"ok", "not_ip", "fragment", "truncated", "malformed", "unsupported"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// TunnelType names the outer encapsulation of a packet.
type TunnelType uint8

// Tunnel types.
const (
	TunnelNone TunnelType = iota
	TunnelGRE
	TunnelERSPAN
	TunnelVXLAN
	TunnelGeneve
	TunnelIPIP
	Tunnel6in4
)

var tunnelNames = [...]string{"", "gre", "erspan", "vxlan", "geneve", "ipip", "6in4"}

func (t TunnelType) String() string {
	if int(t) < len(tunnelNames) {
		return tunnelNames[t]
	}
	return "unknown"
}

// Tunnel is the outermost encapsulation of a packet seen inside a tunnel.
type Tunnel struct {
	Type     TunnelType
	Src, Dst netip.Addr // the outer IP addresses
	VNI      uint32     // VXLAN/Geneve network id, GRE key, or ERSPAN session id
}

// MaxVLANs is how many 802.1Q tags a Packet keeps (outermost first).
const MaxVLANs = 4

// maxDepth bounds nested encapsulations.
const maxDepth = 6

// IP protocol numbers used here.
const (
	ProtoICMP   = 1
	ProtoIPIP   = 4
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoIPv6   = 41
	ProtoGRE    = 47
	ProtoESP    = 50
	ProtoAH     = 51
	ProtoICMPv6 = 58
	ProtoSCTP   = 132
)

// TCP flag bits as in the TCP header.
const (
	FlagFIN = 0x01
	FlagSYN = 0x02
	FlagRST = 0x04
	FlagPSH = 0x08
	FlagACK = 0x10
	FlagURG = 0x20
	FlagECE = 0x40
	FlagCWR = 0x80
)

// Packet is what Decode learned of one frame. It is owned by the Decoder and overwritten by
// the next call; Payload aliases the frame (or the decoder's reassembly buffer) and must be
// copied by anyone who keeps it.
type Packet struct {
	Timestamp   time.Time
	WireLen     int // frame length on the wire
	IPVersion   uint8
	Proto       uint8 // IANA protocol number of the innermost transport
	Src, Dst    netip.Addr
	SrcPort     uint16 // for ICMP: type; DstPort: code
	DstPort     uint16
	TCPFlags    uint8
	TCPSeq      uint32
	IPLen       int    // bytes of the innermost IP datagram as on the wire (header included)
	PayloadLen  int    // L4 payload length according to the headers
	Payload     []byte // L4 payload as captured: may be shorter than PayloadLen
	VLANs       [MaxVLANs]uint16
	NumVLANs    int
	Tunnel      Tunnel
	Truncated   bool // the capture holds less than the headers say (snaplen)
	Reassembled bool
	SrcMAC      [6]byte
	HasMAC      bool
}

// Stats count what the decoder saw. Read them from the goroutine that decodes.
type Stats struct {
	Frames       uint64
	Decoded      uint64
	NotIP        uint64
	Truncated    uint64 // frames cut inside a header
	SnapCut      uint64 // decoded frames whose payload was cut by the snap length
	Malformed    uint64
	Unsupported  uint64
	Tunneled     uint64
	Fragments    uint64 // fragments stored
	Reassembled  uint64 // datagrams completed from fragments
	FragEvicted  uint64 // incomplete datagrams dropped for the bound
	FragExpired  uint64 // incomplete datagrams dropped for the timeout
	FragRejected uint64 // fragments refused (overlap beyond 64 KiB, too many pieces)
}

// Config bounds the decoder.
type Config struct {
	MaxFragDatagrams int           // incomplete datagrams kept at once (default 1024)
	FragTimeout      time.Duration // how long an incomplete datagram waits (default 30s)
}

// Decoder decodes frames into its Packet. The zero value is not usable: call New. A Decoder
// is not safe for concurrent use; give each capture goroutine its own.
type Decoder struct {
	pkt   *Packet // the packet being decoded
	own   Packet  // Decode's packet
	frag  *defragmenter
	Stats Stats
	depth int
}

// New returns a Decoder bounded by cfg (zero fields take their defaults).
func New(cfg Config) *Decoder {
	if cfg.MaxFragDatagrams <= 0 {
		cfg.MaxFragDatagrams = 1024
	}
	if cfg.FragTimeout <= 0 {
		cfg.FragTimeout = 30 * time.Second
	}
	return &Decoder{frag: newDefragmenter(cfg.MaxFragDatagrams, cfg.FragTimeout)}
}

// Decode decodes one frame of link type lt captured at ts with wireLen bytes on the wire.
// It returns the packet only when the status is OK; the packet is the Decoder's, valid until
// the next call. It never panics on any input.
func (d *Decoder) Decode(lt LinkType, data []byte, ts time.Time, wireLen int) (*Packet, Status) {
	return d.DecodeTo(&d.own, lt, data, ts, wireLen)
}

// DecodeTo is Decode into p, so that several decoded packets can be held at once. Their
// payloads point into their frames, except for a datagram reassembled from fragments
// (Reassembled), whose payload is valid only until the next call.
func (d *Decoder) DecodeTo(p *Packet, lt LinkType, data []byte, ts time.Time, wireLen int) (*Packet, Status) {
	d.Stats.Frames++
	d.pkt = p
	*p = Packet{Timestamp: ts, WireLen: wireLen}
	if wireLen > len(data) {
		p.Truncated = true
	}
	d.depth = 0
	var st Status
	switch lt {
	case LinkEthernet:
		st = d.ethernet(data, true)
	case LinkRaw, LinkRaw12, LinkRaw14:
		st = d.rawIP(data)
	case LinkIPv4:
		st = d.ipv4(data)
	case LinkIPv6:
		st = d.ipv6(data)
	case LinkNull, LinkLoop:
		st = d.null(data, lt == LinkLoop)
	case LinkSLL:
		if len(data) < 16 {
			st = Truncated
		} else {
			st = d.etherType(binary.BigEndian.Uint16(data[14:16]), data[16:])
		}
	case LinkSLL2:
		if len(data) < 20 {
			st = Truncated
		} else {
			st = d.etherType(binary.BigEndian.Uint16(data[0:2]), data[20:])
		}
	default:
		st = Unsupported
	}
	switch st {
	case OK:
		d.Stats.Decoded++
		if p.Truncated {
			d.Stats.SnapCut++
		}
		if p.Tunnel.Type != TunnelNone {
			d.Stats.Tunneled++
		}
		return p, OK
	case NotIP:
		d.Stats.NotIP++
	case Truncated:
		d.Stats.Truncated++
	case Malformed:
		d.Stats.Malformed++
	case Unsupported:
		d.Stats.Unsupported++
	}
	return nil, st
}

func (d *Decoder) null(data []byte, network bool) Status {
	if len(data) < 4 {
		return Truncated
	}
	af := binary.LittleEndian.Uint32(data)
	if network || af > 0xffff {
		af = binary.BigEndian.Uint32(data)
	}
	switch af {
	case 2:
		return d.ipv4(data[4:])
	case 10, 24, 28, 30:
		return d.ipv6(data[4:])
	}
	return NotIP
}

func (d *Decoder) rawIP(data []byte) Status {
	if len(data) < 1 {
		return Truncated
	}
	switch data[0] >> 4 {
	case 4:
		return d.ipv4(data)
	case 6:
		return d.ipv6(data)
	}
	return Malformed
}

func (d *Decoder) ethernet(data []byte, outer bool) Status {
	if len(data) < 14 {
		return Truncated
	}
	if outer && !d.pkt.HasMAC {
		copy(d.pkt.SrcMAC[:], data[6:12])
		d.pkt.HasMAC = true
	}
	et := binary.BigEndian.Uint16(data[12:14])
	if et < 0x0600 { // 802.3 length field: LLC, not IP
		return NotIP
	}
	return d.etherType(et, data[14:])
}

func (d *Decoder) etherType(et uint16, data []byte) Status {
	for {
		switch et {
		case 0x0800:
			return d.ipv4(data)
		case 0x86DD:
			return d.ipv6(data)
		case 0x8100, 0x88A8, 0x9100, 0x9200:
			if len(data) < 4 {
				return Truncated
			}
			p := d.pkt
			if p.NumVLANs < MaxVLANs {
				p.VLANs[p.NumVLANs] = binary.BigEndian.Uint16(data) & 0x0fff
				p.NumVLANs++
			}
			et = binary.BigEndian.Uint16(data[2:4])
			data = data[4:]
		case 0x8847, 0x8848: // MPLS unicast, multicast
			return d.mpls(data)
		case 0x8864: // PPPoE session
			if len(data) < 8 {
				return Truncated
			}
			switch binary.BigEndian.Uint16(data[6:8]) {
			case 0x0021:
				return d.ipv4(data[8:])
			case 0x0057:
				return d.ipv6(data[8:])
			}
			return NotIP
		default:
			return NotIP
		}
	}
}

func (d *Decoder) mpls(data []byte) Status {
	for i := 0; i < 16; i++ {
		if len(data) < 4 {
			return Truncated
		}
		bottom := data[2]&0x01 != 0
		data = data[4:]
		if !bottom {
			continue
		}
		if len(data) < 1 {
			return Truncated
		}
		switch data[0] >> 4 {
		case 4:
			return d.ipv4(data)
		case 6:
			return d.ipv6(data)
		case 0: // pseudowire control word, then Ethernet
			if len(data) < 4 {
				return Truncated
			}
			return d.nested(func() Status { return d.ethernet(data[4:], false) })
		}
		return NotIP
	}
	return Malformed
}

// nested runs an inner decode with the depth bound.
func (d *Decoder) nested(f func() Status) Status {
	d.depth++
	if d.depth > maxDepth {
		return Malformed
	}
	return f()
}

// setTunnel records the outermost encapsulation, whose addresses are the packet's current
// ones; the inner decode overwrites Src and Dst.
func (d *Decoder) setTunnel(t TunnelType, vni uint32) {
	p := d.pkt
	if p.Tunnel.Type == TunnelNone {
		p.Tunnel = Tunnel{Type: t, Src: p.Src, Dst: p.Dst, VNI: vni}
	}
}

func (d *Decoder) ipv4(data []byte) Status {
	if len(data) < 20 {
		return Truncated
	}
	if data[0]>>4 != 4 {
		return Malformed
	}
	ihl := int(data[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(data[2:4]))
	if ihl < 20 || total < ihl {
		return Malformed
	}
	if len(data) < ihl {
		return Truncated
	}
	p := d.pkt
	p.IPVersion = 4
	p.Src = netip.AddrFrom4([4]byte(data[12:16]))
	p.Dst = netip.AddrFrom4([4]byte(data[16:20]))
	p.IPLen = total
	proto := data[9]
	payload := data[ihl:]
	plen := total - ihl
	if len(payload) > plen {
		payload = payload[:plen] // Ethernet padding
	} else if len(payload) < plen {
		p.Truncated = true
	}
	fragField := binary.BigEndian.Uint16(data[6:8])
	if fragField&0x3fff != 0 { // MF set or offset ≠ 0
		if len(payload) < plen {
			return Truncated // cannot reassemble from a cut fragment
		}
		off := int(fragField&0x1fff) * 8
		more := fragField&0x2000 != 0
		key := fragKey{v6: false, id: uint32(binary.BigEndian.Uint16(data[4:6])), proto: proto}
		copy(key.src[:], data[12:16])
		copy(key.dst[:], data[16:20])
		full, st := d.frag.add(key, p.Timestamp, off, more, payload, &d.Stats)
		if st != OK {
			return st
		}
		p.Reassembled = true
		p.IPLen = ihl + len(full)
		return d.transport(proto, full, len(full))
	}
	return d.transport(proto, payload, plen)
}

func (d *Decoder) ipv6(data []byte) Status {
	if len(data) < 40 {
		return Truncated
	}
	if data[0]>>4 != 6 {
		return Malformed
	}
	p := d.pkt
	p.IPVersion = 6
	p.Src = netip.AddrFrom16([16]byte(data[8:24]))
	p.Dst = netip.AddrFrom16([16]byte(data[24:40]))
	plen := int(binary.BigEndian.Uint16(data[4:6]))
	p.IPLen = 40 + plen
	next := data[6]
	payload := data[40:]
	if len(payload) > plen {
		payload = payload[:plen]
	} else if len(payload) < plen {
		p.Truncated = true
	}
	remaining := plen
	for i := 0; i < 16; i++ {
		switch next {
		case 0, 43, 60, 135, 139, 140: // hop-by-hop, routing, destination options, mobility, HIP, shim6
			if len(payload) < 8 {
				return Truncated
			}
			n := (int(payload[1]) + 1) * 8
			if n > len(payload) {
				return Truncated
			}
			next = payload[0]
			payload = payload[n:]
			remaining -= n
		case ProtoAH:
			if len(payload) < 8 {
				return Truncated
			}
			n := (int(payload[1]) + 2) * 4
			if n > len(payload) {
				return Truncated
			}
			next = payload[0]
			payload = payload[n:]
			remaining -= n
		case 44: // fragment
			if len(payload) < 8 {
				return Truncated
			}
			nh := payload[0]
			fo := binary.BigEndian.Uint16(payload[2:4])
			off := int(fo>>3) * 8
			more := fo&1 != 0
			id := binary.BigEndian.Uint32(payload[4:8])
			payload = payload[8:]
			remaining -= 8
			if off == 0 && !more { // atomic fragment
				next = nh
				continue
			}
			if len(payload) < remaining {
				return Truncated
			}
			key := fragKey{v6: true, id: id, proto: nh}
			copy(key.src[:], data[8:24])
			copy(key.dst[:], data[24:40])
			full, st := d.frag.add(key, p.Timestamp, off, more, payload, &d.Stats)
			if st != OK {
				return st
			}
			p.Reassembled = true
			p.IPLen = 40 + (plen - remaining) + len(full)
			return d.transport(nh, full, len(full))
		case 59: // no next header
			return d.transport(next, nil, 0)
		default:
			if remaining < 0 {
				return Malformed
			}
			return d.transport(next, payload, remaining)
		}
	}
	return Malformed
}

// transport decodes the L4 header; plen is the L4 length per the IP header, payload what was
// captured of it.
func (d *Decoder) transport(proto uint8, payload []byte, plen int) Status {
	p := d.pkt
	p.Proto = proto
	switch proto {
	case ProtoTCP:
		if len(payload) < 20 {
			return Truncated
		}
		off := int(payload[12]>>4) * 4
		if off < 20 {
			return Malformed
		}
		p.SrcPort = binary.BigEndian.Uint16(payload[0:2])
		p.DstPort = binary.BigEndian.Uint16(payload[2:4])
		p.TCPSeq = binary.BigEndian.Uint32(payload[4:8])
		p.TCPFlags = payload[13]
		if off > len(payload) {
			p.Payload = nil
		} else {
			p.Payload = payload[off:]
		}
		p.PayloadLen = max(plen-off, 0)
		return OK
	case ProtoUDP:
		if len(payload) < 8 {
			return Truncated
		}
		p.SrcPort = binary.BigEndian.Uint16(payload[0:2])
		p.DstPort = binary.BigEndian.Uint16(payload[2:4])
		p.Payload = payload[8:]
		p.PayloadLen = max(plen-8, 0)
		if st, done := d.udpTunnel(); done {
			return st
		}
		return OK
	case ProtoSCTP:
		if len(payload) < 12 {
			return Truncated
		}
		p.SrcPort = binary.BigEndian.Uint16(payload[0:2])
		p.DstPort = binary.BigEndian.Uint16(payload[2:4])
		p.Payload = payload[12:]
		p.PayloadLen = max(plen-12, 0)
		return OK
	case ProtoICMP, ProtoICMPv6:
		if len(payload) < 4 {
			return Truncated
		}
		p.SrcPort = uint16(payload[0])
		p.DstPort = uint16(payload[1])
		p.Payload = payload[4:]
		p.PayloadLen = max(plen-4, 0)
		return OK
	case ProtoIPIP:
		if len(payload) < plen {
			break // a cut tunnel is accounted as the outer flow
		}
		d.setTunnel(TunnelIPIP, 0)
		return d.nested(func() Status { return d.ipv4(payload) })
	case ProtoIPv6:
		if len(payload) < plen {
			break
		}
		d.setTunnel(Tunnel6in4, 0)
		return d.nested(func() Status { return d.ipv6(payload) })
	case ProtoGRE:
		if st, done := d.gre(payload, plen); done {
			return st
		}
	}
	p.Payload = payload
	p.PayloadLen = plen
	return OK
}

// udpTunnel unwraps VXLAN and Geneve; done is false when the datagram is ordinary UDP.
func (d *Decoder) udpTunnel() (Status, bool) {
	p := d.pkt
	b := p.Payload
	switch {
	case p.DstPort == 4789 && len(b) >= 8 && b[0]&0x08 != 0 && len(b) == p.PayloadLen:
		vni := uint32(b[4])<<16 | uint32(b[5])<<8 | uint32(b[6])
		d.setTunnel(TunnelVXLAN, vni)
		return d.nested(func() Status { return d.ethernet(b[8:], false) }), true
	case p.DstPort == 6081 && len(b) >= 8 && b[0]>>6 == 0 && len(b) == p.PayloadLen:
		hl := 8 + int(b[0]&0x3f)*4
		if hl > len(b) {
			return Truncated, true
		}
		vni := uint32(b[4])<<16 | uint32(b[5])<<8 | uint32(b[6])
		d.setTunnel(TunnelGeneve, vni)
		inner := b[hl:]
		switch binary.BigEndian.Uint16(b[2:4]) {
		case 0x6558:
			return d.nested(func() Status { return d.ethernet(inner, false) }), true
		case 0x0800:
			return d.nested(func() Status { return d.ipv4(inner) }), true
		case 0x86DD:
			return d.nested(func() Status { return d.ipv6(inner) }), true
		}
		return NotIP, true
	}
	return OK, false
}

// gre unwraps GRE version 0 (PPTP's enhanced GRE, version 1, stays a GRE flow).
func (d *Decoder) gre(b []byte, plen int) (Status, bool) {
	if len(b) < 4 || len(b) < plen {
		return OK, false
	}
	flags := binary.BigEndian.Uint16(b[0:2])
	if flags&0x7 != 0 { // version ≠ 0
		return OK, false
	}
	proto := binary.BigEndian.Uint16(b[2:4])
	hl := 4
	var key uint32
	if flags&0x8000 != 0 { // checksum
		hl += 4
	}
	if flags&0x2000 != 0 { // key
		if len(b) < hl+4 {
			return Truncated, true
		}
		key = binary.BigEndian.Uint32(b[hl:])
		hl += 4
	}
	seq := flags&0x1000 != 0
	if seq {
		hl += 4
	}
	if len(b) < hl {
		return Truncated, true
	}
	inner := b[hl:]
	switch proto {
	case 0x0800:
		d.setTunnel(TunnelGRE, key)
		return d.nested(func() Status { return d.ipv4(inner) }), true
	case 0x86DD:
		d.setTunnel(TunnelGRE, key)
		return d.nested(func() Status { return d.ipv6(inner) }), true
	case 0x6558:
		d.setTunnel(TunnelGRE, key)
		return d.nested(func() Status { return d.ethernet(inner, false) }), true
	case 0x88BE: // ERSPAN type II (with sequence number) or type I (without)
		if !seq {
			d.setTunnel(TunnelERSPAN, 0)
			return d.nested(func() Status { return d.ethernet(inner, false) }), true
		}
		if len(inner) < 8 {
			return Truncated, true
		}
		session := uint32(binary.BigEndian.Uint16(inner[2:4]) & 0x03ff)
		d.setTunnel(TunnelERSPAN, session)
		return d.nested(func() Status { return d.ethernet(inner[8:], false) }), true
	case 0x22EB: // ERSPAN type III
		if len(inner) < 12 {
			return Truncated, true
		}
		session := uint32(binary.BigEndian.Uint16(inner[2:4]) & 0x03ff)
		hl3 := 12
		if inner[11]&0x01 != 0 { // platform-specific subheader
			hl3 += 8
		}
		if len(inner) < hl3 {
			return Truncated, true
		}
		d.setTunnel(TunnelERSPAN, session)
		return d.nested(func() Status { return d.ethernet(inner[hl3:], false) }), true
	}
	return OK, false
}
