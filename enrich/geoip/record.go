package geoip

import (
	"math/bits"
	"net/netip"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/enrich/geoip/internal/records"
)

// Anonymous-IP flags as they appear in borderwatch.*.anonymous, and the category each implies.
var anonFlags = [...]struct{ flag, category string }{
	{"anonymous", "anonymous"},
	{"anonymous_vpn", "vpn"},
	{"hosting_provider", "hosting"},
	{"public_proxy", "proxy"},
	{"residential_proxy", "residential_proxy"},
	{"tor_exit_node", "tor"},
}

func anonMask(r *records.Anonymous) uint8 {
	var m uint8
	for i, b := range []bool{r.Anonymous, r.AnonymousVPN, r.HostingProvider, r.PublicProxy, r.ResidentialProxy, r.TorExitNode} {
		if b {
			m |= 1 << i
		}
	}
	return m
}

// anonTable holds, for every flag combination, the flag names and categories, so that a
// lookup hands out shared slices instead of building new ones.
var anonTable = func() (t [1 << len(anonFlags)]struct{ flags, categories []string }) {
	for m := range t {
		if m == 0 {
			continue
		}
		t[m].flags = make([]string, 0, bits.OnesCount(uint(m)))
		for i, f := range anonFlags {
			if m&(1<<i) != 0 {
				t[m].flags = append(t[m].flags, f.flag)
				t[m].categories = append(t[m].categories, f.category)
			}
		}
	}
	return t
}()

// AnonymousCategories returns the range-list categories that the given Anonymous-IP flags
// imply (anonymous_vpn → vpn, tor_exit_node → tor, ...). The result is shared: do not modify it.
func AnonymousCategories(flags []string) []string {
	var m int
	for _, f := range flags {
		for i, a := range anonFlags {
			if a.flag == f {
				m |= 1 << i
			}
		}
	}
	return anonTable[m].categories
}

// Record is what the databases say about one address. Geo and AS are nil when unknown.
// A Record and everything it points to is shared by every event that carries it: treat it
// as read-only.
type Record struct {
	Geo               *borderwatch.Geo
	AS                *borderwatch.AS
	RegisteredCountry string   // registered_country.iso_code (anycast records often have only this)
	Anonymous         []string // Anonymous-IP flags that are set (shared slice)
	Network           netip.Prefix
}

func geoOf(c *records.City, countryOnlyRadius uint16) *borderwatch.Geo {
	g := borderwatch.Geo{
		ContinentCode:  c.Continent.Code,
		CountryISOCode: c.Country.ISOCode,
		CountryName:    c.Country.Names.EN,
		CityName:       c.City.Names.EN,
		PostalCode:     c.Postal.Code,
		Timezone:       c.Location.TimeZone,
		AccuracyRadius: c.Location.AccuracyRadius,
	}
	if len(c.Subdivisions) > 0 {
		sd := c.Subdivisions[0]
		g.RegionName = sd.Names.EN
		if sd.ISOCode != "" && g.CountryISOCode != "" {
			g.RegionISOCode = g.CountryISOCode + "-" + sd.ISOCode
		}
	}
	// 0,0 is "no location" in every GeoIP database; never hand it on as a point.
	if c.Location.Latitude != 0 || c.Location.Longitude != 0 {
		g.Location = &borderwatch.GeoPoint{Lat: c.Location.Latitude, Lon: c.Location.Longitude}
	}
	if g.Location != nil && (g.CityName == "" || (g.AccuracyRadius != 0 && g.AccuracyRadius >= countryOnlyRadius)) {
		g.CountryOnly = true
	}
	if g == (borderwatch.Geo{}) {
		return nil
	}
	return &g
}
