package logs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"
)

// Helpers for the JSON parsers, built on github.com/valyala/fastjson. Values returned by a
// fastjson.Parser live until its next Parse; these helpers copy what they return.

// JSONString returns the string at keys, copied; "" when it is missing, null or not a string.
// Numbers and booleans are returned in their JSON spelling, since vendors are not consistent.
func JSONString(v *fastjson.Value, keys ...string) string {
	if v == nil {
		return ""
	}
	x := v.Get(keys...)
	if x == nil {
		return ""
	}
	switch x.Type() {
	case fastjson.TypeString:
		b, _ := x.StringBytes()
		return string(b)
	case fastjson.TypeNumber:
		return x.String()
	case fastjson.TypeTrue:
		return "true"
	case fastjson.TypeFalse:
		return "false"
	}
	return ""
}

// JSONBool returns the boolean at keys: true/false, or the strings "true"/"false" (any
// case). ok is false when the value is missing or neither.
func JSONBool(v *fastjson.Value, keys ...string) (b, ok bool) {
	x := v.Get(keys...)
	if x == nil {
		return false, false
	}
	switch x.Type() {
	case fastjson.TypeTrue:
		return true, true
	case fastjson.TypeFalse:
		return false, true
	case fastjson.TypeString:
		s, _ := x.StringBytes()
		switch strings.ToLower(string(s)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// JSONUint returns the non-negative integer at keys, written as a number or a string.
func JSONUint(v *fastjson.Value, keys ...string) (uint64, bool) {
	x := v.Get(keys...)
	if x == nil {
		return 0, false
	}
	switch x.Type() {
	case fastjson.TypeNumber:
		n, err := x.Uint64()
		return n, err == nil
	case fastjson.TypeString:
		s, _ := x.StringBytes()
		n, err := strconv.ParseUint(strings.TrimSpace(string(s)), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// JSONFloat returns the number at keys, written as a number or a string.
func JSONFloat(v *fastjson.Value, keys ...string) (float64, bool) {
	x := v.Get(keys...)
	if x == nil {
		return 0, false
	}
	switch x.Type() {
	case fastjson.TypeNumber:
		f, err := x.Float64()
		return f, err == nil
	case fastjson.TypeString:
		s, _ := x.StringBytes()
		f, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64)
		return f, err == nil
	}
	return 0, false
}

// ErrNoTime marks a record without the timestamp its format requires.
var ErrNoTime = errors.New("no timestamp")

// ParseTime reads the timestamps JSON sources write: RFC 3339 with or without fractions
// ("2024-03-01T10:00:00.123Z"), and the same without a zone ("2024-03-01T10:00:00", as in
// Microsoft 365), which is taken in loc (UTC when nil). The result is in UTC.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, ErrNoTime
	}
	if t, year, ok := parseUTC(s); ok {
		if yearInRange(year) {
			return t, nil
		}
		return checkYear(t, s)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return checkYear(t.UTC(), s)
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return checkYear(t.UTC(), s)
		}
	}
	return time.Time{}, fmt.Errorf("bad timestamp %q", s)
}

// parseUTC reads the commonest spelling, "2006-01-02T15:04:05Z" with 0 to 9 digits of
// fraction, as time.Parse(time.RFC3339Nano) does but without its generality, and the year it
// read; ok is false for anything else (time.Parse decides then).
func parseUTC(s string) (t time.Time, year int, ok bool) {
	if len(s) < 20 || len(s) > 30 || s[len(s)-1] != 'Z' ||
		s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, 0, false
	}
	num := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			c := s[i] - '0'
			if c > 9 {
				return -1
			}
			n = n*10 + int(c)
		}
		return n
	}
	year, month, day := num(s[0:4]), num(s[5:7]), num(s[8:10])
	hour, minute, sec := num(s[11:13]), num(s[14:16]), num(s[17:19])
	if year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(time.Month(month), year) ||
		hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, 0, false
	}
	nsec := 0
	if frac := s[19 : len(s)-1]; frac != "" {
		if len(frac) < 2 || frac[0] != '.' {
			return time.Time{}, 0, false
		}
		if nsec = num(frac[1:]); nsec < 0 {
			return time.Time{}, 0, false
		}
		for range 10 - len(frac) {
			nsec *= 10
		}
	}
	// time.Unix of the civil date's day number: time.Date's general path (normalization,
	// zone lookup) is not needed for a valid UTC date.
	secs := unixDays(year, month, day)*86400 + int64(hour*3600+minute*60+sec)
	return time.Unix(secs, int64(nsec)).UTC(), year, true
}

// unixDays is the number of days from 1970-01-01 to the proleptic Gregorian date year-month-day
// (year 0-9999, month and day valid), after Hinnant's days_from_civil.
func unixDays(year, month, day int) int64 {
	if month <= 2 {
		year--
	}
	era := year / 400
	if year < 0 {
		era = (year - 399) / 400
	}
	yoe := year - era*400
	doy := (153*((month+9)%12)+2)/5 + day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func daysIn(m time.Month, year int) int {
	if m == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 31 - int(m-1)%7%2
}

// checkYear refuses times no log can carry (and that JSON output could not represent).
// yearInRange says whether a timestamp's year y is one borderwatch accepts.
func yearInRange(y int) bool { return y >= 1970 && y <= 2200 }

func checkYear(t time.Time, s string) (time.Time, error) {
	if !yearInRange(t.Year()) {
		return time.Time{}, fmt.Errorf("timestamp %q is outside 1970-2200", s)
	}
	return t, nil
}

// EachDocument calls fn for every document in v: v itself, the elements of v when it is an
// array (an API page), or the elements of the first wrapper key holding an array
// ({"Records":[...]}, {"records":[...]}, {"value":[...]}, {"items":[...]}). An empty
// wrapper is ErrSkip.
func EachDocument(v *fastjson.Value, wrappers []string, fn func(*fastjson.Value) error) error {
	switch v.Type() {
	case fastjson.TypeArray:
		arr, _ := v.Array()
		return EachElement(arr, fn)
	case fastjson.TypeObject:
		for _, k := range wrappers {
			if w := v.Get(k); w != nil && w.Type() == fastjson.TypeArray {
				arr, _ := w.Array()
				return EachElement(arr, fn)
			}
		}
		return fn(v)
	}
	return fmt.Errorf("want a JSON object, got %s", v.Type())
}

// EachElement calls fn for each object in arr. Elements fn skips (ErrSkip) are left out
// quietly unless every element is skipped; other failures are joined with their index.
func EachElement(arr []*fastjson.Value, fn func(*fastjson.Value) error) error {
	if len(arr) == 0 {
		return fmt.Errorf("empty array: %w", ErrSkip)
	}
	var errs []error
	skipped := 0
	for i, e := range arr {
		if e.Type() != fastjson.TypeObject {
			errs = append(errs, fmt.Errorf("element %d: want a JSON object, got %s", i, e.Type()))
			continue
		}
		if err := fn(e); err != nil {
			if errors.Is(err, ErrSkip) {
				skipped++
				continue
			}
			errs = append(errs, fmt.Errorf("element %d: %w", i, err))
		}
	}
	if skipped == len(arr) {
		return fmt.Errorf("%d elements: %w", skipped, ErrSkip)
	}
	return errors.Join(errs...)
}

// Interner deduplicates strings that repeat from record to record (event types, user agents,
// places, organizations) so that a parser allocates each distinct value once. It holds at
// most Max entries (default 8192) of at most 256 bytes; when full it starts over and counts
// that in Resets. A direct-mapped table of the last recentSize strings looked up answers most
// calls before the map is hashed. The zero value is ready to use; an Interner is not safe for
// concurrent use.
type Interner struct {
	Max    int
	Resets uint64
	m      map[string]string
	recent *[recentSize]string // strings also in m, each at its slot (recentSlot)
}

const recentSize = 1024

// recentSlot hashes b's length and its first and last eight bytes (b is not empty).
func recentSlot(b []byte) int {
	n := len(b)
	var x uint64
	if n >= 8 {
		x = binary.LittleEndian.Uint64(b) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(b[n-8:]), 29)
	} else {
		for _, c := range b {
			x = x<<8 | uint64(c)
		}
	}
	x ^= uint64(n)
	return int((x * 0x9e3779b97f4a7c15) >> (64 - 10)) // 10 bits: recentSize
}

// Bytes returns b as a string, shared with earlier calls for the same bytes.
func (in *Interner) Bytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > 256 {
		return string(b)
	}
	slot := recentSlot(b)
	if in.recent != nil {
		if s := in.recent[slot]; s == string(b) {
			return s
		}
	}
	if s, ok := in.m[string(b)]; ok {
		in.recent[slot] = s // m is only filled together with recent
		return s
	}
	max := in.Max
	if max <= 0 {
		max = 8192
	}
	if in.m == nil || len(in.m) >= max {
		if in.m != nil {
			in.Resets++
		}
		in.m = make(map[string]string, min(max, 1024))
		if in.recent == nil {
			in.recent = new([recentSize]string)
		}
		clear(in.recent[:])
	}
	s := string(b)
	in.m[s] = s
	in.recent[slot] = s
	return s
}

// String returns s, or the equal string stored earlier (so that s's memory can be freed).
func (in *Interner) String(s string) string {
	if len(s) == 0 || len(s) > 256 {
		return s
	}
	if t, ok := in.m[s]; ok {
		return t
	}
	return in.Bytes([]byte(s))
}

// JSON is JSONString with interning: the string at keys, "" when missing or not a string.
// Numbers and booleans are returned in their JSON spelling.
func (in *Interner) JSON(v *fastjson.Value, keys ...string) string {
	x := v.Get(keys...)
	if x == nil {
		return ""
	}
	if x.Type() == fastjson.TypeString {
		b, _ := x.StringBytes()
		return in.Bytes(b)
	}
	return JSONString(x)
}
