package enrich_test

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/enrich"
	"github.com/borderwatch/borderwatch/enrich/allowlist"
	"github.com/borderwatch/borderwatch/enrich/geoip/geoiptest"
	"github.com/borderwatch/borderwatch/enrich/iprange"
)

// testConfig writes the GeoIP fixtures and two range lists into a temporary directory.
func testConfig(t testing.TB) (enrich.Config, geoiptest.Files) {
	t.Helper()
	dir := t.TempDir()
	f, err := geoiptest.WriteFixtures(dir)
	if err != nil {
		t.Fatal(err)
	}
	vpn := filepath.Join(dir, "vpn.txt")
	asn := filepath.Join(dir, "asn.txt")
	os.WriteFile(vpn, []byte("# vpn exits\n81.2.69.0/24\n"), 0o644)
	os.WriteFile(asn, []byte("AS9009 # M247\n"), 0o644)
	cfg := enrich.DefaultConfig()
	cfg.GeoIP.City, cfg.GeoIP.ASN, cfg.GeoIP.AnonymousIP, cfg.GeoIP.Directories = f.City, f.ASN, f.Anonymous, nil
	cfg.Ranges.Lists = []iprange.ListConfig{
		{Name: "nordvpn", Category: "vpn", Provider: "nordvpn", Path: vpn},
		{Name: "vpn_hosting_asns", Category: "hosting", Provider: "m247", Path: asn, Format: "asn"},
	}
	cfg.Allowlists = []allowlist.Config{
		{Name: "corporate_egress", IPs: []string{"50.114.0.0/16"}},
		{Name: "service_accounts", Users: []string{"svc-backup"}},
	}
	cfg.Reload = 0
	return cfg, f
}

func newChain(t testing.TB, cfg enrich.Config) *enrich.Chain {
	t.Helper()
	c, err := enrich.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestEnrichNetworkEvent(t *testing.T) {
	cfg, _ := testConfig(t)
	c := newChain(t, cfg)
	ev := &borderwatch.Event{
		Event:       borderwatch.EventMeta{Category: []string{borderwatch.CategoryNetwork}},
		Source:      borderwatch.Endpoint{IP: netip.MustParseAddr("10.0.0.5"), Port: 50000},
		Destination: borderwatch.Endpoint{IP: geoiptest.CityHit, Port: 443},
	}
	if err := c.Enrich(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if ev.Network.Direction != borderwatch.DirectionOutbound {
		t.Errorf("direction = %q", ev.Network.Direction)
	}
	if ev.Source.Geo != nil || ev.Source.AS != nil {
		t.Errorf("private source got geo %+v / as %+v", ev.Source.Geo, ev.Source.AS)
	}
	if in := ev.Borderwatch.Source; in == nil || !in.Internal {
		t.Errorf("source intel = %+v", in)
	}
	d := ev.Destination
	if d.Geo == nil || d.Geo.CityName != "Berlin" || d.Geo.AccuracyRadius != 20 || d.AS == nil || d.AS.Number != 64500 {
		t.Fatalf("destination geo %+v as %+v", d.Geo, d.AS)
	}
	in := ev.Borderwatch.Destination
	if in == nil || in.Internal {
		t.Fatalf("destination intel = %+v", in)
	}
	wantLists := []borderwatch.ListHit{{Name: "nordvpn", Category: "vpn", Provider: "nordvpn"}}
	if !slices.Equal(in.Lists, wantLists) {
		t.Errorf("lists = %+v", in.Lists)
	}
	if !slices.Equal(in.Categories, []string{"anonymous", "vpn"}) || !slices.Equal(in.Anonymous, []string{"anonymous", "anonymous_vpn"}) {
		t.Errorf("categories %v anonymous %v", in.Categories, in.Anonymous)
	}
}

func TestEnrichAuthEvent(t *testing.T) {
	cfg, _ := testConfig(t)
	c := newChain(t, cfg)
	vendorAS := &borderwatch.AS{Number: 1, Organization: borderwatch.Organization{Name: "vendor says"}}
	ev := &borderwatch.Event{
		Event:       borderwatch.EventMeta{Category: []string{borderwatch.CategoryAuthentication}},
		Source:      borderwatch.Endpoint{IP: geoiptest.CountryOnly, AS: vendorAS},
		User:        borderwatch.User{Name: "svc-backup"},
		Borderwatch: borderwatch.Borderwatch{Source: &borderwatch.Intel{Names: []string{"vpn.example"}}},
	}
	c.Enrich(context.Background(), ev)
	if ev.Network.Direction != "" {
		t.Errorf("direction set on a log event: %q", ev.Network.Direction)
	}
	if ev.Source.AS != vendorAS {
		t.Errorf("parser's AS replaced: %+v", ev.Source.AS)
	}
	if g := ev.Source.Geo; g == nil || !g.CountryOnly || g.CountryISOCode != "US" {
		t.Errorf("geo = %+v", g)
	}
	in := ev.Borderwatch.Source
	if in == nil || !slices.Equal(in.Names, []string{"vpn.example"}) || !slices.Equal(in.Allowlisted, []string{"corporate_egress", "service_accounts"}) {
		t.Fatalf("intel = %+v", in)
	}
	// The cached result must not have picked up the event's own additions.
	r := c.Lookup(geoiptest.CountryOnly)
	if r.Intel == nil || !slices.Equal(r.Intel.Allowlisted, []string{"corporate_egress"}) || r.Intel.Names != nil {
		t.Errorf("cached intel changed: %+v", r.Intel)
	}
}

func TestNAT64(t *testing.T) {
	cfg, _ := testConfig(t)
	c := newChain(t, cfg)
	r := c.Lookup(netip.MustParseAddr("64:ff9b::5102:450a")) // 81.2.69.10
	if r.Geo == nil || r.Geo.CityName != "Berlin" || r.Intel == nil || len(r.Intel.Lists) != 1 || r.Intel.Lists[0].Name != "nordvpn" {
		t.Fatalf("result = %+v intel %+v", r, r.Intel)
	}
}

func TestASNListMatch(t *testing.T) {
	cfg, _ := testConfig(t)
	c := newChain(t, cfg)
	r := c.Lookup(geoiptest.AnonymousFlagNets["is_tor_exit_node"].Addr())
	if r.AS == nil || r.AS.Number != 9009 || r.Intel == nil {
		t.Fatalf("result = %+v", r)
	}
	want := []borderwatch.ListHit{{Name: "vpn_hosting_asns", Category: "hosting", Provider: "m247"}}
	if !slices.Equal(r.Intel.Lists, want) || !slices.Equal(r.Intel.Categories, []string{"hosting", "tor"}) {
		t.Errorf("intel = %+v", r.Intel)
	}
}

func TestCache(t *testing.T) {
	cfg, _ := testConfig(t)
	cfg.CacheSize = 2
	c := newChain(t, cfg)
	for _, a := range []netip.Addr{geoiptest.CityHit, geoiptest.CityHit, geoiptest.IPv6Hit, geoiptest.Miss, geoiptest.CityHit} {
		c.Lookup(a)
	}
	s := c.Stats()
	if s.CacheHits != 1 || s.CacheMisses != 4 || s.CacheEvictions != 2 || s.CacheLen != 2 {
		t.Fatalf("stats = %+v", s)
	}
	// CityHit twice decoded-record misses then hits: its City, ASN and Anonymous records are
	// decoded once; the second miss of the result cache finds them decoded.
	if s.RecordCacheMisses == 0 || s.RecordCacheHits < 3 {
		t.Errorf("record cache stats = %+v", s)
	}
	a := geoiptest.CityHit
	ev := &borderwatch.Event{Source: borderwatch.Endpoint{IP: a}, Destination: borderwatch.Endpoint{IP: a}}
	if n := testing.AllocsPerRun(100, func() {
		ev.Source.Geo, ev.Source.AS, ev.Destination.Geo, ev.Destination.AS = nil, nil, nil, nil
		ev.Borderwatch.Source, ev.Borderwatch.Destination = nil, nil
		c.Enrich(context.Background(), ev)
	}); n != 0 {
		t.Errorf("cache hit allocates %v times", n)
	}
}

func TestConfigValidate(t *testing.T) {
	c := enrich.DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.CacheSize, c.Reload = 0, time.Millisecond
	c.Ranges.Lists = []iprange.ListConfig{{Name: "x", Category: "nope", Path: "/x"}}
	err := c.Validate()
	for _, want := range []string{"enrich.cache_size", "enrich.reload", `category "nope"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if _, err := enrich.New(c, nil); err == nil {
		t.Error("New accepted an invalid config")
	}
}

// TestReloadUnderLoad replaces the City database and a range list (write + rename, as
// geoipupdate does) while goroutines enrich events, and checks that no event ever misses
// enrichment and that the new data is served after the reload.
func TestReloadUnderLoad(t *testing.T) {
	cfg, f := testConfig(t)
	cfg.Reload = time.Second
	cfg.CacheSize = 4 // force real lookups all the time
	c := newChain(t, cfg)

	addrs := []netip.Addr{geoiptest.CityHit, geoiptest.IPv6Hit, geoiptest.CountryOnly}
	var stop atomic.Bool
	var enriched, missed atomic.Int64
	var sawNew atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; !stop.Load(); i++ {
				ev := &borderwatch.Event{Source: borderwatch.Endpoint{IP: addrs[i%len(addrs)]}}
				c.Enrich(context.Background(), ev)
				enriched.Add(1)
				if ev.Source.Geo == nil || ev.Source.AS == nil {
					missed.Add(1)
				}
				if ev.Source.Geo != nil && ev.Source.Geo.CityName == "Potsdam" {
					sawNew.Store(true)
				}
			}
		}(w)
	}

	time.Sleep(50 * time.Millisecond)
	entries := geoiptest.CityEntries()
	entries[0].Value = geoiptest.CityRecord(geoiptest.City{Continent: "EU", Country: "DE", CountryName: "Germany",
		CityName: "Potsdam", Lat: 52.4, Lon: 13.06, HasLocation: true, Radius: 10})
	tmp := f.City + ".tmp"
	if err := geoiptest.Write(tmp, "GeoLite2-City", entries); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, f.City); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !sawNew.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	if !sawNew.Load() {
		t.Fatal("the replaced City database was never served")
	}
	if missed.Load() != 0 {
		t.Fatalf("%d of %d events missed enrichment during the reload", missed.Load(), enriched.Load())
	}
	if s := c.Stats(); s.Reloads == 0 || s.ReloadErrors != 0 {
		t.Errorf("stats = %+v", s)
	}
	t.Logf("%d events enriched across the reload", enriched.Load())
}
