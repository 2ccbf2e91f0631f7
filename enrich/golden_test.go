package enrich_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/enrich/geoip/geoiptest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.ndjson")

// TestGolden enriches a set of capture and log events with the fixture databases and lists
// and compares the normalized events with testdata/enriched.golden.ndjson.
func TestGolden(t *testing.T) {
	cfg, _ := testConfig(t)
	c := newChain(t, cfg)
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	flow := func(src, dst string, sport, dport uint16) *borderwatch.Event {
		typ := "ipv4"
		if netip.MustParseAddr(src).Is6() {
			typ = "ipv6"
		}
		return &borderwatch.Event{
			Timestamp: t0,
			Event: borderwatch.EventMeta{Kind: borderwatch.KindEvent, Category: []string{borderwatch.CategoryNetwork},
				Type: []string{"connection", "end"}, Dataset: "borderwatch.flow", Start: t0, End: t0.Add(90 * time.Second)},
			Source:      borderwatch.Endpoint{IP: netip.MustParseAddr(src), Port: sport},
			Destination: borderwatch.Endpoint{IP: netip.MustParseAddr(dst), Port: dport},
			Network:     borderwatch.Network{Transport: "tcp", Type: typ, CommunityID: "1:test"},
		}
	}
	login := func(user, ip string) *borderwatch.Event {
		return &borderwatch.Event{
			Timestamp: t0,
			Event: borderwatch.EventMeta{Kind: borderwatch.KindEvent, Category: []string{borderwatch.CategoryAuthentication},
				Type: []string{"start"}, Action: "user.session.start", Outcome: borderwatch.OutcomeSuccess,
				Dataset: "borderwatch.okta", Module: "okta", ID: "evt-" + user},
			Source: borderwatch.Endpoint{IP: netip.MustParseAddr(ip)},
			User:   borderwatch.User{Name: user},
		}
	}
	events := []*borderwatch.Event{
		flow("10.0.0.5", geoiptest.CityHit.String(), 50000, 443),                            // outbound to a VPN exit with anonymous flags
		flow(geoiptest.IPv6Hit.String(), "192.168.1.10", 51515, 3389),                       // inbound from a Tor exit
		flow("10.0.0.5", "172.16.0.9", 40000, 445),                                          // internal
		flow(geoiptest.Miss.String(), geoiptest.Documentation.String(), 1, 2),               // external, nothing known
		login("alice", geoiptest.CountryOnly.String()),                                      // corporate egress, country centroid
		login("svc-backup", geoiptest.AnonymousFlagNets["is_public_proxy"].Addr().String()), // user allowlist, ASN list
		login("bob", geoiptest.Anycast.String()),                                            // anycast: registered country only
	}
	var buf bytes.Buffer
	for _, ev := range events {
		if err := c.Enrich(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		borderwatch.Normalize(ev)
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	golden := filepath.Join("testdata", "enriched.golden.ndjson")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./enrich -run TestGolden -update)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("enriched events differ from %s (go test ./enrich -run TestGolden -update):\ngot:\n%s", golden, buf.String())
	}
}
