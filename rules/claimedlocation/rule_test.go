package claimedlocation_test

import (
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	_ "github.com/borderwatch/borderwatch/rules/claimedlocation"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestClaimedLocation(t *testing.T) {
	vendorCN := Login(t0, "kim", "198.51.100.3", Chicago, "success")
	vendorCN.Client = &borderwatch.Endpoint{Geo: &borderwatch.Geo{CountryISOCode: "CN"}}
	tests := []struct {
		name, want, wantMsg string
		ev                  *borderwatch.Event
	}{
		{"claims US, logs in from GB", "medium", "kim, who claims to work from US, logged in from 203.0.113.50 (London, GB, AS2856 BT); GeoIP places the login in GB.", Login(t0, "kim", "203.0.113.50", London, "success")},
		{"claims US, logs in from CN", "high", "GeoIP places the login in CN", Login(t0, "kim", "203.0.113.7", Beijing, "success")},
		{"vendor geolocation disagrees", "high", "the log vendor's geolocation places the login in CN", vendorCN},
		{"claim matches", "", "", Login(t0, "kim", "198.51.100.1", Chicago, "success")},
		{"user not on the roster", "", "", Login(t0, "zed", "203.0.113.50", London, "success")},
		{"VPN exit says nothing", "", "", Login(t0, "kim", "185.0.0.1", Place{Country: "NL", Categories: []string{"vpn"}}, "success")},
		{"domain-qualified name matches the roster", "medium", "KIM@example.com", func() *borderwatch.Event {
			ev := Login(t0, "", "203.0.113.50", London, "success")
			ev.User.Email = "KIM@example.com"
			return ev
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := rules.DefaultConfig()
			cfg.Roster = Roster(t, "user,country,timezone\nkim,us,America/Chicago\n")
			alerts := Run(t, cfg, []string{"claimed_location"}, []*borderwatch.Event{tc.ev})
			if tc.want == "" {
				if len(alerts) != 0 {
					t.Fatalf("want none: %v", Messages(alerts))
				}
				return
			}
			if len(alerts) != 1 || alerts[0].Borderwatch.Alert.Severity != tc.want || !strings.Contains(alerts[0].Message, tc.wantMsg) {
				t.Fatalf("got %v; want one %s containing %q", Messages(alerts), tc.want, tc.wantMsg)
			}
		})
	}
}

func TestClaimedLocationWithoutRosterIsQuiet(t *testing.T) {
	if got := Run(t, rules.DefaultConfig(), []string{"claimed_location"}, []*borderwatch.Event{Login(t0, "kim", "203.0.113.7", Beijing, "success")}); len(got) != 0 {
		t.Fatalf("no roster: %v", Messages(got))
	}
}

func TestRosterErrors(t *testing.T) {
	for _, tc := range []struct{ csv, want string }{
		{"", "empty file"},
		{"name,country\nkim,US\n", "no user column"},
		{"user,country\nkim,USA\n", "line 2: country \"USA\""},
		{"user,timezone\nkim,Mars/Olympus\n", "line 2: timezone"},
		{"user,country\nkim,US\nKim,GB\n", "listed twice"},
	} {
		cfg := rules.DefaultConfig()
		cfg.Roster = Roster(t, tc.csv)
		_, err := rules.New(cfg, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.csv, err, tc.want)
		}
	}
}
