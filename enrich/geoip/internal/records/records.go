// Package records holds the MaxMind DB record shapes that enrich/geoip decodes: only the
// fields borderwatch uses, with generated reflection-free decoders (records_maxminddb.go).
package records

//go:generate go run github.com/oschwald/maxminddb-golang/v2/maxminddb-gen@v2.8.0 $GOFILE

// Names holds the English name of a place.
type Names struct {
	EN string `maxminddb:"en"`
}

// Code is an object with a code (continent).
type Code struct {
	Code string `maxminddb:"code"`
}

// Country is country or registered_country.
type Country struct {
	ISOCode string `maxminddb:"iso_code"`
	Names   Names  `maxminddb:"names"`
}

// Subdivision is one element of subdivisions.
type Subdivision struct {
	ISOCode string `maxminddb:"iso_code"`
	Names   Names  `maxminddb:"names"`
}

// Place is an object with names only (city).
type Place struct {
	Names Names `maxminddb:"names"`
}

// Postal is postal.
type Postal struct {
	Code string `maxminddb:"code"`
}

// Location is location.
type Location struct {
	Latitude       float64 `maxminddb:"latitude"`
	Longitude      float64 `maxminddb:"longitude"`
	AccuracyRadius uint16  `maxminddb:"accuracy_radius"`
	TimeZone       string  `maxminddb:"time_zone"`
}

// City is a GeoIP2/GeoLite2/DB-IP City or Country record.
type City struct {
	Continent         Code          `maxminddb:"continent"`
	Country           Country       `maxminddb:"country"`
	RegisteredCountry Country       `maxminddb:"registered_country"`
	Subdivisions      []Subdivision `maxminddb:"subdivisions,maxsize:8"`
	City              Place         `maxminddb:"city"`
	Postal            Postal        `maxminddb:"postal"`
	Location          Location      `maxminddb:"location"`
}

// ASN is a GeoLite2-ASN, DB-IP ASN or GeoIP2-ISP record.
type ASN struct {
	Number       uint32 `maxminddb:"autonomous_system_number"`
	Organization string `maxminddb:"autonomous_system_organization"`
}

// Anonymous is a GeoIP2-Anonymous-IP record.
type Anonymous struct {
	Anonymous        bool `maxminddb:"is_anonymous"`
	AnonymousVPN     bool `maxminddb:"is_anonymous_vpn"`
	HostingProvider  bool `maxminddb:"is_hosting_provider"`
	PublicProxy      bool `maxminddb:"is_public_proxy"`
	ResidentialProxy bool `maxminddb:"is_residential_proxy"`
	TorExitNode      bool `maxminddb:"is_tor_exit_node"`
}
