package app

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
)

// directMapped is a bounded table of entries placed by a seeded hash of their key: a key has
// one place, and a new key takes it from whatever entry was there. The zero value is ready;
// the entries are allocated on first use. Not safe for concurrent use.
type directMapped[E any] struct {
	seed    maphash.Seed
	entries []E
}

// at returns the place of key in a table of size entries (size is the same on every call).
func (t *directMapped[E]) at(key []byte, size int) *E {
	if t.entries == nil {
		t.entries = make([]E, size)
		t.seed = maphash.MakeSeed()
	}
	return &t.entries[maphash.Bytes(t.seed, key)%uint64(size)]
}

// helloMemoSize bounds the fingerprints an Analyzer remembers.
const helloMemoSize = 512

// helloMemo remembers the JA3, JA4 and offered cipher names of recent ClientHellos, keyed by
// every field those depend on (GREASE values left out, as the fingerprints leave them out).
// The hellos of one client program differ only in random, session id, key shares, GREASE
// and server name, so a repeated client costs a hash and a comparison instead of an MD5, two
// SHA-256 and a name lookup per suite. Direct-mapped and bounded; the zero value is ready.
// Not safe for concurrent use (each Analyzer has its own).
type helloMemo struct {
	directMapped[helloEntry]
	key []byte // scratch
}

type helloEntry struct {
	key      []byte
	ja3, ja4 string
	ciphers  []string // shared by every event with this hello: never modified
}

// appendHelloKey appends what JA3, JA4 and the cipher names are computed from.
func appendHelloKey(b []byte, ch *ClientHello, transport byte) []byte {
	b = append(b, transport)
	b = binary.BigEndian.AppendUint16(b, ch.LegacyVersion)
	b = binary.BigEndian.AppendUint16(b, ch.MaxVersion())
	if ch.ServerName != "" {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	for _, l := range [...][]uint16{ch.Ciphers, ch.Extensions, ch.Curves, ch.SignatureAlgs} {
		n := 0
		for _, v := range l {
			if !IsGREASE(v) {
				n++
			}
		}
		b = binary.BigEndian.AppendUint16(b, uint16(n))
		for _, v := range l {
			if !IsGREASE(v) {
				b = binary.BigEndian.AppendUint16(b, v)
			}
		}
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(ch.PointFormats)))
	b = append(b, ch.PointFormats...)
	if len(ch.ALPN) > 0 {
		b = binary.BigEndian.AppendUint16(b, uint16(len(ch.ALPN[0])))
		b = append(b, ch.ALPN[0]...)
	} else {
		b = append(b, 0xff, 0xff)
	}
	return b
}

// lookup returns the fingerprints of ch, computing and remembering them on a miss; hit says
// whether they were remembered, evicted whether a different hello was forgotten for them.
func (m *helloMemo) lookup(ch *ClientHello, transport byte) (e *helloEntry, hit, evicted bool) {
	m.key = appendHelloKey(m.key[:0], ch, transport)
	e = m.at(m.key, helloMemoSize)
	if e.key != nil && bytes.Equal(e.key, m.key) {
		return e, true, false
	}
	evicted = e.key != nil
	*e = helloEntry{key: bytes.Clone(m.key), ja3: ch.JA3(), ja4: ch.JA4(transport), ciphers: CipherNames(ch.Ciphers)}
	return e, false, evicted
}

// nameMemoSize bounds the names (SNI, DNS) an Analyzer remembers cleaned.
const nameMemoSize = 256

// nameMemo remembers the cleaned strings of recent server and DNS names, keyed by their raw
// bytes: clients ask for the same names again and again, and a remembered name costs a hash
// and a comparison instead of a new string. Names longer than 255 bytes are not remembered.
// Direct-mapped and bounded; the zero value is ready; a nil *nameMemo cleans every name
// anew. Not safe for concurrent use.
type nameMemo struct {
	directMapped[nameEntry]
}

type nameEntry struct{ raw, clean string }

// clean returns cleanName(b), remembered or computed; it counts hits and evictions in st.
func (m *nameMemo) clean(b []byte, st *Stats) string {
	if m == nil || len(b) > 255 || len(b) == 0 {
		return cleanName(b)
	}
	e := m.at(b, nameMemoSize)
	if e.raw != "" && e.raw == string(b) {
		st.NameMemoHits++
		return e.clean
	}
	if e.raw != "" {
		st.NameMemoEvicted++
	}
	clean := cleanName(b)
	raw := clean
	if len(raw) != len(b) || raw != string(b) {
		raw = string(b)
	}
	*e = nameEntry{raw: raw, clean: clean}
	return clean
}

// serverMemoSize bounds the JA3S fingerprints an Analyzer remembers.
const serverMemoSize = 64

// serverMemo remembers the JA3S of recent ServerHellos, keyed by the JA3S input string
// (version, cipher, extensions): a server answers every client of one kind alike.
// Direct-mapped and bounded; the zero value is ready. Not safe for concurrent use.
type serverMemo struct {
	directMapped[serverEntry]
	in []byte // scratch
}

type serverEntry struct {
	in, ja3s string
}

// lookup returns the JA3S of sh, computing and remembering it on a miss.
func (m *serverMemo) lookup(sh *ServerHello) (ja3s string, hit, evicted bool) {
	m.in = sh.appendJA3S(m.in[:0])
	e := m.at(m.in, serverMemoSize)
	if e.ja3s != "" && e.in == string(m.in) {
		return e.ja3s, true, false
	}
	evicted = e.ja3s != ""
	*e = serverEntry{in: string(m.in), ja3s: ja3sOf(m.in)}
	return e.ja3s, false, evicted
}
