package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/enrich/geoip/geoiptest"
	"github.com/borderwatch/borderwatch/enrich/iprange"
)

func lookupConfig(t *testing.T) *Config {
	t.Helper()
	dir := t.TempDir()
	f, err := geoiptest.WriteFixtures(dir)
	if err != nil {
		t.Fatal(err)
	}
	vpn := filepath.Join(dir, "vpn.txt")
	os.WriteFile(vpn, []byte("81.2.69.0/24\n"), 0o644)
	cfg := defaultConfig()
	cfg.Enrich.GeoIP.City, cfg.Enrich.GeoIP.ASN, cfg.Enrich.GeoIP.AnonymousIP = f.City, f.ASN, f.Anonymous
	cfg.Enrich.Ranges.Lists = []iprange.ListConfig{{Name: "nordvpn", Category: "vpn", Provider: "nordvpn", Path: vpn}}
	cfg.Enrich.Reload = 0
	return &cfg
}

func TestRunLookup(t *testing.T) {
	cfg := lookupConfig(t)
	var out bytes.Buffer
	e := &env{stdout: &out, stderr: &out, log: slog.New(slog.DiscardHandler)}
	addrs := []netip.Addr{geoiptest.CityHit, netip.MustParseAddr("10.1.2.3"), geoiptest.CountryOnly}
	if err := runLookup(context.Background(), cfg, e, addrs, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"81.2.69.10", "Berlin, Land Berlin, Germany (DE)", "±20 km", "AS64500 Example Hosting GmbH",
		"anonymous, anonymous_vpn", "nordvpn (vpn, nordvpn)", "categories   anonymous, vpn",
		"10.1.2.3", "not public", "direction    internal", "[country only]", "AS64501",
		"GeoIP city: GeoLite2-City, ", "(built 2026-01-01)", "range lists: 1",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if err := runLookup(context.Background(), cfg, e, addrs[:1], true); err != nil {
		t.Fatal(err)
	}
	var got struct {
		IP  string `json:"ip"`
		Geo struct {
			City   string `json:"city_name"`
			Radius int    `json:"accuracy_radius"`
		} `json:"geo"`
		AS    struct{ Number int } `json:"as"`
		Intel struct {
			Lists []struct{ Name, Category, Provider string } `json:"lists"`
		} `json:"intel"`
		Databases []string `json:"databases"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if got.IP != "81.2.69.10" || got.Geo.City != "Berlin" || got.Geo.Radius != 20 || got.AS.Number != 64500 ||
		len(got.Intel.Lists) != 1 || got.Intel.Lists[0].Provider != "nordvpn" || len(got.Databases) != 3 {
		t.Errorf("json = %+v", got)
	}
}

func TestLookupCLI(t *testing.T) {
	code, _, stderr := runCLI(t, "lookup")
	if code != exitUsage || !strings.Contains(stderr, "give at least one IP") {
		t.Errorf("no args: %d %s", code, stderr)
	}
	code, _, stderr = runCLI(t, "lookup", "not-an-ip")
	if code != exitUsage || !strings.Contains(stderr, `"not-an-ip" is not an IP address`) {
		t.Errorf("bad ip: %d %s", code, stderr)
	}
	// With no database configured or installed, the bundled demo data answers.
	if _, err := os.Stat("/usr/share/GeoIP/GeoLite2-City.mmdb"); err == nil {
		t.Skip("a system GeoIP database is installed; the demo fallback is not used")
	}
	t.Setenv("BORDERWATCH_ENRICH_GEOIP_DIRECTORIES", t.TempDir())
	code, stdout, stderr := runCLI(t, "lookup", "175.45.176.10")
	if code != exitOK || !strings.Contains(stdout, "North Korea (KP)") || !strings.Contains(stdout, "GeoIP: bundled demo data") {
		t.Errorf("demo lookup: %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestLookupArgs(t *testing.T) {
	got, err := lookupArgs([]string{"8.8.8.8", "-", "[2001:db8::1]"}, strings.NewReader("# header\n1.1.1.1 9.9.9.9\n\n  ::1 # loopback\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"8.8.8.8", "1.1.1.1", "9.9.9.9", "::1", "2001:db8::1"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("addr %d = %s, want %s", i, got[i], want[i])
		}
	}
	if _, err := lookupArgs([]string{"-"}, strings.NewReader("1.1.1.1\nbogus\n")); err == nil || !strings.Contains(err.Error(), `stdin:2: "bogus"`) {
		t.Errorf("bad stdin line: %v", err)
	}
	if _, err := lookupArgs([]string{"-"}, strings.NewReader("")); err == nil {
		t.Error("empty stdin accepted")
	}
}
