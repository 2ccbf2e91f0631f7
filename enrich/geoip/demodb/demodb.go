// Package demodb bundles a tiny GeoIP2-shaped City and ASN database covering only the demo's
// addresses: a slice of DB-IP Lite data (CC BY 4.0, "IP Geolocation by DB-IP") and of the
// RouteViews/DB-IP ASN data, converted by ./gen from source.json. It is used only when no real
// GeoIP database is configured or found. The same files are kept in testdata/demo for configs
// and tools that want them on disk.
package demodb

import _ "embed"

//go:generate go run ./gen -build -src source.json -out .
//go:generate go run ./gen -build -src source.json -out ../../../testdata/demo

// City is the demo City database (database_type DBIP-City-Lite).
//
//go:embed demo-city.mmdb
var City []byte

// ASN is the demo ASN database (database_type DBIP-ASN-Lite (compat=GeoLite2-ASN)).
//
//go:embed demo-asn.mmdb
var ASN []byte
