package synth

import (
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// Mixed returns the reference capture used by golden tests and the tshark cross-check: one
// scenario per second, each a different protocol, framing or tunnel.
func Mixed() []Packet {
	g := New(time.Millisecond)
	next := func(i int) { g.SetTime(Base.Add(time.Duration(i) * time.Second)) }

	// 1. TLS 1.3 with a ClientHello split over three segments (Chrome-sized, GREASE).
	next(1)
	c := g.TCP(ap("10.1.0.10:50001"), ap("198.51.100.10:443"), nil)
	c.MSS = 600
	c.Handshake().Client(Record(22, ClientHello(Hello{SNI: "www.example.com", ALPN: []string{"h2", "http/1.1"}, GREASE: true, PadTo: 1700}))).
		Server(TLS13ServerFlight("h2")).Client(Record(23, seq(300, 1))).Close()

	// 2. TLS 1.2 to a LAN IP-KVM with a self-signed PiKVM certificate.
	next(2)
	c = g.TCP(ap("10.1.0.11:50002"), ap("192.168.1.50:443"), nil)
	c.Handshake().Client(Record(22, ClientHello(Hello{SNI: "pikvm.local", TLS12: true}))).
		Server(TLS12ServerFlight(SelfSigned("PiKVM", "pikvm"))).Close()

	// 3. DNS for an AnyDesk relay, then a session to the answer without SNI.
	next(3)
	g.UDP(ap("10.1.0.12:53001"), ap("10.1.0.53:53"), DNSQuery(0x1234, "relay-1.net.anydesk.com", false), nil)
	g.UDP(ap("10.1.0.53:53"), ap("10.1.0.12:53001"), DNSAnswer(0x1234, "relay-1.net.anydesk.com", "relay-1.anydesk.edge.example", 300, netip.MustParseAddr("203.0.113.77")), nil)
	c = g.TCP(ap("10.1.0.12:50003"), ap("203.0.113.77:6568"), nil)
	c.Handshake().Client(seq(64, 9)).Server(seq(64, 10)).Close()

	// 4. HTTP download from TeamViewer.
	next(4)
	c = g.TCP(ap("10.1.0.13:50004"), ap("203.0.113.80:80"), nil)
	c.Handshake().Client([]byte("GET /download/TeamViewer_Setup.exe?lang=en HTTP/1.1\r\nHost: download.teamviewer.com\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: */*\r\n\r\n")).
		Server([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")).Close()

	// 5. TeamViewer's own protocol on 5938.
	next(5)
	c = g.TCP(ap("10.1.0.14:50005"), ap("203.0.113.81:5938"), nil)
	c.Handshake().Client(TeamViewerHello()).Server(TeamViewerHello()).Close()

	// 6. SSH with banners and KEXINIT (HASSH).
	next(6)
	c = g.TCP(ap("10.1.0.15:50006"), ap("198.51.100.20:22"), nil)
	c.Handshake().Server([]byte("SSH-2.0-OpenSSH_9.6\r\n")).Client([]byte("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")).
		Client(SSHKexInit("curve25519-sha256,diffie-hellman-group14-sha256", "ssh-ed25519", "aes128-ctr,aes256-gcm@openssh.com", "hmac-sha2-256", "none")).
		Server(SSHKexInit("curve25519-sha256", "ssh-ed25519", "aes256-gcm@openssh.com", "hmac-sha2-512", "none")).Close()

	// 7. RDP with an mstshash cookie.
	next(7)
	c = g.TCP(ap("10.1.0.16:50007"), ap("10.2.0.9:3389"), nil)
	c.Handshake().Client(RDPConnectionRequest("jdoe")).Server([]byte{3, 0, 0, 11, 6, 0xd0, 0, 0, 0x12, 0x34, 0}).Close()

	// 8. VNC.
	next(8)
	c = g.TCP(ap("10.1.0.17:50008"), ap("10.2.0.10:5900"), nil)
	c.Handshake().Server([]byte("RFB 003.008\n")).Client([]byte("RFB 003.008\n")).Reset()

	// 9. WireGuard handshake.
	next(9)
	g.UDP(ap("10.1.0.18:41000"), ap("198.51.100.30:51820"), WireGuardInitiation(), nil)
	g.UDP(ap("198.51.100.30:51820"), ap("10.1.0.18:41000"), WireGuardResponse(), nil)

	// 10. OpenVPN over UDP.
	next(10)
	g.UDP(ap("10.1.0.19:41001"), ap("198.51.100.31:1194"), OpenVPNHardReset(), nil)

	// 11. IKEv2.
	next(11)
	g.UDP(ap("10.1.0.20:500"), ap("198.51.100.32:500"), IKESAInit(), nil)

	// 12. QUIC v1 Initial to Astrill, ClientHello over two packets with reordered frames.
	next(12)
	dcid := []byte{0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08}
	for _, p := range QUICInitials(dcid, ClientHello(Hello{SNI: "api.astrill.com", ALPN: []string{"h3"}, GREASE: true, QUIC: true, PadTo: 1500}), true) {
		g.UDP(ap("10.1.0.21:52000"), ap("198.51.100.33:443"), p, nil)
	}

	// 13. IPv6 TLS.
	next(13)
	c = g.TCP(ap("[2001:db8:10::5]:50013"), ap("[2001:db8:20::443]:443"), nil)
	c.Handshake().Client(Record(22, ClientHello(Hello{SNI: "ipv6.example.net", ALPN: []string{"http/1.1"}}))).Server(TLS13ServerFlight("")).Close()

	// 14. VLAN and QinQ.
	next(14)
	c = g.TCP(ap("10.1.0.22:50014"), ap("198.51.100.40:443"), VLAN(false, 100))
	c.Handshake().Client(Record(22, ClientHello(Hello{SNI: "vlan.example.org"}))).Close()
	c = g.TCP(ap("10.1.0.23:50015"), ap("198.51.100.41:443"), VLAN(false, 200, 201))
	c.Handshake().Client(Record(22, ClientHello(Hello{SNI: "qinq.example.org"}))).Close()

	// 15. Tunnels: GRE, ERSPAN II, VXLAN, Geneve, IP-in-IP, 6in4, MPLS, PPPoE.
	next(15)
	tunnels := []struct {
		wrap Wrap
		c, s string
		sni  string
	}{
		{GRE(false), "10.3.0.1:50101", "198.51.100.51:443", "gre.example.org"},
		{ERSPAN2(false, 7), "10.3.0.2:50102", "198.51.100.52:443", "erspan.example.org"},
		{VXLAN(false, 5001), "10.3.0.3:50103", "198.51.100.53:443", "vxlan.example.org"},
		{Geneve(false, 6001), "10.3.0.4:50104", "198.51.100.54:443", "geneve.example.org"},
		{IPinIP(false), "10.3.0.5:50105", "198.51.100.55:443", "ipip.example.org"},
		{IPinIP(true), "[2001:db8:30::6]:50106", "[2001:db8:40::6]:443", "sixinfour.example.org"},
		{MPLS(16001), "10.3.0.7:50107", "198.51.100.57:443", "mpls.example.org"},
		{PPPoE(), "10.3.0.8:50108", "198.51.100.58:443", "pppoe.example.org"},
	}
	for _, tn := range tunnels {
		c = g.TCP(ap(tn.c), ap(tn.s), tn.wrap)
		c.Handshake().Client(Record(22, ClientHello(Hello{SNI: tn.sni}))).Close()
	}

	// 16. A fragmented UDP datagram (fragments out of order).
	next(16)
	g.FragmentedUDP(ap("10.1.0.24:41002"), ap("198.51.100.60:9999"), seq(3000, 0), 1480, true)

	// 17. ICMP echo.
	next(17)
	g.ICMPEcho(netip.MustParseAddr("10.1.0.25"), netip.MustParseAddr("198.51.100.61"), 1)

	// 18. A TCP flow first seen mid-stream (no SYN): the server is told by its port.
	next(18)
	c = g.TCP(ap("10.1.0.26:50018"), ap("198.51.100.62:443"), nil)
	c.Server(seq(100, 1)).Client(seq(50, 2))

	// 19. A DNS NXDOMAIN and an IPv6 answer.
	next(19)
	g.UDP(ap("10.1.0.27:53002"), ap("10.1.0.53:53"), DNSQuery(0x2222, "nonexistent.example.com", false), nil)
	g.UDP(ap("10.1.0.53:53"), ap("10.1.0.27:53002"), DNSNXDomain(0x2222, "nonexistent.example.com"), nil)
	g.UDP(ap("10.1.0.27:53003"), ap("10.1.0.53:53"), DNSQuery(0x3333, "rs-ny.rustdesk.com", true), nil)
	g.UDP(ap("10.1.0.53:53"), ap("10.1.0.27:53003"), DNSAnswer(0x3333, "rs-ny.rustdesk.com", "", 60, netip.MustParseAddr("2001:db8:50::1")), nil)

	// 20. A long flow: packets every 60 s for 11 minutes (interim records at 300 s).
	next(20)
	c = g.TCP(ap("10.1.0.28:50020"), ap("198.51.100.63:8443"), nil)
	c.Handshake()
	for i := 0; i < 11; i++ {
		g.Advance(60 * time.Second)
		c.Client(seq(40, byte(i)))
	}
	c.Close()
	return g.Packets
}

// Cooked returns a few packets as Linux cooked captures (SLL and SLL2) and raw IP, for
// pcapng files with several link types.
func Cooked() []Packet {
	g := New(time.Millisecond)
	g.SetTime(Base.Add(30 * time.Second))
	mk := func(link layers.LinkType, ls ...gopacket.SerializableLayer) {
		buf := gopacket.NewSerializeBuffer()
		must(gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...))
		g.Raw(link, append([]byte(nil), buf.Bytes()...))
	}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: []byte{10, 9, 0, 1}, DstIP: []byte{10, 9, 0, 53}}
	u := &layers.UDP{SrcPort: 40404, DstPort: 53}
	u.SetNetworkLayerForChecksum(ip)
	sll := make([]byte, 16) // packet type 0 (to us), ARPHRD_ETHER, address, protocol
	sll[3], sll[5] = 1, 6
	copy(sll[6:], macC)
	sll[14] = 0x08
	mk(layers.LinkTypeLinuxSLL, gopacket.Payload(sll), ip, u, gopacket.Payload(DNSQuery(7, "sll.example.com", false)))
	ip2 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: []byte{10, 9, 0, 2}, DstIP: []byte{10, 9, 0, 53}}
	u2 := &layers.UDP{SrcPort: 40405, DstPort: 53}
	u2.SetNetworkLayerForChecksum(ip2)
	sll2 := make([]byte, 20)
	sll2[0], sll2[1] = 0x08, 0x00
	sll2[9] = 1 // ARPHRD_ETHER
	sll2[11] = 6
	mk(layers.LinkTypeLinuxSLL2, gopacket.Payload(sll2), ip2, u2, gopacket.Payload(DNSQuery(8, "sll2.example.com", false)))
	ip3 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: []byte{10, 9, 0, 3}, DstIP: []byte{10, 9, 0, 53}}
	u3 := &layers.UDP{SrcPort: 40406, DstPort: 53}
	u3.SetNetworkLayerForChecksum(ip3)
	mk(layers.LinkTypeRaw, ip3, u3, gopacket.Payload(DNSQuery(9, "raw.example.com", false)))
	return g.Packets
}
