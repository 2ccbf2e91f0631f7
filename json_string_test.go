package borderwatch

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// stdString is encoding/json's quoting of s without HTML escaping.
func stdString(t testing.TB, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// Every byte that needs escaping, at every position of strings long enough to take the
// sixteen- and eight-bytes-at-a-time paths several times, with clean text around it.
func TestAppendStringPositions(t *testing.T) {
	specials := []string{"\"", "\\", "\x00", "\x1f", "\n", "\t", "\x7f", "<", ">", "&", "\xff", "\xe2\x80\xa8", "\xe2\x80\xa9", "ü", "😀", "\xc3", " ", "~", "!", "#", "\x20", "\x21"}
	for _, sp := range specials {
		for n := 0; n <= 52; n++ {
			for pos := 0; pos <= n; pos++ {
				s := strings.Repeat("a", pos) + sp + strings.Repeat("b", n-pos)
				if got, want := appendString([]byte("x"), s), append([]byte("x"), stdString(t, s)...); !bytes.Equal(got, want) {
					t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
				}
			}
		}
	}
	for n := 0; n <= 40; n++ {
		s := strings.Repeat("TLS_AES_", 6)[:n]
		if got, want := appendString(nil, s), stdString(t, s); !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

// TestCleanRun checks cleanRun (and the sixteen-byte blocks under it) against a byte-by-byte
// scan for every byte value at every position of a 50-byte string, from every start.
func TestCleanRun(t *testing.T) {
	needs := func(c byte) bool { return c < 0x20 || c == '"' || c == '\\' || c >= 0x80 }
	base := []byte(strings.Repeat("abcdefghij", 5))
	for c := 0; c < 256; c++ {
		for pos := 0; pos < len(base); pos++ {
			b := bytes.Clone(base)
			b[pos] = byte(c)
			s := string(b)
			for start := 0; start <= len(s); start++ {
				want := start
				for want < len(s) && !needs(s[want]) {
					want++
				}
				if got := cleanRun(s, start); got != want {
					t.Fatalf("byte %#x at %d, from %d: cleanRun = %d, want %d", c, pos, start, got, want)
				}
			}
		}
	}
}

// FuzzAppendString checks appendString against encoding/json byte for byte.
func FuzzAppendString(f *testing.F) {
	f.Add("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
	f.Add("a\"b\\c\n\x00\x7f\u2028ü😀\xff")
	f.Add(strings.Repeat("x", 17) + "\x1f" + strings.Repeat("y", 9))
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := appendString(nil, s), stdString(t, s); !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// BenchmarkAppendString quotes the strings of a TLS session event (cipher-suite names,
// domains, fingerprints: no escaping needed, and one message with a quote), and an Okta
// record as event.original keeps it (a JSON document: a quote every ten bytes or so).
func BenchmarkAppendString(b *testing.B) {
	session := []string{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
		"TLS_AES_256_GCM_SHA384", "www.example.com", "t13d1516h2_8daaf6152771_02713d6af862", "h2",
		"771,4865-4866-4867-49195-49199-49196-49200,0-23-65281-10-11-35-16-5-13-18-51-45-43-27-21,29-23-24,0",
		"tcp/tls session 10.1.0.10:50001 -> 198.51.100.10:443 (www.example.com): 14 packets, 5234 bytes",
		"user \"frank\" logged in"}
	record, err := os.ReadFile("logs/okta/testdata/okta.ndjson")
	if err != nil {
		b.Fatal(err)
	}
	original := []string{string(bytes.SplitN(record, []byte("\n"), 3)[1])}
	for _, bc := range []struct {
		name string
		strs []string
	}{{"session", session}, {"original", original}} {
		b.Run(bc.name, func(b *testing.B) {
			n := 0
			for _, s := range bc.strs {
				n += len(s)
			}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			buf := make([]byte, 0, 8192)
			for b.Loop() {
				buf = buf[:0]
				for _, s := range bc.strs {
					buf = appendString(buf, s)
				}
			}
		})
	}
}
