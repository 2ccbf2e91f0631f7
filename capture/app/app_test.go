package app

import (
	"bytes"
	"crypto/hkdf"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

func TestClientHello(t *testing.T) {
	rec := synth.Record(22, synth.ClientHello(synth.Hello{SNI: "www.example.com", ALPN: []string{"h2", "http/1.1"}, GREASE: true, PadTo: 1700}))
	ch, err := ParseClientHelloRecords(rec)
	if err != nil {
		t.Fatal(err)
	}
	if ch.ServerName != "www.example.com" || len(ch.ALPN) != 2 || ch.ALPN[0] != "h2" || ch.MaxVersion() != 0x0304 {
		t.Fatalf("sni %q alpn %v version %#x", ch.ServerName, ch.ALPN, ch.MaxVersion())
	}
	// tshark 4.0 (tls.handshake.ja3) reports this value for the same bytes: make verify-pcap
	if got := ch.JA3(); got != "b32309a26951912be7dba376398abc3b" {
		t.Errorf("ja3 %s", got)
	}
	ja4 := ch.JA4('t')
	// the cipher list is Chrome's; FoxIO's JA4 documentation gives 8daaf6152771 for it
	if !strings.HasPrefix(ja4, "t13d1515h2_8daaf6152771_") || len(ja4) != len("t13d1515h2_8daaf6152771_")+12 {
		t.Errorf("ja4 %s", ja4)
	}
	// GREASE, SNI and ALPN do not change the extension hash; ALPN does change part a
	plain, _ := ParseClientHelloRecords(synth.Record(22, synth.ClientHello(synth.Hello{SNI: "other.example", ALPN: []string{"h2", "http/1.1"}, PadTo: 1700})))
	if a, b := ja4[len(ja4)-12:], plain.JA4('t'); a != b[len(b)-12:] {
		t.Errorf("extension hash changed with GREASE/SNI: %s vs %s", ja4, b)
	}
	noALPN, _ := ParseClientHelloRecords(synth.Record(22, synth.ClientHello(synth.Hello{})))
	if got := noALPN.JA4('t'); !strings.HasPrefix(got, "t13i") || got[8:10] != "00" {
		t.Errorf("no sni/alpn: %s", got)
	}
}

func TestClientHelloSegments(t *testing.T) {
	rec := synth.Record(22, synth.ClientHello(synth.Hello{SNI: "split.example", PadTo: 2000}))
	for cut := 1; cut < len(rec); cut += 97 {
		_, err := ParseClientHelloRecords(rec[:cut])
		if !errors.Is(err, ErrNeedMore) {
			t.Fatalf("cut at %d: %v, want ErrNeedMore", cut, err)
		}
	}
	// the analyzer reassembles three segments
	var a Analyzer
	var s State
	seq := uint32(1)
	for off := 0; off < len(rec); off += 700 {
		part := rec[off:min(off+700, len(rec))]
		a.Inspect(&s, &Packet{Proto: 6, SrcPort: 5000, DstPort: 443, Seq: seq, Payload: part, FromClient: true})
		seq += uint32(len(part))
	}
	if s.TLS == nil || s.TLS.Client == nil || s.TLS.Client.ServerName != "split.example" {
		t.Fatalf("state %+v", s.TLS)
	}
}

func TestServerFlight(t *testing.T) {
	var a Analyzer
	var s State
	a.Inspect(&s, &Packet{Proto: 6, SrcPort: 443, DstPort: 5000, Seq: 1, Payload: synth.TLS12ServerFlight(synth.SelfSigned("PiKVM", "pikvm"))})
	if s.TLS == nil || s.TLS.Server == nil || s.TLS.Version != "1.2" || !strings.Contains(s.TLS.Server.Subject, "O=PiKVM") || s.TLS.Server.Hash == nil {
		t.Fatalf("tls %+v server %+v", s.TLS, s.TLS.Server)
	}
	var s13 State
	a.Inspect(&s13, &Packet{Proto: 6, SrcPort: 443, DstPort: 5000, Seq: 1, Payload: synth.TLS13ServerFlight("h2")})
	if s13.TLS == nil || s13.TLS.Version != "1.3" || s13.TLS.Server.JA3S == "" || s13.TLS.Cipher != "TLS_AES_128_GCM_SHA256" {
		t.Fatalf("tls 1.3 %+v", s13.TLS)
	}
}

// RFC 9001 appendix A.1: keys for DCID 0x8394c8f03e515708.
func TestQUICKeyDerivation(t *testing.T) {
	dcid, _ := hex.DecodeString("8394c8f03e515708")
	initial, err := hkdf.Extract(sha256.New, dcid, quicV1Salt)
	if err != nil {
		t.Fatal(err)
	}
	client, _ := expandLabel(initial, "client in", 32)
	for _, v := range []struct{ label, want string }{
		{"quic key", "1f369613dd76d5467730efcbe3b1a22d"},
		{"quic iv", "fa044b2f42a3fd3b46fb255c"},
		{"quic hp", "9f50449e04a0e810283a1e9933adedd2"},
	} {
		n := len(v.want) / 2
		got, _ := expandLabel(client, v.label, n)
		if hex.EncodeToString(got) != v.want {
			t.Errorf("%s = %x, want %s", v.label, got, v.want)
		}
	}
}

func TestQUICClientHello(t *testing.T) {
	dcid := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	hello := synth.ClientHello(synth.Hello{SNI: "api.astrill.com", ALPN: []string{"h3"}, QUIC: true, PadTo: 1500})
	pkts := synth.QUICInitials(dcid, hello, true)
	if len(pkts) != 2 {
		t.Fatalf("%d packets", len(pkts))
	}
	if _, err := QUICClientHello(pkts[0]); !errors.Is(err, ErrNeedMore) {
		t.Fatalf("first packet alone: %v", err)
	}
	ch, err := QUICClientHello(pkts...)
	if err != nil || ch.ServerName != "api.astrill.com" || !strings.HasPrefix(ch.JA4('q'), "q13d") {
		t.Fatalf("hello %+v err %v", ch, err)
	}
	bad := bytes.Clone(pkts[0])
	bad[len(bad)-1] ^= 1
	if _, err := QUICClientHello(bad); err == nil || errors.Is(err, ErrNeedMore) {
		t.Fatalf("tampered packet: %v", err)
	}
}

func TestDNS(t *testing.T) {
	ans := synth.DNSAnswer(7, "relay-1.net.anydesk.com", "edge.example", 300, netip.MustParseAddr("203.0.113.77"), netip.MustParseAddr("203.0.113.78"))
	m, err := ParseDNS(ans)
	if err != nil {
		t.Fatal(err)
	}
	d := m.DNS
	if !m.Response || d.Question.Name != "relay-1.net.anydesk.com" || d.ResponseCode != "NOERROR" || len(d.Answers) != 3 ||
		d.Answers[0].Type != "CNAME" || d.Answers[0].Data != "edge.example" || len(m.Addresses) != 2 || m.Addresses[1].TTL != 300 {
		t.Fatalf("%+v", m)
	}
	nx, err := ParseDNS(synth.DNSNXDomain(8, "no.example"))
	if err != nil || nx.DNS.ResponseCode != "NXDOMAIN" {
		t.Fatalf("%+v %v", nx, err)
	}
	if _, err := ParseDNS(ans[:7]); err == nil {
		t.Fatal("cut header accepted")
	}
	// passive DNS gets the question's name for each address
	var got []string
	a := Analyzer{OnDNS: func(ip netip.Addr, name string, ttl uint32, at time.Time) { got = append(got, ip.String()+"="+name) }}
	var s State
	a.Inspect(&s, &Packet{Proto: 17, SrcPort: 53, DstPort: 5000, Payload: ans})
	if strings.Join(got, ",") != "203.0.113.77=relay-1.net.anydesk.com,203.0.113.78=relay-1.net.anydesk.com" {
		t.Fatalf("passive dns %v", got)
	}
}

func TestSmallProtocols(t *testing.T) {
	req := []byte("GET /a?b=c HTTP/1.1\r\nHost: Download.TeamViewer.com\r\nUser-Agent: curl/8.0\r\n\r\n")
	r, err := ParseHTTPRequest(req)
	if err != nil || r.Method != "GET" || r.Host != "download.teamviewer.com" || r.UserAgent != "curl/8.0" || r.URI != "/a?b=c" || r.Version != "1.1" {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := ParseHTTPRequest(req[:20]); !errors.Is(err, ErrNeedMore) {
		t.Fatalf("partial head: %v", err)
	}
	if HTTPStatus([]byte("HTTP/1.1 404 Not Found\r\n")) != 404 || HTTPStatus([]byte("HTTP/1.1 4x4")) != 0 {
		t.Fatal("status")
	}
	if c, ok := RDPCookie(synth.RDPConnectionRequest("jdoe")); !ok || c != "jdoe" {
		t.Fatalf("rdp cookie %q %v", c, ok)
	}
	if v, ok := VNCVersion([]byte("RFB 003.008\n")); !ok || v != "RFB 003.008" {
		t.Fatalf("vnc %q", v)
	}
	kex := synth.SSHKexInit("curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha2-256", "none")
	h, err := HASSH(kex, false)
	want := md5hex("curve25519-sha256;aes128-ctr;hmac-sha2-256;none")
	if err != nil || h != want {
		t.Fatalf("hassh %s err %v, want %s", h, err, want)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"wireguard init", IsWireGuard(synth.WireGuardInitiation())},
		{"wireguard resp", IsWireGuard(synth.WireGuardResponse())},
		{"wireguard wrong size", !IsWireGuard(append(synth.WireGuardInitiation(), 0))},
		{"openvpn udp", IsOpenVPN(synth.OpenVPNHardReset(), false)},
		{"openvpn not tls", !IsOpenVPN([]byte{0x16, 3, 1, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0}, false)},
		{"ike", IsIKE(synth.IKESAInit(), false)},
		{"ike nat-t", IsIKE(append([]byte{0, 0, 0, 0}, synth.IKESAInit()...), true)},
		{"teamviewer", IsTeamViewer(synth.TeamViewerHello())},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s", c.name)
		}
	}
}

func TestIdentify(t *testing.T) {
	id, err := NewIdentifier(append(DefaultSignatures(), Signature{Name: "acme_rmm", Category: CategoryRemoteAccess, Domains: []string{"rmm.acme.example"}, TCPPorts: []string{"7000-7001"}}))
	if err != nil {
		t.Fatal(err)
	}
	sniState := func(sni string) *State {
		var s State
		s.setClientHello(&ClientHello{ServerName: sni}, 't')
		return &s
	}
	tests := []struct {
		name string
		ev   Evidence
		want string
		cat  string
	}{
		{"sni suffix", Evidence{Proto: 6, ServerPort: 443, State: sniState("master7.teamviewer.com")}, "teamviewer", CategoryRemoteAccess},
		{"astrill", Evidence{Proto: 6, ServerPort: 443, State: sniState("astrill.com")}, "astrill", CategoryVPN},
		{"not a suffix", Evidence{Proto: 6, ServerPort: 443, State: sniState("notastrill.com")}, "", ""},
		{"passive dns", Evidence{Proto: 6, ServerPort: 443, PassiveDNS: "relay-3.net.anydesk.com"}, "anydesk", CategoryRemoteAccess},
		{"user entry", Evidence{Proto: 6, ServerPort: 7001}, "acme_rmm", CategoryRemoteAccess},
		{"user domain", Evidence{Proto: 6, ServerPort: 443, State: sniState("eu.rmm.acme.example")}, "acme_rmm", CategoryRemoteAccess},
		{"rustdesk port", Evidence{Proto: 6, ServerPort: 21116}, "rustdesk", CategoryRemoteAccess},
		{"esp", Evidence{Proto: 50}, "ipsec_esp", CategoryVPN},
		{"plain https", Evidence{Proto: 6, ServerPort: 443}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := id.Identify(tt.ev)
			if tt.want == "" {
				if app != nil {
					t.Fatalf("got %+v", app)
				}
				return
			}
			if app == nil || app.Name != tt.want || app.Category != tt.cat || len(app.Evidence) == 0 {
				t.Fatalf("got %+v, want %s/%s", app, tt.want, tt.cat)
			}
		})
	}
	for _, bad := range []Signature{
		{Name: "", Category: CategoryVPN},
		{Name: "x", Category: "spyware"},
		{Name: "x", Category: CategoryVPN, TCPPorts: []string{"70000"}},
		{Name: "x", Category: CategoryVPN, TCPPorts: []string{"9-1"}},
		{Name: "x", Category: CategoryVPN, Domains: []string{"a b.com"}},
		{Name: "x", Category: CategoryVPN, Payload: "telepathy"},
	} {
		if _, err := NewIdentifier([]Signature{bad}); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestOpenVPNNotQUIC(t *testing.T) {
	var a Analyzer
	short := make([]byte, 1200)
	short[0] = 0x50 // a QUIC short header that looks like P_CONTROL_HARD_RESET_CLIENT_V3
	var s State
	a.Inspect(&s, &Packet{Proto: 17, SrcPort: 50000, DstPort: 443, Payload: short, FromClient: true})
	if s.Fingerprint == "openvpn" {
		t.Fatal("quic short header taken for openvpn")
	}
	var o State
	a.Inspect(&o, &Packet{Proto: 17, SrcPort: 50000, DstPort: 443, Payload: synth.OpenVPNHardReset(), FromClient: true})
	if o.Fingerprint != "openvpn" {
		t.Fatal("openvpn hard reset on 443 missed")
	}
}
