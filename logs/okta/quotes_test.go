package okta

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// naiveQuotes is the bitmap and backslash flag computed one byte at a time.
func naiveQuotes(d []byte) ([]uint64, bool) {
	q := make([]uint64, (len(d)+63)/64)
	for i, c := range d {
		if c == '"' {
			q[i/64] |= 1 << (i % 64)
		}
	}
	return q, bytes.IndexByte(d, '\\') >= 0
}

func checkQuotes(t *testing.T, d []byte) {
	t.Helper()
	want, wantBS := naiveQuotes(d)
	got := make([]uint64, len(want))
	if bs := markQuotes(d, got); bs != wantBS {
		t.Fatalf("%q: backslash %v, want %v", d, bs, wantBS)
	}
	for w := range want {
		if got[w] != want[w] {
			t.Fatalf("%q: word %d = %#x, want %#x", d, w, got[w], want[w])
		}
	}
	full := len(d) / 64
	gen := make([]uint64, full)
	if bs := markBlocksGeneric(d[:full*64], gen); (bs != 0) != (bytes.IndexByte(d[:full*64], '\\') >= 0) {
		t.Fatalf("%q: generic backslash %v", d, bs != 0)
	}
	for w := range gen {
		if gen[w] != want[w] {
			t.Fatalf("%q: generic word %d = %#x, want %#x", d, w, gen[w], want[w])
		}
	}
	if wantBS {
		return
	}
	// Without a backslash the bitmap answers str exactly as the byte walk does.
	sc := scanner{d: d, q: got}
	for i := 0; i <= len(d); i++ {
		if end, esc := sc.str(i); end != strPlain(d, i) || esc {
			t.Fatalf("%q from %d: %d %v, want %d false", d, i, end, esc, strPlain(d, i))
		}
	}
}

func TestMarkQuotes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte(`"\ab{}:,x` + "\x00\xff\x22\x5c")
	for _, n := range []int{0, 1, 7, 63, 64, 65, 127, 128, 129, 200, 1000} {
		for range 50 {
			d := make([]byte, n)
			for i := range d {
				if r.IntN(4) == 0 {
					d[i] = alphabet[r.IntN(len(alphabet))]
				} else {
					d[i] = 'a' + byte(r.IntN(26))
				}
			}
			checkQuotes(t, d)
			checkQuotes(t, bytes.ReplaceAll(d, []byte(`\`), []byte("/")))
		}
	}
	// Quotes in every position of a block, including the first and last bits of a word.
	d := bytes.Repeat([]byte{'"'}, 192)
	checkQuotes(t, d)
}

func FuzzMarkQuotes(f *testing.F) {
	for _, s := range []string{``, `"`, `{"a":"b"}`, `\"`, string(bytes.Repeat([]byte(`ab"c`), 40))} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, d []byte) { checkQuotes(t, d) })
}
