package app

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// helloVariants are ClientHellos that differ in one fingerprinted field each, plus ones that
// differ only where the fingerprints do not look (GREASE, server name).
func helloVariants() []*ClientHello {
	base := func() *ClientHello {
		return &ClientHello{LegacyVersion: 0x0303, Ciphers: []uint16{0x1301, 0x1302, 0xc02b, 0x0a0a}, Extensions: []uint16{0, 10, 11, 13, 16, 43, 0x1a1a},
			Curves: []uint16{29, 23}, PointFormats: []uint8{0}, SignatureAlgs: []uint16{0x0403, 0x0804}, SupportedVersions: []uint16{0x0304, 0x0303},
			ServerName: "a.example", ALPN: []string{"h2", "http/1.1"}}
	}
	var out []*ClientHello
	for _, change := range []func(*ClientHello){
		func(*ClientHello) {},
		func(c *ClientHello) { c.LegacyVersion = 0x0301 },
		func(c *ClientHello) { c.Ciphers = c.Ciphers[:2] },
		func(c *ClientHello) { c.Ciphers = []uint16{0x1302, 0x1301, 0xc02b} }, // same set, other order: same JA4, other JA3
		func(c *ClientHello) { c.Extensions = append(c.Extensions, 21) },
		func(c *ClientHello) { c.Curves = []uint16{23, 29} },
		func(c *ClientHello) { c.PointFormats = nil },
		func(c *ClientHello) { c.SignatureAlgs = []uint16{0x0804} },
		func(c *ClientHello) { c.SupportedVersions = nil },
		func(c *ClientHello) { c.ServerName = "" },
		func(c *ClientHello) { c.ALPN = nil },
		func(c *ClientHello) { c.ALPN = []string{"http/1.1"} },
		func(c *ClientHello) { c.Ciphers[3], c.Extensions[6] = 0x2a2a, 0x3a3a }, // other GREASE
		func(c *ClientHello) { c.ServerName = "b.example" },                     // other name
		func(c *ClientHello) { c.Ciphers = append(c.Ciphers, 0xfafa, 0x00ff) },  // GREASE and SCSV
	} {
		c := base()
		change(c)
		out = append(out, c)
	}
	return out
}

// The memo gives what JA3, JA4 and CipherNames give, on misses and hits, for TCP and QUIC.
func TestHelloMemoMatchesDirect(t *testing.T) {
	var m helloMemo
	hits, evictions := 0, 0
	for round := range 3 {
		for i, ch := range helloVariants() {
			for _, tr := range []byte{'t', 'q'} {
				e, hit, evicted := m.lookup(ch, tr)
				if hit {
					hits++
				}
				if evicted {
					evictions++
				}
				if e.ja3 != ch.JA3() || e.ja4 != ch.JA4(tr) || !slices.Equal(e.ciphers, CipherNames(ch.Ciphers)) {
					t.Fatalf("round %d variant %d %c: memo %s %s, direct %s %s", round, i, tr, e.ja3, e.ja4, ch.JA3(), ch.JA4(tr))
				}
			}
		}
	}
	// after the first round every lookup hits unless its slot went to another hello (two
	// hellos can share a slot of the direct-mapped memo)
	if want := 4*len(helloVariants()) - evictions; hits < want {
		t.Fatalf("%d hits in the second and third rounds with %d evictions, want at least %d", hits, evictions, want)
	}
}

// Hellos that differ only in GREASE values or the server name share an entry.
func TestHelloMemoIgnoresGREASEAndName(t *testing.T) {
	vs := helloVariants()
	var m helloMemo
	m.lookup(vs[0], 't')
	for _, i := range []int{12, 13} {
		if _, hit, _ := m.lookup(vs[i], 't'); !hit {
			t.Fatalf("variant %d missed", i)
		}
	}
	if _, hit, _ := m.lookup(vs[14], 't'); hit {
		t.Fatal("an added suite was taken for the remembered hello")
	}
}

// More distinct hellos than the memo holds: evictions are counted through the analyzer and
// the answers stay right.
func TestHelloMemoBound(t *testing.T) {
	var a Analyzer
	for i := range 3 * helloMemoSize {
		ch := &ClientHello{LegacyVersion: 0x0303, Ciphers: []uint16{uint16(0x1000 + i)}, ALPN: []string{fmt.Sprint(i)}}
		var s State
		a.setClientHello(&s, ch, 't')
		if s.TLS.Client.JA3 != ch.JA3() || s.TLS.Client.JA4 != ch.JA4('t') {
			t.Fatalf("hello %d: wrong fingerprints", i)
		}
	}
	if len(a.hellos.entries) != helloMemoSize || a.Stats.HelloMemoEvicted == 0 || a.Stats.HelloMemoHits != 0 {
		t.Fatalf("%d entries, %d evicted, %d hits", len(a.hellos.entries), a.Stats.HelloMemoEvicted, a.Stats.HelloMemoHits)
	}
}

// FuzzNameMemo checks that a remembered name is always what cleanName gives for its bytes,
// whatever names came before (the input is split into names at every 0xff byte).
func FuzzNameMemo(f *testing.F) {
	f.Add([]byte("a.example\xffA.Example\xffa.example\xff\x01\\x01\xff\\x01"))
	f.Add([]byte("www.example.com.\xffwww.example.com\xffWWW.EXAMPLE.COM."))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m nameMemo
		var st Stats
		for _, name := range bytes.Split(b, []byte{0xff}) {
			for range 2 {
				if got, want := m.clean(name, &st), cleanName(name); got != want {
					t.Fatalf("%q: %q, want %q", name, got, want)
				}
			}
		}
	})
}

func TestNameMemoBound(t *testing.T) {
	var m nameMemo
	var st Stats
	for i := range 10 * nameMemoSize {
		name := fmt.Appendf(nil, "Host-%d.Example", i)
		if got := m.clean(name, &st); got != strings.ToLower(string(name)) {
			t.Fatalf("%q: %q", name, got)
		}
	}
	if len(m.entries) != nameMemoSize || st.NameMemoEvicted < 8*nameMemoSize || st.NameMemoHits != 0 {
		t.Fatalf("%d entries, stats %+v", len(m.entries), st)
	}
	for range 3 {
		m.clean([]byte("again.example"), &st)
	}
	if st.NameMemoHits != 2 {
		t.Fatalf("hits %d, want 2", st.NameMemoHits)
	}
}
