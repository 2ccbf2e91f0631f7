// Package geoip answers where a public address is and who operates it, from MaxMind DB files:
// GeoIP2/GeoLite2 or DB-IP Lite City (or Country), ASN and, when present, GeoIP2 Anonymous-IP.
// Files are type-checked when opened, replaced atomically when geoipupdate renames a new file
// into place, and decoded into small structs holding only the fields borderwatch uses.
package geoip
