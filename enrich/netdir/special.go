package netdir

import "net/netip"

// special lists IANA special-purpose ranges that are neither routable public addresses nor
// worth a GeoIP lookup (RFC 6890 and its updates). Private and link-local ranges are tested
// through netip's own predicates.
var special = mustPrefixes(
	"0.0.0.0/8",       // "this network"
	"100.64.0.0/10",   // shared address space (CGNAT)
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // TEST-NET-1
	"192.88.99.0/24",  // deprecated 6to4 relay anycast
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // TEST-NET-2
	"203.0.113.0/24",  // TEST-NET-3
	"240.0.0.0/4",     // reserved, includes broadcast
	"64:ff9b:1::/48",  // local-use NAT64
	"100::/64",        // discard-only
	"2001::/23",       // IETF protocol assignments (Teredo, ORCHID, ...)
	"2001:db8::/32",   // documentation
	"3fff::/20",       // documentation (RFC 9637)
	"5f00::/16",       // SRv6 SIDs
)

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// IsPublic reports whether a is a globally routable unicast address: the only kind worth a
// GeoIP lookup. IPv4-mapped IPv6 addresses are judged by their IPv4 address.
func IsPublic(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range special {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// nat64 is the well-known NAT64 prefix (RFC 6052): its addresses carry an IPv4 address.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// GeoAddr returns the address to look up in GeoIP for a: the IPv4 address embedded in an
// IPv4-mapped or well-known NAT64 address (64:ff9b::/96), else a itself.
func GeoAddr(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() && nat64.Contains(a) {
		b := a.As16()
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	return a
}
