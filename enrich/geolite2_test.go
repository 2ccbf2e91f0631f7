package enrich_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/enrich"
	"github.com/borderwatch/borderwatch/enrich/geoip"
	"github.com/borderwatch/borderwatch/enrich/geoip/geoiptest"
)

// TestGeoLite2EndToEnd runs the chain on the real GeoLite2 databases (npm geolite2@4.0.1,
// fetched by scripts/ci/deps-enrich.sh). Values drift between database builds, so the
// assertions are tolerant: countries and operators, not coordinates.
func TestGeoLite2EndToEnd(t *testing.T) {
	dir := geoiptest.RequireGeoLite2(t)
	cfg := enrich.DefaultConfig()
	cfg.GeoIP.Directories = []string{"/nonexistent", dir} // found by file name, as in /usr/share/GeoIP
	cfg.Reload = 0
	c, err := enrich.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	types := map[geoip.Kind]string{}
	for _, s := range c.GeoIP().Sources() {
		types[s.Kind] = s.DatabaseType
	}
	if types[geoip.KindCity] != "GeoLite2-City" || types[geoip.KindASN] != "GeoLite2-ASN" || c.GeoIP().Demo() {
		t.Fatalf("databases = %v (demo %v)", types, c.GeoIP().Demo())
	}

	tests := []struct {
		addr     string
		country  string // "" = no country expected
		asn      uint32 // 0 = any
		wantCity bool
	}{
		{"175.45.176.10", "KP", 0, false},
		{"95.24.0.10", "RU", 0, false},
		{"1.192.0.10", "CN", 0, false},
		{"36.110.0.10", "CN", 0, false},
		{"73.15.240.10", "US", 7922, true},
		{"2600:1700::10", "US", 0, false},
		{"86.128.0.10", "GB", 2856, false},
		{"8.8.8.8", "US", 15169, false},
		{"81.2.69.142", "GB", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			r := c.Lookup(netip.MustParseAddr(tt.addr))
			if r.Err != "" {
				t.Fatal(r.Err)
			}
			if r.Geo == nil || r.Geo.CountryISOCode != tt.country {
				t.Fatalf("geo = %+v, want country %s", r.Geo, tt.country)
			}
			if r.Geo.Location != nil && r.Geo.Location.Lat == 0 && r.Geo.Location.Lon == 0 {
				t.Error("location 0,0")
			}
			if r.Geo.Location != nil && r.Geo.AccuracyRadius == 0 {
				t.Error("GeoLite2 location without accuracy radius")
			}
			if tt.wantCity && (r.Geo.CityName == "" || r.Geo.CountryOnly) {
				t.Errorf("want a city-level record: %+v", r.Geo)
			}
			if r.Geo.CityName == "" && r.Geo.Location != nil && !r.Geo.CountryOnly {
				t.Errorf("a record without a city is not marked country_only: %+v", r.Geo)
			}
			if r.AS == nil || r.AS.Number == 0 || r.AS.Organization.Name == "" {
				t.Fatalf("as = %+v", r.AS)
			}
			if tt.asn != 0 && r.AS.Number != tt.asn {
				t.Errorf("as = %d, want %d", r.AS.Number, tt.asn)
			}
		})
	}

	// 8.8.8.8 is a country centroid with a 1000 km radius: country only.
	if g := c.Lookup(netip.MustParseAddr("8.8.8.8")).Geo; g == nil || !g.CountryOnly {
		t.Errorf("8.8.8.8 geo = %+v, want country_only", g)
	}
	// Private and documentation addresses are never looked up.
	for _, a := range []string{"10.0.0.1", "192.0.2.1", "2001:db8::1", "100.64.0.1"} {
		if r := c.Lookup(netip.MustParseAddr(a)); r.Geo != nil || r.AS != nil {
			t.Errorf("%s looked up: %+v", a, r)
		}
	}
	// An event end to end.
	ev := &borderwatch.Event{
		Event:       borderwatch.EventMeta{Category: []string{borderwatch.CategoryNetwork}},
		Source:      borderwatch.Endpoint{IP: netip.MustParseAddr("192.168.1.20")},
		Destination: borderwatch.Endpoint{IP: netip.MustParseAddr("175.45.176.10")},
	}
	c.Enrich(context.Background(), ev)
	if ev.Destination.Geo == nil || ev.Destination.Geo.CountryISOCode != "KP" || ev.Network.Direction != "outbound" {
		t.Errorf("event: %+v %s", ev.Destination.Geo, ev.Network.Direction)
	}

	// The Country database serves the city role.
	cc, err := geoip.Open(geoip.Config{City: filepath.Join(dir, "GeoLite2-Country.mmdb"), CountryOnlyRadius: 500}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec, _ := cc.Lookup(netip.MustParseAddr("95.24.0.10")); rec.Geo == nil || rec.Geo.CountryISOCode != "RU" {
		t.Errorf("country db: %+v", rec.Geo)
	}
}
