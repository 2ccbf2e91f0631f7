package app

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

// The parsers must never panic and must return either a result or an error.

func FuzzClientHello(f *testing.F) {
	f.Add(synth.Record(22, synth.ClientHello(synth.Hello{SNI: "a.example", ALPN: []string{"h2"}, GREASE: true})))
	f.Add(synth.Record(22, synth.ClientHello(synth.Hello{TLS12: true})))
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, err := ParseClientHelloRecords(b)
		if (ch == nil) == (err == nil) {
			t.Fatalf("hello %v with error %v", ch != nil, err)
		}
		if ch != nil {
			ja3, ja4, names := ch.JA3(), ch.JA4('t'), CipherNames(ch.Ciphers)
			var m helloMemo
			for range 2 { // a miss, then a hit: both give what the direct computation gives
				e, _, _ := m.lookup(ch, 't')
				if e.ja3 != ja3 || e.ja4 != ja4 || !slices.Equal(e.ciphers, names) {
					t.Fatalf("memo %s %s %v, direct %s %s %v", e.ja3, e.ja4, e.ciphers, ja3, ja4, names)
				}
			}
		}
	})
}

func FuzzServerFlight(f *testing.F) {
	f.Add(synth.TLS12ServerFlight(synth.SelfSigned("PiKVM", "pikvm")))
	f.Add(synth.TLS13ServerFlight("h2"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var a Analyzer
		var s State
		a.Inspect(&s, &Packet{Proto: 6, SrcPort: 443, DstPort: 5000, Seq: 1, Payload: b})
		if s.TLS != nil && s.TLS.Server != nil {
			_ = s.TLS.Server.JA3S
		}
	})
}

func FuzzDNS(f *testing.F) {
	f.Add(synth.DNSQuery(1, "a.example", false))
	f.Add(synth.DNSAnswer(2, "b.example", "c.example", 60, netip.MustParseAddr("192.0.2.1")))
	f.Add(synth.DNSAnswer(3, "v6.example", "", 60, netip.MustParseAddr("2001:db8::1")))
	f.Add(synth.DNSNXDomain(4, "no.example"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseDNS(b)
		if m == nil && err == nil {
			t.Fatal("no message and no error")
		}
		if m != nil && len(m.DNS.Answers) > maxAnswers {
			t.Fatalf("%d answers kept", len(m.DNS.Answers))
		}
		if m == nil || !m.Response {
			return
		}
		// every answer's name and address as read plainly, one resource at a time
		var p dnsmessage.Parser
		if _, err := p.Start(b); err != nil {
			t.Fatal(err)
		}
		if err := p.SkipAllQuestions(); err != nil {
			t.Fatal(err)
		}
		for i, a := range m.DNS.Answers {
			r, err := p.Answer()
			if err != nil {
				return // the parsers stop differently at a malformed record
			}
			if want := nameString(r.Header.Name); a.Name != want {
				t.Fatalf("answer %d name %q, want %q", i, a.Name, want)
			}
			switch body := r.Body.(type) {
			case *dnsmessage.AResource:
				if want := netip.AddrFrom4(body.A).String(); a.Data != want {
					t.Fatalf("answer %d data %q, want %q", i, a.Data, want)
				}
			case *dnsmessage.AAAAResource:
				if want := netip.AddrFrom16(body.AAAA).String(); a.Data != want {
					t.Fatalf("answer %d data %q, want %q", i, a.Data, want)
				}
			}
		}
	})
}

func FuzzHTTP(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a.example\r\nUser-Agent: x\r\n\r\n"))
	f.Add([]byte("POST /x?y HTTP/1.0\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseHTTPRequest(b)
		if (r == nil) == (err == nil) {
			t.Fatalf("request %v with error %v", r != nil, err)
		}
		_ = HTTPStatus(b)
	})
}

func FuzzQUIC(f *testing.F) {
	pkts := synth.QUICInitials([]byte{1, 2, 3, 4, 5, 6, 7, 8}, synth.ClientHello(synth.Hello{SNI: "q.example", QUIC: true}), false)
	f.Add(pkts[0])
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, err := QUICClientHello(b)
		if (ch == nil) == (err == nil) {
			t.Fatalf("hello %v with error %v", ch != nil, err)
		}
	})
}

func FuzzSSHAndOthers(f *testing.F) {
	f.Add([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
	f.Add(synth.SSHKexInit("curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha2-256", "none"))
	f.Add(synth.RDPConnectionRequest("jdoe"))
	f.Add([]byte("RFB 003.008\n"))
	f.Add(synth.IKESAInit())
	f.Fuzz(func(t *testing.T, b []byte) {
		SSHBanner(b)
		HASSH(b, false)
		HASSH(b, true)
		RDPCookie(b)
		VNCVersion(b)
		IsWireGuard(b)
		IsOpenVPN(b, true)
		IsOpenVPN(b, false)
		IsIKE(b, true)
		IsIKE(b, false)
		IsTeamViewer(b)
		IsL2TP(b)
		IsPPTP(b)
	})
}

// FuzzInspect drives one flow's State with arbitrary segments in both directions.
func FuzzInspect(f *testing.F) {
	f.Add(uint16(443), synth.Record(22, synth.ClientHello(synth.Hello{SNI: "a.example"})), synth.TLS13ServerFlight(""), uint8(6))
	f.Add(uint16(53), synth.DNSQuery(1, "a.example", false), synth.DNSAnswer(1, "a.example", "", 5, netip.MustParseAddr("192.0.2.9")), uint8(17))
	f.Add(uint16(22), []byte("SSH-2.0-x\r\n"), []byte("SSH-2.0-y\r\n"), uint8(6))
	f.Fuzz(func(t *testing.T, port uint16, c, s []byte, proto uint8) {
		if proto != 6 {
			proto = 17
		}
		a := Analyzer{OnDNS: func(netip.Addr, string, uint32, time.Time) {}}
		var st State
		seqC, seqS := uint32(1), uint32(1)
		for i := 0; i < 3; i++ {
			a.Inspect(&st, &Packet{Proto: proto, SrcPort: 40000, DstPort: port, Seq: seqC, Payload: c, FromClient: true})
			seqC += uint32(len(c))
			a.Inspect(&st, &Packet{Proto: proto, SrcPort: port, DstPort: 40000, Seq: seqS, Payload: s})
			seqS += uint32(len(s))
		}
		for _, d := range st.dir {
			if len(d.buf) > MaxBuffer {
				t.Fatalf("buffered %d bytes", len(d.buf))
			}
		}
		_ = st.Domain()
	})
}
