package borderwatch

import (
	"math"
	"net/netip"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"
)

// The encoders in event_json.go (Event.AppendJSON and one appendJSON per type) are generated
// from the struct definitions; the generator imports this package, so the old file is removed
// first.
//go:generate sh -c "rm -f event_json.go && go run ./internal/jsongen/cmd -o event_json.go"

const hex = "0123456789abcdef"

// plain marks the bytes that appendString copies unchanged: printable ASCII other than the
// quote and the backslash. Anything else (control characters, quotes, backslashes, and every
// byte of a multi-byte UTF-8 sequence) takes the slow path.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// SWAR constants: one byte repeated over a word.
const (
	lsb64 = 0x0101010101010101
	msb64 = 0x8080808080808080
)

// cleanWord reports whether none of the eight bytes of w needs escaping: no byte below 0x20,
// no '"', no '\\', no byte at or above 0x80. Each test sets the high bit of a byte that
// matches (hasless and haszero of "Bit Twiddling Hacks"; exact as a yes/no answer).
func cleanWord(w uint64) bool {
	q, bs := w^('"'*lsb64), w^('\\'*lsb64) // zero bytes where w has '"' or '\\'
	ctl := (w - 0x20*lsb64) &^ w           // bytes below 0x20
	quote := (q - lsb64) &^ q
	bslash := (bs - lsb64) &^ bs
	return (ctl|quote|bslash|w)&msb64 == 0 // w: bytes at or above 0x80
}

// cleanRun returns the index of the first byte of s at or after i that needs escaping (or
// len(s)): sixteen bytes at a time (SSE2, on amd64) while sixteen are left, otherwise eight
// at a time while it can.
func cleanRun(s string, i int) int {
	if haveCleanPrefix && len(s)-i >= 16 {
		return i + cleanPrefix(unsafe.StringData(s[i:]), len(s)-i)
	}
	for ; i+8 <= len(s); i += 8 {
		t := s[i : i+8] // one bounds check; the loads below merge into one
		w := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		if !cleanWord(w) {
			break
		}
	}
	if i < len(s) && len(s)-i < 8 && len(s) >= 8 {
		// the last bytes, as the eight that end s: those before i are known to be clean
		t := s[len(s)-8:]
		w := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		if cleanWord(w) {
			return len(s)
		}
	}
	for i < len(s) && plain[s[i]] {
		i++
	}
	return i
}

// appendString appends s as a JSON string the way encoding/json does without HTML escaping:
// quotes, backslashes and control characters escaped (\b \f \n \r \t in short form), invalid
// UTF-8 replaced by \ufffd, and U+2028/U+2029 escaped. Runs that need no escaping are found
// eight bytes at a time and copied in one append.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	// Fast path: most strings (names, addresses, cipher suites) need no escaping at all.
	i := cleanRun(s, 0)
	if i == len(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i = cleanRun(s, i+1)
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendBool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

func appendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

func appendUint(b []byte, v uint64) []byte { return strconv.AppendUint(b, v, 10) }

// appendFloat formats like encoding/json: shortest representation, exponent form only for
// very small or very large magnitudes. NaN and infinities, which JSON cannot carry, become null.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendTime formats like time.Time.MarshalJSON (RFC 3339 with nanoseconds as needed).
func appendTime(b []byte, t time.Time) []byte {
	if t.Location() != time.UTC {
		b = append(b, '"')
		b = t.AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	}
	// UTC, as every event time is: the RFC 3339 digits written directly (AppendFormat parses
	// its layout on every call), the fraction without trailing zeros, "Z".
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		b = append(b, '"')
		b = t.AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	}
	h, mi, sec := t.Clock()
	b = append(b, '"', byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+mo/10), byte('0'+mo%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+sec/10), byte('0'+sec%10))
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, 'Z', '"')
}

// appendAddr formats like netip.Addr.MarshalText: the zero Addr is "".
func appendAddr(b []byte, a netip.Addr) []byte {
	b = append(b, '"')
	if a.IsValid() {
		b = a.AppendTo(b)
	}
	return append(b, '"')
}

// appendStringMap writes a map with its keys sorted, as encoding/json does.
func appendStringMap(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}
