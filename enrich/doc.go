// Package enrich tells every event what is known of its source and destination addresses:
// GeoIP location and ASN, Anonymous-IP flags, the range lists (VPN, proxy, Tor, hosting,
// cloud, corporate, custom) that contain them, whether they are internal, which allowlists
// name them, and network.direction. Chain ties geoip, iprange, netdir and allowlist together
// behind a bounded cache and reloads their files when they are replaced.
package enrich
