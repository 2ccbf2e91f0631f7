package synth

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// BenchStats describe a generated benchmark capture.
type BenchStats struct {
	Packets, Flows int
	Bytes          int64 // file bytes
}

// WriteBench writes a pcap of at least target bytes: batches of `concurrent` interleaved flows,
// mostly TLS with SNI over TCP (15 % IPv6, 10 % VLAN-tagged), DNS exchanges and QUIC Initials
// followed by short-header datagrams. The output depends only on seed.
func WriteBench(w io.Writer, target int64, concurrent int, seed uint64) (BenchStats, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pw := pcapgo.NewWriterNanos(w)
	if err := pw.WriteFileHeader(262144, layers.LinkTypeEthernet); err != nil {
		return BenchStats{}, err
	}
	st := BenchStats{Bytes: 24}
	clock := Base
	flowNo := 0
	for st.Bytes < target {
		flows := make([][]Packet, concurrent)
		for i := range flows {
			flows[i] = benchFlow(rng, flowNo)
			flowNo++
		}
		st.Flows += concurrent
		// interleave: take one packet from each live flow in turn
		for live := len(flows); live > 0; {
			live = 0
			for i := range flows {
				if len(flows[i]) == 0 {
					continue
				}
				live++
				p := flows[i][0]
				flows[i] = flows[i][1:]
				clock = clock.Add(time.Microsecond)
				ci := gopacket.CaptureInfo{Timestamp: clock, CaptureLength: len(p.Data), Length: len(p.Data)}
				if err := pw.WritePacket(ci, p.Data); err != nil {
					return st, err
				}
				st.Packets++
				st.Bytes += int64(16 + len(p.Data))
			}
		}
	}
	return st, nil
}

func benchFlow(rng *rand.Rand, n int) []Packet {
	g := New(time.Microsecond)
	v6 := rng.IntN(100) < 15
	var wrap Wrap
	if rng.IntN(100) < 10 {
		wrap = VLAN(v6, uint16(100+rng.IntN(50)))
	}
	cport := uint16(10000 + n%50000)
	client := netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)})
	server := netip.AddrFrom4([4]byte{198, 18, byte(n >> 8), byte(rng.IntN(250) + 1)})
	if v6 {
		client = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, 12: byte(n >> 24), 13: byte(n >> 16), 14: byte(n >> 8), 15: byte(n)})
		server = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 2, 14: byte(n >> 8), 15: byte(rng.IntN(250) + 1)})
	}
	sni := fmt.Sprintf("host%d.example%d.com", n%997, n%13)
	switch k := rng.IntN(100); {
	case k < 70:
		c := g.TCP(netip.AddrPortFrom(client, cport), netip.AddrPortFrom(server, 443), wrap)
		c.Handshake().Client(Record(22, ClientHello(Hello{SNI: sni, ALPN: []string{"h2", "http/1.1"}, GREASE: true}))).
			Server(TLS13ServerFlight("h2"))
		for i, segs := 0, 4+rng.IntN(60); i < segs; i++ {
			if i%4 == 0 {
				c.Client(Record(23, make([]byte, 200)))
			} else {
				c.Server(Record(23, make([]byte, 1300)))
			}
		}
		c.Close()
	case k < 85:
		dns := netip.AddrFrom4([4]byte{10, 255, 0, 53})
		if v6 {
			dns = netip.MustParseAddr("2001:db8:ff::53")
		}
		g.UDP(netip.AddrPortFrom(client, cport), netip.AddrPortFrom(dns, 53), DNSQuery(uint16(n), sni, false), nil)
		g.UDP(netip.AddrPortFrom(dns, 53), netip.AddrPortFrom(client, cport), DNSAnswer(uint16(n), sni, "", 300, server.Unmap()), nil)
	default:
		dcid := []byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n), 1, 2, 3, 4}
		for _, p := range QUICInitials(dcid, ClientHello(Hello{SNI: sni, ALPN: []string{"h3"}, QUIC: true}), false) {
			g.UDP(netip.AddrPortFrom(client, cport), netip.AddrPortFrom(server, 443), p, wrap)
		}
		for i, segs := 0, 4+rng.IntN(40); i < segs; i++ {
			short := make([]byte, 1200)
			short[0] = 0x40
			if i%3 == 0 {
				g.UDP(netip.AddrPortFrom(client, cport), netip.AddrPortFrom(server, 443), short[:100], wrap)
			} else {
				g.UDP(netip.AddrPortFrom(server, 443), netip.AddrPortFrom(client, cport), short, wrap)
			}
		}
	}
	return g.Packets
}
