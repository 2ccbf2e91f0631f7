package app

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

// TestScratchReuse runs flows with different hellos through one Analyzer (whose ClientHello
// and ServerHello are parsed into reused scratch) and checks that each flow's metadata equals
// what a fresh Analyzer gives it and that later flows leave earlier ones alone.
func TestScratchReuse(t *testing.T) {
	hellos := []synth.Hello{
		{SNI: "one.example", ALPN: []string{"h2", "http/1.1"}, GREASE: true, PadTo: 600},
		{SNI: "two.example", ALPN: []string{"custom-proto", "x", "y"}},
		{SNI: "three.example", TLS12: true},
		{ALPN: []string{"h3"}},
		{SNI: "one.example", ALPN: []string{"http/1.1"}, GREASE: true, PadTo: 600},
	}
	servers := [][]byte{synth.TLS13ServerFlight("h2"), synth.TLS12ServerFlight(synth.SelfSigned("PiKVM", "pikvm")),
		synth.TLS13ServerFlight(""), synth.TLS13ServerFlight("h3"), synth.TLS13ServerFlight("h2")}
	run := func(a *Analyzer, s *State, i int) {
		a.Inspect(s, &Packet{Proto: 6, SrcPort: 5000, DstPort: 443, Seq: 1, Payload: synth.Record(22, synth.ClientHello(hellos[i])), FromClient: true})
		a.Inspect(s, &Packet{Proto: 6, SrcPort: 443, DstPort: 5000, Seq: 1, Payload: servers[i]})
	}
	snapshot := func(s *State) borderwatch.TLS {
		t := *s.TLS
		c, sv := *t.Client, *t.Server
		c.ALPN = append([]string(nil), c.ALPN...)
		t.Client, t.Server = &c, &sv
		return t
	}
	var shared Analyzer
	states := make([]State, len(hellos))
	want := make([]borderwatch.TLS, len(hellos))
	for i := range hellos {
		var fresh Analyzer
		var s State
		run(&fresh, &s, i)
		if s.TLS == nil || s.TLS.Client == nil || s.TLS.Server == nil {
			t.Fatalf("hello %d: no tls metadata: %+v", i, s.TLS)
		}
		want[i] = snapshot(&s)
		run(&shared, &states[i], i)
	}
	for i := range hellos {
		if got := snapshot(&states[i]); !reflect.DeepEqual(got, want[i]) {
			t.Errorf("flow %d after the others:\n got %+v %+v %+v\nwant %+v %+v %+v", i, got, got.Client, got.Server, want[i], want[i].Client, want[i].Server)
		}
	}
	if want[1].Client.ALPN[0] != "custom-proto" || want[0].Client.ALPN[1] != "http/1.1" {
		t.Errorf("alpn %v %v", want[0].Client.ALPN, want[1].Client.ALPN)
	}
	if shared.Stats.ServerMemoHits == 0 {
		t.Errorf("the repeated server hello was not remembered: %+v", shared.Stats)
	}
}

// TestDNSAnswerNames checks that an answer's name is its own cleaned name, also when its raw
// bytes equal the question's cleaned (escaped) name, and that answers beyond the block's room
// and several messages parsed one after another keep their own strings.
func TestDNSAnswerNames(t *testing.T) {
	build := func(id uint16, q string, answers ...string) []byte {
		b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: id, Response: true, RecursionDesired: true, RecursionAvailable: true})
		b.EnableCompression()
		if err := b.StartQuestions(); err != nil {
			t.Fatal(err)
		}
		if err := b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(q), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}); err != nil {
			t.Fatal(err)
		}
		if err := b.StartAnswers(); err != nil {
			t.Fatal(err)
		}
		for i, a := range answers {
			h := dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(a), Class: dnsmessage.ClassINET, TTL: 60}
			if err := b.AResource(h, dnsmessage.AResource{A: [4]byte{192, 0, 2, byte(i + 1)}}); err != nil {
				t.Fatal(err)
			}
		}
		msg, err := b.Finish()
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	for _, tc := range []struct {
		q       string
		answers []string
		want    []string // answer names
	}{
		{"a.example.", []string{"a.example.", "a.example.", "a.example."}, []string{"a.example", "a.example", "a.example"}},
		{"A.Example.", []string{"A.Example.", "b.example."}, []string{"a.example", "b.example"}},
		// the question's cleaned name is \x01.example.; an answer spelled that way literally is
		// cleaned on its own (its backslash escaped)
		{"\x01.example.", []string{`\x01.example.`, "\x01.example."}, []string{`\x5cx01.example`, `\x01.example`}},
	} {
		d, resp, addrs, err := parseDNS(build(7, tc.q, tc.answers...), nil, nil, nil)
		if err != nil || !resp {
			t.Fatalf("%q: %v", tc.q, err)
		}
		var got []string
		for _, a := range d.Answers {
			got = append(got, a.Name)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: answer names %q, want %q", tc.q, got, tc.want)
		}
		if len(addrs) != len(tc.answers) || len(d.ResolvedIP) != len(tc.answers) {
			t.Errorf("%q: %d addresses, %d resolved", tc.q, len(addrs), len(d.ResolvedIP))
		}
		for i, a := range d.Answers {
			if want := netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}).String(); a.Data != want || d.ResolvedIP[i].String() != want {
				t.Errorf("%q: answer %d data %q ip %v, want %s", tc.q, i, a.Data, d.ResolvedIP[i], want)
			}
		}
		if d.ID != "7" || strings.Join(d.HeaderFlags, ",") != "RD,RA" {
			t.Errorf("id %q flags %v", d.ID, d.HeaderFlags)
		}
	}
}

// TestQUICReuse runs QUIC connections (ClientHellos spanning two reordered Initials, one
// tampered with) through one Analyzer, whose assemblers are reused, and checks each against a
// fresh Analyzer.
func TestQUICReuse(t *testing.T) {
	type conn struct {
		pkts [][]byte
		sni  string
	}
	var conns []conn
	for i, sni := range []string{"api.astrill.com", "b.example", "", "long-name.c.example", "d.example", "e.example", "f.example", "g.example", "h.example", "i.example", "j.example"} {
		dcid := []byte{1, 2, 3, 4, 5, 6, 7, byte(i)}
		hello := synth.ClientHello(synth.Hello{SNI: sni, ALPN: []string{"h3"}, QUIC: true, PadTo: 1500 + 300*(i%3)})
		pkts := synth.QUICInitials(dcid, hello, i%2 == 0)
		if i == 3 {
			pkts[0] = append([]byte(nil), pkts[0]...)
			pkts[0][len(pkts[0])-1] ^= 1 // fails authentication: the assembler is dropped and reused
		}
		conns = append(conns, conn{pkts, sni})
	}
	var shared Analyzer
	states := make([]State, len(conns))
	for i, c := range conns {
		for _, p := range c.pkts {
			shared.Inspect(&states[i], &Packet{Proto: 17, SrcPort: 5000, DstPort: 443, Payload: p, FromClient: true})
		}
	}
	for i, c := range conns {
		var fresh Analyzer
		var s State
		for _, p := range c.pkts {
			fresh.Inspect(&s, &Packet{Proto: 17, SrcPort: 5000, DstPort: 443, Payload: p, FromClient: true})
		}
		got, want := states[i].TLS, s.TLS
		if (got == nil) != (want == nil) {
			t.Fatalf("conn %d: tls %+v, fresh analyzer %+v", i, got, want)
		}
		if i == 3 {
			if got != nil {
				t.Errorf("tampered conn: %+v", got.Client)
			}
			continue
		}
		if got == nil || got.Client.ServerName != c.sni || !reflect.DeepEqual(*got.Client, *want.Client) {
			t.Errorf("conn %d: %+v, want %+v", i, got.Client, want.Client)
		}
	}
	if len(shared.quics) == 0 || len(shared.quics) > maxFreeQUIC {
		t.Errorf("%d assemblers kept", len(shared.quics))
	}
}
