package geoip

import (
	"errors"
	"fmt"
)

// DefaultDirectories are searched for database files when no path is configured, in order.
var DefaultDirectories = []string{"/usr/share/GeoIP", "/var/lib/GeoIP"}

// Config is the enrich.geoip section. The zero value looks nothing up; DefaultConfig searches
// the usual geoipupdate directories and falls back to the bundled demo data.
type Config struct {
	// City is a City or Country database (GeoIP2-City, GeoLite2-City, DBIP-City-Lite,
	// GeoLite2-Country, ...). Empty: search Directories.
	City string `yaml:"city"`
	// ASN is an ASN database (GeoLite2-ASN, DBIP-ASN-Lite, GeoIP2-ISP). Empty: search Directories.
	ASN string `yaml:"asn"`
	// AnonymousIP is a GeoIP2-Anonymous-IP database. Empty: search Directories.
	AnonymousIP string `yaml:"anonymous_ip"`
	// Directories are searched for well-known file names (GeoLite2-City.mmdb, dbip-asn-lite-*.mmdb, ...)
	// for every database whose path is empty.
	Directories []string `yaml:"directories"`
	// Demo uses the small database bundled in the binary (ten demo addresses only) when no City
	// and no ASN database is configured or found.
	Demo bool `yaml:"demo"`
	// CountryOnlyRadius: records without a city, or whose accuracy radius is at least this
	// many km, are marked geo.country_only and must not be used for distance arithmetic.
	CountryOnlyRadius uint16 `yaml:"country_only_radius_km"`
}

// DefaultConfig returns the defaults: search DefaultDirectories, demo data as a last resort,
// country-only from 500 km.
func DefaultConfig() Config {
	return Config{
		Directories:       append([]string(nil), DefaultDirectories...),
		Demo:              true,
		CountryOnlyRadius: 500,
	}
}

// Validate checks the section.
func (c *Config) Validate() error {
	var errs []error
	if c.CountryOnlyRadius == 0 {
		errs = append(errs, errors.New("enrich.geoip.country_only_radius_km must be > 0, e.g. 500"))
	}
	for _, p := range []struct{ key, v string }{{"city", c.City}, {"asn", c.ASN}, {"anonymous_ip", c.AnonymousIP}} {
		if p.v != "" && p.v == c.City && p.key != "city" {
			errs = append(errs, fmt.Errorf("enrich.geoip.%s and enrich.geoip.city name the same file %q: each needs its own database", p.key, p.v))
		}
	}
	return errors.Join(errs...)
}
