package anonymizer_test

import (
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	_ "github.com/borderwatch/borderwatch/rules/anonymizer"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func place(cats []string, provider string) Place {
	return Place{Country: "NL", City: "Amsterdam", Lat: 52.4, Lon: 4.9, ASN: 9009, Org: "M247", Categories: cats, Provider: provider}
}

func TestAnonymizerLogin(t *testing.T) {
	yes := true
	vendorProxy := Login(t0, "erin", "198.51.100.77", Chicago, "success")
	vendorProxy.Borderwatch.Vendor = &borderwatch.Vendor{IsProxy: &yes}
	geoMismatch := Login(t0, "erin", "198.51.100.79", Chicago, "success")
	geoMismatch.Client = &borderwatch.Endpoint{Geo: &borderwatch.Geo{CountryISOCode: "CN"}}
	geoAgree := Login(t0, "erin", "198.51.100.80", Chicago, "success")
	geoAgree.Client = &borderwatch.Endpoint{Geo: &borderwatch.Geo{CountryISOCode: "US"}}
	vendorAstrill := Login(t0, "erin", "198.51.100.78", Chicago, "success")
	vendorAstrill.Borderwatch.Vendor = &borderwatch.Vendor{Tunnels: []string{"Astrill VPN"}}
	tests := []struct {
		name, wantSev, wantMsg string
		ev                     *borderwatch.Event
	}{
		{"tor exit", "high", "through a Tor exit", Login(t0, "alice", "185.220.101.1", place([]string{"tor"}, "torproject"), "success")},
		{"residential proxy", "high", "residential proxy", Login(t0, "alice", "198.51.100.5", place([]string{"residential_proxy"}, "brightdata"), "success")},
		{"named VPN", "medium", "through a VPN (nordvpn)", Login(t0, "alice", "185.0.0.1", place([]string{"vpn"}, "nordvpn"), "success")},
		{"astrill raises", "high", "through a VPN (astrill)", Login(t0, "alice", "185.0.0.2", place([]string{"vpn", "hosting"}, "astrill"), "success")},
		{"hosting", "medium", "hosting provider", Login(t0, "alice", "203.0.113.9", place([]string{"hosting"}, "aws"), "success")},
		{"private relay is informational", "low", "privacy relay", Login(t0, "alice", "172.224.0.1", place([]string{"relay"}, "icloud"), "success")},
		{"vendor says proxy", "medium", "through a proxy", vendorProxy},
		{"vendor tunnel naming astrill", "high", "astrill", vendorAstrill},
		{"vendor geolocation disagrees with GeoIP", "medium", "through a tunnel (vendor and GeoIP disagree on the country)", geoMismatch},
		{"vendor geolocation agrees", "", "", geoAgree},
		{"failed login is not counted", "", "", Login(t0, "alice", "185.220.101.1", place([]string{"tor"}, ""), "failure")},
		{"corporate range is not an anonymizer", "", "", Login(t0, "alice", "198.51.100.1", place([]string{"corporate", "vpn"}, "corp"), "success")},
		{"residential ISP is quiet", "", "", Login(t0, "alice", "198.51.100.1", Chicago, "success")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			alerts := Run(t, rules.DefaultConfig(), []string{"anonymizer_login"}, []*borderwatch.Event{tc.ev})
			if tc.wantSev == "" {
				if len(alerts) != 0 {
					t.Fatalf("want none, got %v", Messages(alerts))
				}
				return
			}
			if len(alerts) != 1 {
				t.Fatalf("got %d alerts, want 1", len(alerts))
			}
			a := alerts[0]
			if a.Borderwatch.Alert.Severity != tc.wantSev || !strings.Contains(a.Message, tc.wantMsg) {
				t.Errorf("got %s %q %v; want %s containing %q", a.Borderwatch.Alert.Severity, a.Message, a.Borderwatch.Alert.Reasons, tc.wantSev, tc.wantMsg)
			}
			if len(a.Borderwatch.Alert.Matched) == 0 || a.Threat.Technique.ID[0] != "T1090" {
				t.Errorf("evidence: matched %v threat %+v", a.Borderwatch.Alert.Matched, a.Threat)
			}
		})
	}
}

func TestAnonymizerWeightsConfigurable(t *testing.T) {
	cfg := Set(rules.DefaultConfig(), "anonymizer_login", "weights", map[string]any{"hosting": 95})
	ev := Login(t0, "alice", "203.0.113.9", place([]string{"hosting"}, "aws"), "success")
	alerts := Run(t, cfg, []string{"anonymizer_login"}, []*borderwatch.Event{ev})
	if len(alerts) != 1 || alerts[0].Borderwatch.Alert.Severity != "critical" {
		t.Fatalf("hosting weighted 95: %v", Messages(alerts))
	}
	cfg = Set(rules.DefaultConfig(), "anonymizer_login", "weightz", 1)
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), `unknown key "weightz"`) || !strings.Contains(err.Error(), "weights") {
		t.Fatalf("misspelt param: %v", err)
	}
}
