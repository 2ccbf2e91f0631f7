package logs

import (
	"github.com/borderwatch/borderwatch"

	"net/netip"
	"strconv"
	"strings"
)

// SplitUser normalizes an account name the same way for every format:
//
//	"alice@example.com" → name "alice", domain "example.com", email "alice@example.com"
//	"alice@CORP"        → name "alice", domain "CORP" (no email: the domain has no dot)
//	`EXAMPLE\alice`     → name "alice", domain "EXAMPLE"
//	"alice"             → name "alice"
//
// Surrounding spaces and quotes are removed; case is kept as the source wrote it. It agrees
// with logs/syslog.SplitUser, which the syslog-text formats use.
func SplitUser(s string) (name, domain, email string) {
	s = strings.Trim(s, " \t\"'")
	if s == "" {
		return "", "", ""
	}
	if i := strings.IndexByte(s, '\\'); i > 0 && i < len(s)-1 {
		return s[i+1:], s[:i], ""
	}
	if i := strings.LastIndexByte(s, '@'); i > 0 && i < len(s)-1 && !strings.ContainsAny(s, " /") {
		if strings.IndexByte(s[i+1:], '.') > 0 {
			email = s
		}
		return s[:i], s[i+1:], email
	}
	return s, "", ""
}

// ParseAddr reads a client address as vendors write it: "203.0.113.7", "203.0.113.7:51234",
// "[2001:db8::1]:443", "2001:db8::1", "::ffff:203.0.113.7" (unmapped to IPv4), with zone
// suffixes dropped. "null", "unknown", "-" and "" give ok == false.
func ParseAddr(s string) (ip netip.Addr, port uint16, ok bool) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "null", "unknown", "-", "none", "n/a":
		return netip.Addr{}, 0, false
	}
	if ip, err := netip.ParseAddr(s); err == nil {
		return ip.Unmap().WithZone(""), 0, true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), ap.Port(), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if ip, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return ip.Unmap().WithZone(""), 0, true
		}
	}
	// "203.0.113.7:51234" is handled above; an IPv6 address with a bare ":port" is ambiguous
	// and not accepted. IPv4 with a port in another notation ("203.0.113.7 port 22") is the
	// parser's business.
	return netip.Addr{}, 0, false
}

// ParsePort reads a decimal port number; ok is false outside 0-65535.
func ParsePort(s string) (uint16, bool) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil {
		return 0, false
	}
	return uint16(n), true
}

// Dataset returns event.dataset for a format name: "borderwatch.<name>".
func Dataset(format string) string { return "borderwatch." + format }

// VendorGeo returns g as the vendor's own geolocation (client.geo), with a location only when
// lat/lon are valid and not 0,0; nil when g carries nothing.
func VendorGeo(g borderwatch.Geo, lat, lon float64, hasLoc bool) *borderwatch.Geo {
	if hasLoc && (lat != 0 || lon != 0) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
		g.Location = &borderwatch.GeoPoint{Lat: lat, Lon: lon}
	}
	if g == (borderwatch.Geo{}) {
		return nil
	}
	return &g
}

// Ptr returns a pointer to v (for optional fields such as borderwatch.auth.interactive).
func Ptr[T any](v T) *T { return &v }
