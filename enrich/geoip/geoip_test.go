package geoip_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/enrich/geoip"
	"github.com/borderwatch/borderwatch/enrich/geoip/geoiptest"
	"net/netip"
)

func fixtures(t testing.TB) geoiptest.Files {
	t.Helper()
	f, err := geoiptest.WriteFixtures(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func open(t testing.TB, cfg geoip.Config) *geoip.DB {
	t.Helper()
	db, err := geoip.Open(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestLookupCases(t *testing.T) {
	f := fixtures(t)
	cfg := geoip.DefaultConfig()
	cfg.City, cfg.ASN, cfg.AnonymousIP, cfg.Directories = f.City, f.ASN, f.Anonymous, nil
	db := open(t, cfg)

	tests := []struct {
		name       string
		addr       netip.Addr
		geo        *borderwatch.Geo
		as         *borderwatch.AS
		registered string
		anonymous  []string
	}{
		{"city hit", geoiptest.CityHit, &borderwatch.Geo{ContinentCode: "EU", CountryISOCode: "DE", CountryName: "Germany",
			RegionISOCode: "DE-BE", RegionName: "Land Berlin", CityName: "Berlin", PostalCode: "10115", Timezone: "Europe/Berlin",
			Location: &borderwatch.GeoPoint{Lat: 52.52, Lon: 13.405}, AccuracyRadius: 20},
			&borderwatch.AS{Number: 64500, Organization: borderwatch.Organization{Name: "Example Hosting GmbH"}}, "DE",
			[]string{"anonymous", "anonymous_vpn"}},
		{"country centroid", geoiptest.CountryOnly, &borderwatch.Geo{ContinentCode: "NA", CountryISOCode: "US", CountryName: "United States",
			Timezone: "America/Chicago", Location: &borderwatch.GeoPoint{Lat: 37.751, Lon: -97.822}, AccuracyRadius: 1000, CountryOnly: true},
			&borderwatch.AS{Number: 64501}, "US", nil},
		{"anycast registered only", geoiptest.Anycast, nil, nil, "AU", nil},
		{"miss", geoiptest.Miss, nil, nil, "", nil},
		{"ipv6", geoiptest.IPv6Hit, &borderwatch.Geo{ContinentCode: "AS", CountryISOCode: "JP", CountryName: "Japan",
			RegionISOCode: "JP-13", RegionName: "Tokyo", CityName: "Tokyo", Timezone: "Asia/Tokyo",
			Location: &borderwatch.GeoPoint{Lat: 35.6895, Lon: 139.6917}, AccuracyRadius: 50},
			&borderwatch.AS{Number: 64502, Organization: borderwatch.Organization{Name: "Example Japan KK"}}, "JP",
			[]string{"anonymous", "tor_exit_node"}},
		{"ipv4-mapped ipv6", netip.AddrFrom16(geoiptest.CityHit.As16()), &borderwatch.Geo{ContinentCode: "EU", CountryISOCode: "DE", CountryName: "Germany",
			RegionISOCode: "DE-BE", RegionName: "Land Berlin", CityName: "Berlin", PostalCode: "10115", Timezone: "Europe/Berlin",
			Location: &borderwatch.GeoPoint{Lat: 52.52, Lon: 13.405}, AccuracyRadius: 20},
			&borderwatch.AS{Number: 64500, Organization: borderwatch.Organization{Name: "Example Hosting GmbH"}}, "DE",
			[]string{"anonymous", "anonymous_vpn"}},
		{"nat64", netip.MustParseAddr("64:ff9b::5102:450a"), &borderwatch.Geo{ContinentCode: "EU", CountryISOCode: "DE", CountryName: "Germany",
			RegionISOCode: "DE-BE", RegionName: "Land Berlin", CityName: "Berlin", PostalCode: "10115", Timezone: "Europe/Berlin",
			Location: &borderwatch.GeoPoint{Lat: 52.52, Lon: 13.405}, AccuracyRadius: 20},
			&borderwatch.AS{Number: 64500, Organization: borderwatch.Organization{Name: "Example Hosting GmbH"}}, "DE",
			[]string{"anonymous", "anonymous_vpn"}},
		{"documentation range never looked up", geoiptest.Documentation, nil, nil, "", nil},
		{"private never looked up", netip.MustParseAddr("10.1.2.3"), nil, nil, "", nil},
		{"invalid", netip.Addr{}, nil, nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := db.Lookup(tt.addr)
			if err != nil {
				t.Fatal(err)
			}
			if !equalGeo(rec.Geo, tt.geo) {
				t.Errorf("geo = %+v (loc %v), want %+v", rec.Geo, loc(rec.Geo), tt.geo)
			}
			if (rec.AS == nil) != (tt.as == nil) || (rec.AS != nil && *rec.AS != *tt.as) {
				t.Errorf("as = %+v, want %+v", rec.AS, tt.as)
			}
			if rec.RegisteredCountry != tt.registered {
				t.Errorf("registered = %q, want %q", rec.RegisteredCountry, tt.registered)
			}
			if !slices.Equal(rec.Anonymous, tt.anonymous) {
				t.Errorf("anonymous = %v, want %v", rec.Anonymous, tt.anonymous)
			}
		})
	}
}

func loc(g *borderwatch.Geo) any {
	if g == nil || g.Location == nil {
		return nil
	}
	return *g.Location
}

func equalGeo(a, b *borderwatch.Geo) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	if (x.Location == nil) != (y.Location == nil) || (x.Location != nil && *x.Location != *y.Location) {
		return false
	}
	x.Location, y.Location = nil, nil
	return x == y
}

func TestEachAnonymousFlag(t *testing.T) {
	f := fixtures(t)
	db := open(t, geoip.Config{AnonymousIP: f.Anonymous, CountryOnlyRadius: 500})
	want := map[string]struct{ flag, category string }{
		"is_anonymous": {"anonymous", "anonymous"}, "is_anonymous_vpn": {"anonymous_vpn", "vpn"},
		"is_hosting_provider": {"hosting_provider", "hosting"}, "is_public_proxy": {"public_proxy", "proxy"},
		"is_residential_proxy": {"residential_proxy", "residential_proxy"}, "is_tor_exit_node": {"tor_exit_node", "tor"},
	}
	for flag, p := range geoiptest.AnonymousFlagNets {
		rec, err := db.Lookup(p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		w := want[flag]
		if !slices.Equal(rec.Anonymous, []string{w.flag}) {
			t.Errorf("%s: anonymous = %v, want [%s]", flag, rec.Anonymous, w.flag)
		}
		if got := geoip.AnonymousCategories(rec.Anonymous); !slices.Equal(got, []string{w.category}) {
			t.Errorf("%s: categories = %v, want [%s]", flag, got, w.category)
		}
	}
}

func TestCountryDatabaseServesCity(t *testing.T) {
	f := fixtures(t)
	db := open(t, geoip.Config{City: f.Country, CountryOnlyRadius: 500})
	rec, err := db.Lookup(geoiptest.CityHit)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Geo == nil || rec.Geo.CountryISOCode != "DE" || rec.Geo.Location != nil || rec.Geo.CityName != "" {
		t.Fatalf("geo = %+v, want country DE without location", rec.Geo)
	}
	if src := db.Sources(); len(src) != 1 || src[0].DatabaseType != "GeoLite2-Country" {
		t.Fatalf("sources = %+v", src)
	}
}

func TestOpenErrors(t *testing.T) {
	f := fixtures(t)
	garbage := filepath.Join(t.TempDir(), "garbage.mmdb")
	if err := os.WriteFile(garbage, []byte("this is not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		cfg      geoip.Config
		wantType bool
		contains []string
	}{
		{"asn file as city", geoip.Config{City: f.ASN}, true, []string{f.ASN, "GeoLite2-ASN", "enrich.geoip.city", "City or Country"}},
		{"city file as asn", geoip.Config{ASN: f.City}, true, []string{f.City, "GeoLite2-City", "enrich.geoip.asn"}},
		{"city file as anonymous", geoip.Config{AnonymousIP: f.City}, true, []string{f.City, "Anonymous-IP"}},
		{"unknown type", geoip.Config{City: f.Unknown}, true, []string{f.Unknown, `"Borderwatch-Unknown"`, "not known"}},
		{"missing file", geoip.Config{City: "/nonexistent/GeoLite2-City.mmdb"}, false, []string{"/nonexistent/GeoLite2-City.mmdb", "no such file"}},
		{"not a database", geoip.Config{ASN: garbage}, false, []string{garbage, "not a MaxMind DB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.CountryOnlyRadius = 500
			_, err := geoip.Open(tt.cfg, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, geoip.ErrWrongType) != tt.wantType {
				t.Errorf("errors.Is(ErrWrongType) = %v, want %v", !tt.wantType, tt.wantType)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestSearchDirectories(t *testing.T) {
	f := fixtures(t)
	dir := t.TempDir()
	for _, p := range []string{f.ASN} {
		b, _ := os.ReadFile(p)
		os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644)
	}
	// DB-IP monthly files: the newest one wins.
	b, _ := os.ReadFile(f.City)
	os.WriteFile(filepath.Join(dir, "dbip-city-lite-2026-01.mmdb"), b, 0o644)
	os.WriteFile(filepath.Join(dir, "dbip-city-lite-2026-02.mmdb"), b, 0o644)

	db := open(t, geoip.Config{Directories: []string{"/nonexistent", dir}, Demo: true, CountryOnlyRadius: 500})
	if db.Demo() {
		t.Fatal("demo data in use although databases were found")
	}
	got := map[geoip.Kind]string{}
	for _, s := range db.Sources() {
		got[s.Kind] = filepath.Base(s.Path)
	}
	want := map[geoip.Kind]string{geoip.KindCity: "dbip-city-lite-2026-02.mmdb", geoip.KindASN: "GeoLite2-ASN.mmdb"}
	if len(got) != len(want) || got[geoip.KindCity] != want[geoip.KindCity] || got[geoip.KindASN] != want[geoip.KindASN] {
		t.Fatalf("sources = %v, want %v", got, want)
	}
}

func TestDemoFallback(t *testing.T) {
	var logs strings.Builder
	db, err := geoip.Open(geoip.Config{Directories: []string{t.TempDir()}, Demo: true, CountryOnlyRadius: 500}, slogTo(&logs))
	if err != nil {
		t.Fatal(err)
	}
	if !db.Demo() {
		t.Fatal("demo data not in use")
	}
	if n := strings.Count(logs.String(), "demo GeoIP data"); n != 1 {
		t.Errorf("demo warning logged %d times, want 1:\n%s", n, logs.String())
	}
	want := map[string]string{
		"73.15.240.10": "US", "24.4.0.10": "US", "86.128.0.10": "GB", "80.128.0.10": "DE", "2600:1700::10": "US",
		"1.192.0.10": "CN", "36.110.0.10": "CN", "95.24.0.10": "RU", "175.45.176.10": "KP", "89.238.128.10": "GB",
	}
	for a, cc := range want {
		rec, err := db.Lookup(netip.MustParseAddr(a))
		if err != nil {
			t.Fatal(err)
		}
		if rec.Geo == nil || rec.Geo.CountryISOCode != cc || rec.Geo.Location == nil || rec.Geo.CityName == "" {
			t.Errorf("%s: geo = %+v, want %s with a city and location", a, rec.Geo, cc)
		}
		if rec.AS == nil || rec.AS.Number == 0 || rec.AS.Organization.Name == "" {
			t.Errorf("%s: as = %+v, want a number and organization", a, rec.AS)
		}
	}
	if rec, _ := db.Lookup(netip.MustParseAddr("89.238.128.10")); rec.AS == nil || rec.AS.Number != 9009 {
		t.Errorf("89.238.128.10: as = %+v, want M247 AS9009", rec.AS)
	}

	// Demo off: no databases, no error, and geo is off.
	logs.Reset()
	db, err = geoip.Open(geoip.Config{Directories: []string{t.TempDir()}, CountryOnlyRadius: 500}, slogTo(&logs))
	if err != nil {
		t.Fatal(err)
	}
	if db.Enabled() || !strings.Contains(logs.String(), "enrichment is off") {
		t.Errorf("enabled = %v, log:\n%s", db.Enabled(), logs.String())
	}
}

func TestConfigValidate(t *testing.T) {
	c := geoip.DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.CountryOnlyRadius = 0
	c.City, c.ASN = "/x.mmdb", "/x.mmdb"
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "country_only_radius_km") || !strings.Contains(err.Error(), "same file") {
		t.Fatalf("err = %v", err)
	}
}

func TestAnonymousPlus(t *testing.T) {
	p := filepath.Join(t.TempDir(), "GeoIP-Anonymous-Plus.mmdb")
	if err := geoiptest.Write(p, "GeoIP-Anonymous-Plus", geoiptest.AnonymousEntries()); err != nil {
		t.Fatal(err)
	}
	db := open(t, geoip.Config{AnonymousIP: p, CountryOnlyRadius: 500})
	rec, err := db.Lookup(geoiptest.AnonTor)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.Anonymous, []string{"anonymous", "tor_exit_node"}) {
		t.Fatalf("anonymous = %v", rec.Anonymous)
	}
}

func TestReload(t *testing.T) {
	f := fixtures(t)
	var logs strings.Builder
	db, err := geoip.Open(geoip.Config{ASN: f.ASN, CountryOnlyRadius: 500}, slogTo(&logs))
	if err != nil {
		t.Fatal(err)
	}
	asn := func() uint32 {
		rec, err := db.Lookup(geoiptest.CityHit)
		if err != nil || rec.AS == nil {
			t.Fatalf("lookup: %+v %v", rec.AS, err)
		}
		return rec.AS.Number
	}
	if changed, err := db.Reload(); changed || err != nil {
		t.Fatalf("unchanged file: %v %v", changed, err)
	}
	// A garbage file renamed into place is refused; the old database stays in use.
	garbage := f.ASN + ".new"
	os.WriteFile(garbage, []byte("garbage"), 0o644)
	os.Rename(garbage, f.ASN)
	if changed, err := db.Reload(); changed || err == nil || !strings.Contains(err.Error(), "keeping the database opened before") {
		t.Fatalf("garbage: %v %v", changed, err)
	}
	if got := asn(); got != 64500 {
		t.Fatalf("asn after refused reload = %d", got)
	}
	if changed, err := db.Reload(); changed || err != nil {
		t.Fatalf("a refused file is reported once: %v %v", changed, err)
	}
	// A City database renamed into the ASN path is refused too.
	b, _ := os.ReadFile(f.City)
	os.WriteFile(garbage, b, 0o644)
	os.Rename(garbage, f.ASN)
	if _, err := db.Reload(); err == nil || !errors.Is(err, geoip.ErrWrongType) {
		t.Fatalf("wrong type: %v", err)
	}
	// A good replacement is swapped in.
	entries := geoiptest.ASNEntries()
	entries[0].Value = geoiptest.ASNRecord(65001, "Replaced")
	if err := geoiptest.Write(garbage, "GeoLite2-ASN", entries); err != nil {
		t.Fatal(err)
	}
	os.Rename(garbage, f.ASN)
	if changed, err := db.Reload(); !changed || err != nil {
		t.Fatalf("good file: %v %v", changed, err)
	}
	if got := asn(); got != 65001 {
		t.Fatalf("asn after reload = %d", got)
	}
	if !strings.Contains(logs.String(), "geoip database reloaded") {
		t.Errorf("log:\n%s", logs.String())
	}
	// A deleted file keeps the database in use.
	os.Remove(f.ASN)
	if _, err := db.Reload(); err == nil {
		t.Fatal("deleted file: no error")
	}
	if got := asn(); got != 65001 {
		t.Fatalf("asn after delete = %d", got)
	}
}
