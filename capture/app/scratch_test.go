package app

import (
	"reflect"
	"testing"

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
