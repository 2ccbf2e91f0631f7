package app

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

// The reference fingerprints below are the plain string-building definitions (JA3: Salesforce,
// JA4: FoxIO); the append-based ones in tls.go must give the same bytes.

func refDec(vs []uint16) string {
	var parts []string
	for _, v := range vs {
		if !IsGREASE(v) {
			parts = append(parts, strconv.Itoa(int(v)))
		}
	}
	return strings.Join(parts, "-")
}

func refJA3(ch *ClientHello) string {
	var pf []string
	for _, f := range ch.PointFormats {
		pf = append(pf, strconv.Itoa(int(f)))
	}
	s := strconv.Itoa(int(ch.LegacyVersion)) + "," + refDec(ch.Ciphers) + "," + refDec(ch.Extensions) + "," +
		refDec(ch.Curves) + "," + strings.Join(pf, "-")
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func refJA3S(sh *ServerHello) string {
	s := strconv.Itoa(int(sh.LegacyVersion)) + "," + strconv.Itoa(int(sh.Cipher)) + "," + refDec(sh.Extensions)
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func refHex(vs []uint16) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, hex.EncodeToString([]byte{byte(v >> 8), byte(v)}))
	}
	return strings.Join(parts, ",")
}

func refHash12(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

func refJA4(ch *ClientHello, transport byte) string {
	vers := map[uint16]string{0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3", 0x0002: "s2",
		0xfeff: "d1", 0xfefd: "d2", 0xfefc: "d3"}
	ver, ok := vers[ch.MaxVersion()]
	if !ok {
		ver = "00"
	}
	sni := "i"
	if ch.ServerName != "" {
		sni = "d"
	}
	var ciphers, exts, sigs []uint16
	nExt := 0
	for _, c := range ch.Ciphers {
		if !IsGREASE(c) {
			ciphers = append(ciphers, c)
		}
	}
	for _, e := range ch.Extensions {
		if !IsGREASE(e) {
			nExt++
			if e != 0 && e != 16 {
				exts = append(exts, e)
			}
		}
	}
	for _, s := range ch.SignatureAlgs {
		if !IsGREASE(s) {
			sigs = append(sigs, s)
		}
	}
	alpn := "00"
	if len(ch.ALPN) > 0 && ch.ALPN[0] != "" {
		a := ch.ALPN[0]
		f, l := a[0], a[len(a)-1]
		if isAlnum(f) && isAlnum(l) {
			alpn = string([]byte{f, l})
		} else {
			h := hex.EncodeToString([]byte{f, l})
			alpn = string([]byte{h[0], h[3]})
		}
	}
	two := func(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }
	a := string(transport) + ver + sni + two(min(len(ciphers), 99)) + two(min(nExt, 99)) + alpn
	slices.Sort(ciphers)
	slices.Sort(exts)
	b, c := "000000000000", "000000000000"
	if len(ciphers) > 0 {
		b = refHash12(refHex(ciphers))
	}
	if len(exts) > 0 {
		in := refHex(exts)
		if len(sigs) > 0 {
			in += "_" + refHex(sigs)
		}
		c = refHash12(in)
	}
	return a + "_" + b + "_" + c
}

func checkFingerprints(t *testing.T, ch *ClientHello) {
	t.Helper()
	if got, want := ch.JA3(), refJA3(ch); got != want {
		t.Errorf("ja3 %s, reference %s", got, want)
	}
	for _, tr := range []byte{'t', 'q'} {
		if got, want := ch.JA4(tr), refJA4(ch, tr); got != want {
			t.Errorf("ja4 %s, reference %s", got, want)
		}
	}
}

func TestFingerprintsMatchReference(t *testing.T) {
	many := make([]uint16, 150) // more than the fixed buffers hold
	for i := range many {
		many[i] = uint16(0x1301 + i*7)
	}
	for _, tc := range []struct {
		name string
		ch   *ClientHello
	}{
		{"empty", &ClientHello{}},
		{"grease only", &ClientHello{LegacyVersion: 0x0303, Ciphers: []uint16{0x0a0a}, Extensions: []uint16{0x1a1a}}},
		{"sni and alpn only", &ClientHello{LegacyVersion: 0x0303, Ciphers: []uint16{0x1301}, Extensions: []uint16{0, 16}, ServerName: "a", ALPN: []string{"h2"}}},
		{"odd alpn", &ClientHello{LegacyVersion: 0x0303, Ciphers: []uint16{0x1301}, Extensions: []uint16{10, 13}, ALPN: []string{"\x00x\xff"}, SignatureAlgs: []uint16{0x0403, 0x0a0a, 0x0804}}},
		{"many", &ClientHello{LegacyVersion: 0x0303, Ciphers: many, Extensions: many, Curves: many, PointFormats: []uint8{0, 1, 2}, SignatureAlgs: many, ServerName: "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkFingerprints(t, tc.ch) })
	}
	for _, h := range []synth.Hello{
		{SNI: "www.example.com", ALPN: []string{"h2", "http/1.1"}, GREASE: true, PadTo: 1700},
		{TLS12: true},
		{SNI: "q.example", QUIC: true},
	} {
		ch, err := ParseClientHelloRecords(synth.Record(22, synth.ClientHello(h)))
		if err != nil {
			t.Fatal(err)
		}
		checkFingerprints(t, ch)
	}
	sh := &ServerHello{LegacyVersion: 0x0303, Cipher: 0x1301, Extensions: []uint16{43, 51, 0x2a2a}}
	if got, want := sh.JA3S(), refJA3S(sh); got != want {
		t.Errorf("ja3s %s, reference %s", got, want)
	}
}

func FuzzFingerprints(f *testing.F) {
	f.Add(synth.Record(22, synth.ClientHello(synth.Hello{SNI: "a.example", ALPN: []string{"h2"}, GREASE: true})))
	f.Add(synth.Record(22, synth.ClientHello(synth.Hello{TLS12: true})))
	f.Fuzz(func(t *testing.T, b []byte) {
		if ch, err := ParseClientHelloRecords(b); err == nil {
			checkFingerprints(t, ch)
		}
	})
}

// BenchmarkFingerprints is JA3 + JA4 of a Chrome-like ClientHello.
func BenchmarkFingerprints(b *testing.B) {
	ch, err := ParseClientHelloRecords(synth.Record(22, synth.ClientHello(synth.Hello{SNI: "www.example.com", ALPN: []string{"h2"}, GREASE: true})))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = ch.JA3()
		_ = ch.JA4('t')
	}
}

func TestFinished(t *testing.T) {
	for _, tc := range []struct {
		name string
		pkts []Packet
		want bool
	}{
		{"nothing yet", nil, false},
		{"client only", []Packet{{Proto: 6, SrcPort: 5000, DstPort: 7000, Seq: 1, Payload: []byte("hello"), FromClient: true}}, false},
		{"both directions unknown payload", []Packet{
			{Proto: 6, SrcPort: 5000, DstPort: 7000, Seq: 1, Payload: []byte("hello"), FromClient: true},
			{Proto: 6, SrcPort: 7000, DstPort: 5000, Seq: 1, Payload: []byte("world")},
		}, true},
		{"tls client hello still incomplete", []Packet{
			{Proto: 6, SrcPort: 5000, DstPort: 443, Seq: 1, Payload: synth.Record(22, synth.ClientHello(synth.Hello{SNI: "a.example"}))[:40], FromClient: true},
			{Proto: 6, SrcPort: 443, DstPort: 5000, Seq: 1, Payload: []byte("world")},
		}, false},
		{"dns is read to the end", []Packet{
			{Proto: 17, SrcPort: 5000, DstPort: 53, Payload: synth.DNSQuery(1, "a.example", false), FromClient: true},
			{Proto: 17, SrcPort: 53, DstPort: 5000, Payload: synth.DNSQuery(1, "a.example", false)},
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a Analyzer
			var s State
			for i := range tc.pkts {
				a.Inspect(&s, &tc.pkts[i])
			}
			if got := s.Finished(); got != tc.want {
				t.Errorf("finished %v, want %v", got, tc.want)
			}
		})
	}
}
