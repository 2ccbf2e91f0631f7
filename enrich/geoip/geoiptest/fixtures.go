package geoiptest

import (
	"net/netip"
	"path/filepath"
)

// Fixture addresses: every case the enrichment tests need. They are public addresses (the
// fixture data about them is made up) because enrichment never looks up documentation or
// other reserved addresses; Documentation has a record that must never be returned.
var (
	CityHit       = netip.MustParseAddr("81.2.69.10")    // Berlin, radius 20
	CountryOnly   = netip.MustParseAddr("50.114.0.10")   // US centroid, radius 1000, no city
	Anycast       = netip.MustParseAddr("1.1.1.1")       // registered_country only
	Miss          = netip.MustParseAddr("9.9.9.9")       // in no database
	IPv6Hit       = netip.MustParseAddr("2400:cb00::10") // Tokyo
	NoOrg         = netip.MustParseAddr("50.114.0.10")   // ASN without organization
	AnonVPN       = netip.MustParseAddr("81.2.69.10")    // is_anonymous + is_anonymous_vpn
	AnonTor       = netip.MustParseAddr("2400:cb00::10") // is_anonymous + is_tor_exit_node
	Documentation = netip.MustParseAddr("203.0.113.10")  // has a City and ASN record, never looked up
)

// AnonymousFlagNets gives each Anonymous-IP flag its own /32 (ASN 9009 covers them).
var AnonymousFlagNets = map[string]netip.Prefix{
	"is_anonymous":         netip.MustParsePrefix("89.160.20.1/32"),
	"is_anonymous_vpn":     netip.MustParsePrefix("89.160.20.2/32"),
	"is_hosting_provider":  netip.MustParsePrefix("89.160.20.3/32"),
	"is_public_proxy":      netip.MustParsePrefix("89.160.20.4/32"),
	"is_residential_proxy": netip.MustParsePrefix("89.160.20.5/32"),
	"is_tor_exit_node":     netip.MustParsePrefix("89.160.20.6/32"),
}

// CityEntries are the records of the fixture City database.
func CityEntries() []Entry {
	return []Entry{
		{netip.MustParsePrefix("81.2.69.0/24"), CityRecord(City{Continent: "EU", Country: "DE", CountryName: "Germany",
			Registered: "DE", RegionISO: "BE", RegionName: "Land Berlin", CityName: "Berlin", Postal: "10115",
			TimeZone: "Europe/Berlin", Lat: 52.52, Lon: 13.405, HasLocation: true, Radius: 20})},
		{netip.MustParsePrefix("50.114.0.0/16"), CityRecord(City{Continent: "NA", Country: "US", CountryName: "United States",
			Registered: "US", TimeZone: "America/Chicago", Lat: 37.751, Lon: -97.822, HasLocation: true, Radius: 1000})},
		{netip.MustParsePrefix("1.1.1.0/24"), CityRecord(City{Registered: "AU"})},
		{netip.MustParsePrefix("203.0.113.0/24"), CityRecord(City{Continent: "OC", Country: "AU", CountryName: "Australia",
			Lat: -33.86, Lon: 151.2, HasLocation: true, Radius: 5, CityName: "Sydney"})},
		{netip.MustParsePrefix("2400:cb00::/32"), CityRecord(City{Continent: "AS", Country: "JP", CountryName: "Japan",
			Registered: "JP", RegionISO: "13", RegionName: "Tokyo", CityName: "Tokyo", TimeZone: "Asia/Tokyo",
			Lat: 35.6895, Lon: 139.6917, HasLocation: true, Radius: 50})},
	}
}

// ASNEntries are the records of the fixture ASN database.
func ASNEntries() []Entry {
	return []Entry{
		{netip.MustParsePrefix("81.2.69.0/24"), ASNRecord(64500, "Example Hosting GmbH")},
		{netip.MustParsePrefix("50.114.0.0/16"), ASNRecord(64501, "")},
		{netip.MustParsePrefix("203.0.113.0/24"), ASNRecord(64511, "Documentation")},
		{netip.MustParsePrefix("2400:cb00::/32"), ASNRecord(64502, "Example Japan KK")},
		{netip.MustParsePrefix("89.160.20.0/24"), ASNRecord(9009, "M247 Europe SRL")},
	}
}

// AnonymousEntries are the records of the fixture Anonymous-IP database.
func AnonymousEntries() []Entry {
	e := []Entry{
		{netip.MustParsePrefix("81.2.69.0/24"), AnonymousRecord("is_anonymous", "is_anonymous_vpn")},
		{netip.MustParsePrefix("2400:cb00::/32"), AnonymousRecord("is_anonymous", "is_tor_exit_node")},
	}
	for flag, p := range AnonymousFlagNets {
		e = append(e, Entry{p, AnonymousRecord(flag)})
	}
	return e
}

// Files are the paths WriteFixtures wrote.
type Files struct{ City, ASN, Anonymous, Country, Unknown string }

// WriteFixtures writes the fixture databases into dir: GeoLite2-City.mmdb, GeoLite2-ASN.mmdb,
// GeoIP2-Anonymous-IP.mmdb, GeoLite2-Country.mmdb and Unknown.mmdb (database_type
// "Borderwatch-Unknown", which no reader accepts).
func WriteFixtures(dir string) (Files, error) {
	f := Files{
		City: filepath.Join(dir, "GeoLite2-City.mmdb"), ASN: filepath.Join(dir, "GeoLite2-ASN.mmdb"),
		Anonymous: filepath.Join(dir, "GeoIP2-Anonymous-IP.mmdb"), Country: filepath.Join(dir, "GeoLite2-Country.mmdb"),
		Unknown: filepath.Join(dir, "Unknown.mmdb"),
	}
	country := []Entry{{netip.MustParsePrefix("81.2.69.0/24"), CityRecord(City{Continent: "EU", Country: "DE", CountryName: "Germany", Registered: "DE"})}}
	for _, w := range []struct {
		path, typ string
		e         []Entry
	}{
		{f.City, "GeoLite2-City", CityEntries()},
		{f.ASN, "GeoLite2-ASN", ASNEntries()},
		{f.Anonymous, "GeoIP2-Anonymous-IP", AnonymousEntries()},
		{f.Country, "GeoLite2-Country", country},
		{f.Unknown, "Borderwatch-Unknown", ASNEntries()},
	} {
		if err := Write(w.path, w.typ, w.e); err != nil {
			return Files{}, err
		}
	}
	return f, nil
}
