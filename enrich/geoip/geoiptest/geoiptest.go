// Package geoiptest writes small MaxMind DB files with github.com/maxmind/mmdbwriter, for tests
// and for the generator of the bundled demo data. Output is byte-identical for the same input.
package geoiptest

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Epoch is the fixed build time written into every file (2026-01-01T00:00:00Z).
const Epoch = 1767225600

// Entry is one network and its record.
type Entry struct {
	Network netip.Prefix
	Value   mmdbtype.Map
}

// Build returns a MaxMind DB of the given database_type (which must be one geoip2-golang
// knows for the file to be usable, e.g. GeoLite2-City) holding entries. Documentation and
// other reserved networks may be used.
func Build(dbType string, entries []Entry) ([]byte, error) {
	w, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            dbType,
		Description:             map[string]string{"en": "borderwatch test data"},
		Languages:               []string{"en"},
		RecordSize:              28,
		IPVersion:               6,
		IncludeReservedNetworks: true,
		BuildEpoch:              Epoch,
	})
	if err != nil {
		return nil, fmt.Errorf("geoiptest: %w", err)
	}
	for _, e := range entries {
		p := e.Network.Masked()
		n := &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
		if err := w.Insert(n, e.Value); err != nil {
			return nil, fmt.Errorf("geoiptest: insert %s: %w", p, err)
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("geoiptest: %w", err)
	}
	return buf.Bytes(), nil
}

// Write builds a database and writes it to path.
func Write(path, dbType string, entries []Entry) error {
	b, err := Build(dbType, entries)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// City is the input for CityRecord: the fields borderwatch reads from a GeoIP2 City record.
type City struct {
	Continent, Country, CountryName string
	Registered                      string // registered_country.iso_code
	RegionISO, RegionName           string
	CityName, Postal, TimeZone      string
	Lat, Lon                        float64
	HasLocation                     bool
	Radius                          uint16 // 0 = no accuracy_radius (DB-IP)
}

// CityRecord shapes c like a GeoIP2/GeoLite2 City record; empty parts are left out.
func CityRecord(c City) mmdbtype.Map {
	m := mmdbtype.Map{}
	en := func(s string) mmdbtype.Map { return mmdbtype.Map{"en": mmdbtype.String(s)} }
	if c.Continent != "" {
		m["continent"] = mmdbtype.Map{"code": mmdbtype.String(c.Continent)}
	}
	if c.Country != "" {
		cm := mmdbtype.Map{"iso_code": mmdbtype.String(c.Country)}
		if c.CountryName != "" {
			cm["names"] = en(c.CountryName)
		}
		m["country"] = cm
	}
	if c.Registered != "" {
		m["registered_country"] = mmdbtype.Map{"iso_code": mmdbtype.String(c.Registered)}
	}
	if c.RegionISO != "" || c.RegionName != "" {
		sd := mmdbtype.Map{}
		if c.RegionISO != "" {
			sd["iso_code"] = mmdbtype.String(c.RegionISO)
		}
		if c.RegionName != "" {
			sd["names"] = en(c.RegionName)
		}
		m["subdivisions"] = mmdbtype.Slice{sd}
	}
	if c.CityName != "" {
		m["city"] = mmdbtype.Map{"names": en(c.CityName)}
	}
	if c.Postal != "" {
		m["postal"] = mmdbtype.Map{"code": mmdbtype.String(c.Postal)}
	}
	if c.HasLocation {
		loc := mmdbtype.Map{"latitude": mmdbtype.Float64(c.Lat), "longitude": mmdbtype.Float64(c.Lon)}
		if c.Radius != 0 {
			loc["accuracy_radius"] = mmdbtype.Uint16(c.Radius)
		}
		if c.TimeZone != "" {
			loc["time_zone"] = mmdbtype.String(c.TimeZone)
		}
		m["location"] = loc
	}
	return m
}

// ASNRecord shapes a GeoLite2-ASN record; an empty org is left out.
func ASNRecord(number uint32, org string) mmdbtype.Map {
	m := mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(number)}
	if org != "" {
		m["autonomous_system_organization"] = mmdbtype.String(org)
	}
	return m
}

// AnonymousRecord shapes a GeoIP2-Anonymous-IP record from flag names (is_anonymous,
// is_anonymous_vpn, is_hosting_provider, is_public_proxy, is_residential_proxy, is_tor_exit_node).
func AnonymousRecord(flags ...string) mmdbtype.Map {
	m := mmdbtype.Map{}
	for _, f := range flags {
		m[mmdbtype.String(f)] = mmdbtype.Bool(true)
	}
	return m
}
