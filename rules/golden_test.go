package rules_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// goldenEvents exercises every rule once.
func goldenEvents() []*borderwatch.Event {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	astrill := Place{Country: "HK", City: "Hong Kong", Lat: 22.3, Lon: 114.17, Radius: 10, ASN: 136787, Org: "TEFINCOM", Categories: []string{"vpn", "hosting"}, Provider: "astrill"}
	hosting := Place{Country: "NL", City: "Amsterdam", ASN: 60781, Org: "LeaseWeb", Categories: []string{"hosting"}}
	var evs []*borderwatch.Event
	for d := range 15 {
		evs = append(evs, Login(at(d*24*60+6*60), "kim", "198.51.100.1", Chicago, "success")) // 09:00 in Chicago
	}
	for d := range 6 {
		evs = append(evs, Login(at(d*24*60), "jo", "198.51.100.3", Chicago, "success")) // 03:00 in Chicago
	}
	base := 15 * 24 * 60
	evs = append(evs,
		Login(at(base+0), "kim", "203.0.113.7", Beijing, "success"),
		Login(at(base+30), "kim", "45.137.21.10", astrill, "success"),
		Login(at(base+40), "ann", "198.51.100.20", Dallas, "success"),
		Login(at(base+41), "ben", "198.51.100.20", Dallas, "success"),
		Login(at(base+42), "cat", "198.51.100.20", Dallas, "success"),
		WithApp(Session(at(base+50), "10.0.0.5", Internal, "203.0.113.80", hosting, 5938, 1000, 1000), "teamviewer", "remote_access", "port:5938"),
		WithApp(Session(at(base+55), "10.0.0.5", Internal, "203.0.113.81", hosting, 6568, 1000, 1000), "anydesk", "remote_access", "sni:relay-1.net.anydesk.com"),
		Long(WithApp(Session(at(base+60), "10.0.0.6", Internal, "203.0.113.40", hosting, 51820, 5000, 5000), "wireguard", "vpn", "payload:wireguard_handshake"), 26*time.Hour),
		Session(at(base+70), "10.0.0.7", Internal, "203.0.113.9", Moscow, 443, 700_000_000, 1000),
	)
	for _, ev := range evs {
		ev.Borderwatch.ID = ""
		borderwatch.Normalize(ev)
	}
	return evs
}

func TestGoldenAlerts(t *testing.T) {
	cfg := rules.DefaultConfig()
	cfg.Roster = Roster(t, "user,country,timezone\nkim,US,America/Chicago\njo,US,America/Chicago\n")
	alerts := Run(t, cfg, nil, goldenEvents())
	rules.SortAlerts(alerts)
	var buf bytes.Buffer
	for _, a := range alerts {
		borderwatch.Normalize(a)
		raw, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(raw)
		buf.WriteByte('\n')
	}
	path := filepath.Join("testdata", "alerts.golden.ndjson")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenAlerts -update ./rules/)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		got := bytes.Split(buf.Bytes(), []byte("\n"))
		exp := bytes.Split(want, []byte("\n"))
		for i := range max(len(got), len(exp)) {
			var g, w []byte
			if i < len(got) {
				g = got[i]
			}
			if i < len(exp) {
				w = exp[i]
			}
			if !bytes.Equal(g, w) {
				t.Fatalf("alert %d differs from %s (run with -update after checking):\n got %s\nwant %s", i, path, g, w)
			}
		}
	}
	// Every rule is exercised.
	fired := map[string]bool{}
	for _, a := range alerts {
		fired[a.Rule.Name] = true
	}
	for _, n := range rules.Names() {
		if !fired[n] {
			t.Errorf("golden input does not exercise %s", n)
		}
	}
}
