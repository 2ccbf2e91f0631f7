package syslog

import "time"

// Clock turns the stamps that syslog senders write into UTC times. Year is used for stamps
// without a year (0: infer it from the received time); Location for stamps without a zone
// (nil: UTC).
//
// Inference: a stamp without a year gets the received time's year, except that a stamp
// more than a day after the received time belongs to the year before (a December line read
// in January), and one that would be within a day after it in the following year belongs
// to that year (a sender whose clock runs slightly ahead at New Year). Without a received
// time the current time is used.
//
// The zero value is ready to use; a Clock is safe for concurrent use.
type Clock struct {
	Year     int
	Location *time.Location
}

func (c *Clock) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// Stamps outside these years are not taken for stamps (and stay printable as RFC 3339).
const (
	minYear = 1970
	maxYear = 9998
)

// Date returns the time of a stamp without a year.
func (c *Clock) Date(month time.Month, day, hour, min, sec, nsec int, received time.Time) time.Time {
	loc := c.loc()
	if c.Year != 0 {
		return time.Date(c.Year, month, day, hour, min, sec, nsec, loc).UTC()
	}
	ref := received
	if ref.IsZero() {
		ref = time.Now()
	}
	y := ref.In(loc).Year()
	t := time.Date(y, month, day, hour, min, sec, nsec, loc)
	if t.Sub(ref) > 24*time.Hour {
		t = time.Date(y-1, month, day, hour, min, sec, nsec, loc)
	} else if n := time.Date(y+1, month, day, hour, min, sec, nsec, loc); n.Sub(ref) <= 24*time.Hour {
		t = n
	}
	return t.UTC()
}

// ParseStamp reads a time stamp at the start of b and returns it in UTC with the rest of b
// after it. It understands:
//
//	Nov 22 10:15:02            RFC 3164 (day may be space-padded; optional .fraction)
//	Nov 22 2026 10:15:02       Cisco with the year
//	Sun Nov 22 10:15:02 2026   ctime, as in OpenVPN log files
//	2026-11-22T10:15:02.123Z   RFC 3339 / ISO 8601, zone optional, "T" or a space
//	2026/11/22 10:15:02        PAN-OS and others
//
// Each may be followed by " UTC" or " GMT". A leading '*' or '.' (Cisco clock state) is
// skipped. Stamps without a zone are read in the Clock's location.
func (c *Clock) ParseStamp(b []byte, received time.Time) (time.Time, []byte, bool) {
	if len(b) > 0 && (b[0] == '*' || b[0] == '.') {
		b = b[1:]
	}
	if len(b) < 14 {
		return time.Time{}, b, false
	}
	if isDigit(b[0]) {
		return c.parseNumeric(b)
	}
	// Optional weekday: "Sun ".
	if len(b) > 4 && b[3] == ' ' && weekday(b[:3]) {
		t, rest, ok := c.parseMonthFirst(b[4:], received)
		return t, rest, ok
	}
	return c.parseMonthFirst(b, received)
}

// parseMonthFirst reads "Nov 22 10:15:02[.f][ 2026]" or "Nov 22 2026 10:15:02[.f]".
func (c *Clock) parseMonthFirst(b []byte, received time.Time) (time.Time, []byte, bool) {
	var zero time.Time
	if len(b) < 15 || b[3] != ' ' {
		return zero, b, false
	}
	mon := month(b[:3])
	if mon == 0 {
		return zero, b, false
	}
	i := 4
	if b[i] == ' ' {
		i++
	}
	day, n := digits(b[i:], 2)
	if n == 0 || day < 1 || day > 31 {
		return zero, b, false
	}
	i += n
	if i >= len(b) || b[i] != ' ' {
		return zero, b, false
	}
	i++
	year := 0
	if y, n := digits(b[i:], 4); n == 4 && i+n < len(b) && b[i+n] == ' ' {
		year = y
		i += 5
	}
	hh, mm, ss, nsec, n, ok := clockTime(b[i:])
	if !ok {
		return zero, b, false
	}
	i += n
	// ctime puts the year after the time: "Nov 22 10:15:02 2026".
	if year == 0 && i+5 <= len(b) && b[i] == ' ' {
		if y, n := digits(b[i+1:], 4); n == 4 && (i+5 == len(b) || b[i+5] == ' ') {
			year = y
			i += 5
		}
	}
	loc := c.loc()
	rest := b[i:]
	if r, ok := utcSuffix(rest); ok {
		loc, rest = time.UTC, r
	}
	if year == 0 {
		cc := Clock{Year: c.Year, Location: loc}
		return cc.Date(mon, day, hh, mm, ss, nsec, received), rest, true
	}
	if day > daysIn(mon, year) || year < minYear || year > maxYear {
		return zero, b, false
	}
	return time.Date(year, mon, day, hh, mm, ss, nsec, loc).UTC(), rest, true
}

// parseNumeric reads "2026-11-22T10:15:02[.f][Z|±hh:mm|±hhmm]" (or a space, or slashes).
func (c *Clock) parseNumeric(b []byte) (time.Time, []byte, bool) {
	var zero time.Time
	if len(b) < 19 {
		return zero, b, false
	}
	year, n := digits(b, 4)
	if n != 4 || year < minYear || year > maxYear {
		return zero, b, false
	}
	sep := b[4]
	if sep != '-' && sep != '/' {
		return zero, b, false
	}
	mon, n1 := digits(b[5:], 2)
	if n1 != 2 || b[7] != sep || mon < 1 || mon > 12 {
		return zero, b, false
	}
	day, n2 := digits(b[8:], 2)
	if n2 != 2 || day < 1 || day > daysIn(time.Month(mon), year) {
		return zero, b, false
	}
	if b[10] != 'T' && b[10] != ' ' {
		return zero, b, false
	}
	hh, mm, ss, nsec, n, ok := clockTime(b[11:])
	if !ok {
		return zero, b, false
	}
	i := 11 + n
	loc := c.loc()
	rest := b[i:]
	if i < len(b) {
		switch b[i] {
		case 'Z', 'z':
			loc, rest = time.UTC, b[i+1:]
		case '+', '-':
			off, n, ok := zoneOffset(b[i:])
			if ok {
				loc, rest = fixedZone(off), b[i+n:]
			}
		}
	}
	if r, ok := utcSuffix(rest); ok && loc == c.loc() {
		loc, rest = time.UTC, r
	}
	return time.Date(year, time.Month(mon), day, hh, mm, ss, nsec, loc).UTC(), rest, true
}

// clockTime reads "hh:mm:ss" with an optional ".fraction" (or ",fraction").
func clockTime(b []byte) (hh, mm, ss, nsec, n int, ok bool) {
	if len(b) < 8 || b[2] != ':' || b[5] != ':' {
		return
	}
	var k int
	if hh, k = digits(b, 2); k != 2 || hh > 23 {
		return
	}
	if mm, k = digits(b[3:], 2); k != 2 || mm > 59 {
		return
	}
	if ss, k = digits(b[6:], 2); k != 2 || ss > 60 {
		return
	}
	if ss == 60 {
		ss = 59 // leap second: keep the order, lose the second
	}
	n = 8
	if n+1 < len(b) && (b[n] == '.' || b[n] == ',') && isDigit(b[n+1]) {
		n++
		scale := 100_000_000
		for n < len(b) && isDigit(b[n]) {
			nsec += int(b[n]-'0') * scale
			scale /= 10
			n++
		}
	}
	return hh, mm, ss, nsec, n, true
}

// zoneOffset reads "+hh:mm", "+hhmm" or "+hh" and returns the offset in seconds.
func zoneOffset(b []byte) (off, n int, ok bool) {
	sign := 1
	if b[0] == '-' {
		sign = -1
	}
	h, k := digits(b[1:], 2)
	if k != 2 || h > 23 {
		return 0, 0, false
	}
	n = 3
	m := 0
	if n < len(b) && b[n] == ':' {
		if mm, k := digits(b[n+1:], 2); k == 2 {
			m, n = mm, n+3
		} else {
			return 0, 0, false
		}
	} else if mm, k := digits(b[n:], 2); k == 2 {
		m, n = mm, n+2
	}
	if m > 59 {
		return 0, 0, false
	}
	return sign * (h*3600 + m*60), n, true
}

// fixedZones caches the zones for offsets so that parsing does not allocate one per line.
var fixedZones = func() map[int]*time.Location {
	m := make(map[int]*time.Location)
	for off := -14 * 3600; off <= 14*3600; off += 15 * 60 {
		m[off] = time.FixedZone("", off)
	}
	return m
}()

func fixedZone(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	if l, ok := fixedZones[off]; ok {
		return l
	}
	return time.FixedZone("", off)
}

// OffsetZone parses a zone offset such as "+0100", "-05:00" or "+01" (FortiGate's tz field)
// and returns a fixed zone for it.
func OffsetZone(s string) (*time.Location, bool) {
	if len(s) < 3 || (s[0] != '+' && s[0] != '-') {
		return nil, false
	}
	off, n, ok := zoneOffset([]byte(s))
	if !ok || n != len(s) {
		return nil, false
	}
	return fixedZone(off), true
}

func utcSuffix(b []byte) ([]byte, bool) {
	if len(b) >= 4 && b[0] == ' ' && (string(b[1:4]) == "UTC" || string(b[1:4]) == "GMT") &&
		(len(b) == 4 || b[4] == ' ' || b[4] == ':') {
		return b[4:], true
	}
	return b, false
}

func digits(b []byte, max int) (v, n int) {
	for n < len(b) && n < max && isDigit(b[n]) {
		v = v*10 + int(b[n]-'0')
		n++
	}
	return v, n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func month(b []byte) time.Month {
	switch string(b) {
	case "Jan":
		return time.January
	case "Feb":
		return time.February
	case "Mar":
		return time.March
	case "Apr":
		return time.April
	case "May":
		return time.May
	case "Jun":
		return time.June
	case "Jul":
		return time.July
	case "Aug":
		return time.August
	case "Sep":
		return time.September
	case "Oct":
		return time.October
	case "Nov":
		return time.November
	case "Dec":
		return time.December
	}
	return 0
}

func weekday(b []byte) bool {
	switch string(b) {
	case "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun":
		return true
	}
	return false
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// SaneTime reports whether t lies in the years that borderwatch accepts from logs
// (1970-9998); times from epoch counters or durations outside them are input errors.
func SaneTime(t time.Time) bool {
	y := t.Year()
	return y >= minYear && y <= maxYear
}

// MaxDuration caps session durations read from logs (a decade); longer values are errors.
const MaxDuration = 10 * 365 * 24 * time.Hour
