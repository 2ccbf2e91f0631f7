package okta

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// A scanner walks one JSON document in place without building a tree: it validates the
// syntax as fastjson does (so a document it accepts fastjson accepts too, with the same
// values) and returns the extents of the few members the parser reads. Anything it is not
// sure of (a key with an escape, a number spelled inf or nan, deep nesting) marks the
// document bad and the parser falls back to fastjson.

// kind is the JSON type of a scanned value; kMissing for a member that is not there.
type kind uint8

const (
	kMissing kind = iota
	kString
	kNumber
	kTrue
	kFalse
	kNull
	kObject
	kArray
)

// jv is a scanned value: d[s:e] is the string between its quotes, or the whole token of
// any other kind (brackets included).
type jv struct {
	s, e int
	k    kind
	esc  bool // a string with a backslash in it
}

// maxDepth bounds nesting; deeper documents go to fastjson (which allows 300).
const maxDepth = 64

type scanner struct {
	d   []byte
	q   []uint64 // d's quote bitmap when d holds no backslash (see markQuotes), else nil
	bad bool
}

func (sc *scanner) ws(i int) int {
	for i < len(sc.d) {
		c := sc.d[i]
		if c > ' ' { // most calls: no space at all
			return i
		}
		switch c {
		case ' ', '\n', '\t', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// str returns the index of the quote that closes the string starting at i (just after its
// opening quote), or -1, and whether the string holds a backslash. A backslash escapes the byte after it, as in fastjson's
// parseRawString (which counts the backslashes before each quote). With a quote bitmap the
// answer is its next set bit; without one, eight bytes at a time are tested for a quote or a
// backslash.
func (sc *scanner) str(i int) (end int, esc bool) {
	if sc.q != nil {
		return nextQuote(sc.q, i), false
	}
	d := sc.d
	for i+8 <= len(d) {
		x := binary.LittleEndian.Uint64(d[i:])
		q, bs := x^(lo*'"'), x^(lo*'\\')
		// The lowest bit set marks the first quote or backslash exactly (a borrow can
		// only mark bytes above a true match).
		m := (q-lo)&^q&hi | (bs-lo)&^bs&hi
		if m == 0 {
			i += 8
			continue
		}
		i += bits.TrailingZeros64(m) / 8
		if d[i] == '"' {
			return i, esc
		}
		i, esc = i+2, true // a backslash and the byte it escapes
	}
	for ; i < len(d); i++ {
		switch d[i] {
		case '"':
			return i, esc
		case '\\':
			i, esc = i+1, true
		}
	}
	return -1, esc
}

// Constants of the eight-bytes-at-a-time test for a zero byte.
const (
	lo = 0x0101010101010101
	hi = 0x8080808080808080
)

func isNum(c byte) bool {
	return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == 'e' || c == 'E' || c == '+'
}

// A spec names the members to find in an object: the first occurrence of keys[n] is stored
// in out[base+n], and when sub[n] is set and the value is an object (or an array, see elem),
// its members too. When the value a spec is given is an array instead, elem[k] is the spec of
// its element k (the first len(elem) elements), and each of those elements is stored in
// out[elem[k].self].
type spec struct {
	keys []string
	sub  []*spec
	base int
	elem []*spec
	self int
	// byHash[keyHash(key)] has bit n set when keyHash(keys[n]) is the same: only those keys
	// are compared. Filled by index.
	byHash [64]uint32
}

// index fills byHash for sp and the specs under it; it panics on a spec of more than 32 keys
// (a programming error, caught by the package's tests).
func (sp *spec) index() *spec {
	if len(sp.keys) > 32 {
		panic("okta: spec with more than 32 keys")
	}
	for n, k := range sp.keys {
		if k == "" {
			panic("okta: spec with an empty key")
		}
		sp.byHash[keyHash(k)] |= 1 << n
	}
	for _, sub := range sp.sub {
		if sub != nil {
			sub.index()
		}
	}
	for _, e := range sp.elem {
		e.index()
	}
	return sp
}

// keyHash mixes a non-empty key's length and last byte: most keys of one object differ there.
func keyHash[S string | []byte](key S) int {
	return (len(key)*5 + int(key[len(key)-1])) & 63
}

// slot returns n for key == keys[n], or -1.
func (sp *spec) slot(key []byte) int {
	if len(key) == 0 {
		return -1
	}
	for m := sp.byHash[keyHash(key)]; m != 0; m &= m - 1 {
		n := bits.TrailingZeros32(m)
		if string(key) == sp.keys[n] {
			return n
		}
	}
	return -1
}

// value scans the value at i (no leading space) and returns it and the index after it.
// With sp set and the value an object, the members sp names are stored in out.
func (sc *scanner) value(i, depth int, sp *spec, out []jv) (jv, int) {
	d := sc.d
	if i >= len(d) || depth > maxDepth {
		sc.bad = true
		return jv{}, i
	}
	switch c := d[i]; {
	case c == '{':
		end := sc.object(i+1, depth+1, sp, out)
		return jv{s: i, e: end, k: kObject}, end
	case c == '[':
		var elem []*spec
		if sp != nil {
			elem = sp.elem
		}
		end := sc.array(i+1, depth+1, elem, out)
		return jv{s: i, e: end, k: kArray}, end
	case c == '"':
		end, esc := sc.str(i + 1)
		if end < 0 {
			sc.bad = true
			return jv{}, len(d)
		}
		return jv{i + 1, end, kString, esc}, end + 1
	case c == 't':
		return sc.lit(i, "true", kTrue)
	case c == 'f':
		return sc.lit(i, "false", kFalse)
	case c == 'n':
		return sc.lit(i, "null", kNull)
	case (c >= '0' && c <= '9') || c == '-':
		j := i + 1
		for j < len(d) && isNum(d[j]) {
			j++
		}
		if c == '-' && j == i+1 {
			sc.bad = true // "-inf", "-nan" or an error: fastjson decides
		}
		return jv{s: i, e: j, k: kNumber}, j
	}
	sc.bad = true
	return jv{}, i
}

func (sc *scanner) lit(i int, word string, k kind) (jv, int) {
	if !bytes.HasPrefix(sc.d[i:], []byte(word)) {
		sc.bad = true
		return jv{}, i
	}
	return jv{s: i, e: i + len(word), k: k}, i + len(word)
}

// object scans members from i (after '{') and returns the index after the closing brace.
// Strings, the most common values, are read here rather than through value, and keys and
// strings look up the quote bitmap inline (nextQuote) instead of through str, which is too
// large to inline: calling str in both places costs 5.7 % more instructions per scan.
func (sc *scanner) object(i, depth int, sp *spec, out []jv) int {
	d := sc.d
	i = sc.ws(i)
	if i < len(d) && d[i] == '}' {
		return i + 1
	}
	if depth > maxDepth { // value refuses a member this deep
		sc.bad = true
		return len(d)
	}
	q := sc.q
	for {
		if i >= len(d) || d[i] != '"' {
			break
		}
		var ke int
		var esc bool
		if q != nil {
			ke = nextQuote(q, i+1)
		} else {
			ke, esc = sc.str(i + 1)
		}
		if ke < 0 {
			break
		}
		j := ke + 1
		if j >= len(d) || d[j] != ':' {
			if j = sc.ws(j); j >= len(d) || d[j] != ':' {
				break
			}
		}
		if j++; j < len(d) && d[j] <= ' ' {
			j = sc.ws(j)
		}
		if j >= len(d) {
			break
		}
		slot := -1
		if sp != nil {
			if esc {
				break // fastjson unescapes keys before comparing
			}
			if n := sp.slot(d[i+1 : ke]); n >= 0 && out[sp.base+n].k == kMissing {
				slot = n
			}
		}
		var v jv
		if d[j] == '"' {
			var e int
			var esc bool
			if q != nil {
				e = nextQuote(q, j+1)
			} else {
				e, esc = sc.str(j + 1)
			}
			if e < 0 {
				break
			}
			v, i = jv{j + 1, e, kString, esc}, e+1
		} else {
			var sub *spec
			if slot >= 0 && sp.sub != nil {
				sub = sp.sub[slot]
			}
			if v, i = sc.value(j, depth, sub, out); sc.bad {
				return len(d)
			}
		}
		if slot >= 0 {
			out[sp.base+slot] = v
		}
		if i < len(d) && d[i] <= ' ' {
			i = sc.ws(i)
		}
		if i >= len(d) {
			break
		}
		if d[i] == ',' {
			if i++; i < len(d) && d[i] <= ' ' {
				i = sc.ws(i)
			}
			continue
		}
		if d[i] == '}' {
			return i + 1
		}
		break
	}
	sc.bad = true
	return len(d)
}

// array scans elements from i (after '[') and returns the index after the closing bracket.
// Element k < len(elem) is scanned with the spec elem[k] and stored in out[elem[k].self].
func (sc *scanner) array(i, depth int, elem []*spec, out []jv) int {
	d := sc.d
	i = sc.ws(i)
	if i < len(d) && d[i] == ']' {
		return i + 1
	}
	for k := 0; !sc.bad; k++ {
		var next int
		if k < len(elem) {
			out[elem[k].self], next = sc.value(i, depth, elem[k], out)
		} else {
			_, next = sc.value(i, depth, nil, nil)
		}
		i = sc.ws(next)
		if i >= len(d) {
			break
		}
		switch d[i] {
		case ',':
			i = sc.ws(i + 1)
			continue
		case ']':
			return i + 1
		}
		break
	}
	sc.bad = true
	return len(d)
}

// fields stores in out the members keys of the already scanned object v (all missing when
// v is not an object).
func (sc *scanner) fields(v jv, keys []string, out []jv) {
	clear(out)
	if v.k != kObject {
		return
	}
	sp := spec{keys: keys}
	for n, k := range keys {
		sp.byHash[keyHash(k)] |= 1 << n
	}
	sc.object(v.s+1, 1, &sp, out)
}

// elems calls fn for each element of the already scanned array v.
func (sc *scanner) elems(v jv, fn func(jv) bool) {
	if v.k != kArray {
		return
	}
	d := sc.d
	i := sc.ws(v.s + 1)
	if i < len(d) && d[i] == ']' {
		return
	}
	for !sc.bad {
		e, next := sc.value(i, 1, nil, nil)
		if !fn(e) {
			return
		}
		i = sc.ws(next)
		if i >= len(d) || d[i] != ',' {
			return
		}
		i = sc.ws(i + 1)
	}
}
