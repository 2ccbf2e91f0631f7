package geoip

import (
	"net/netip"
	"testing"

	"github.com/borderwatch/borderwatch/enrich/geoip/demodb"
	"github.com/borderwatch/borderwatch/enrich/geoip/geoiptest"
)

// FuzzDatabase opens mutated database files and looks addresses up in them: a corrupt file
// must give an error at open or lookup time, never a panic.
func FuzzDatabase(f *testing.F) {
	f.Add(demodb.City, uint8(KindCity))
	f.Add(demodb.ASN, uint8(KindASN))
	if b, err := geoiptest.Build("GeoIP2-Anonymous-IP", geoiptest.AnonymousEntries()); err == nil {
		f.Add(b, uint8(KindAnonymousIP))
	}
	if b, err := geoiptest.Build("GeoLite2-City", geoiptest.CityEntries()); err == nil {
		f.Add(b, uint8(KindCity))
	}
	probes := []netip.Addr{
		netip.MustParseAddr("89.238.128.10"), netip.MustParseAddr("2600:1700::10"), geoiptest.CityHit,
		geoiptest.IPv6Hit, netip.MustParseAddr("175.45.176.10"),
	}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		k := Kind(kind%3 + 1)
		src, err := openBytes("fuzz", data, k, nil, nil)
		if err != nil {
			return
		}
		d := &DB{cfg: Config{CountryOnlyRadius: 500}}
		d.srcs[k].Store(src)
		for _, a := range probes {
			rec, _ := d.Lookup(a)
			if rec.Geo != nil && rec.Geo.Location != nil && rec.Geo.Location.Lat == 0 && rec.Geo.Location.Lon == 0 {
				t.Fatal("0,0 location")
			}
		}
	})
}
