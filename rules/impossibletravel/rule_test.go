package impossibletravel_test

import (
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	_ "github.com/borderwatch/borderwatch/rules/impossibletravel"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

var (
	cincinnati = Place{Country: "US", City: "Cincinnati", Lat: 39.1, Lon: -84.5, Radius: 20, ASN: 7922, Org: "Comcast"}
	frankNord  = Place{Country: "DE", City: "Frankfurt", Lat: 50.1, Lon: 8.68, Radius: 20, ASN: 9009, Org: "M247", Categories: []string{"vpn"}, Provider: "nordvpn"}
	frankAstr  = Place{Country: "DE", City: "Frankfurt", Lat: 50.1, Lon: 8.68, Radius: 20, ASN: 9009, Org: "M247", Categories: []string{"vpn", "hosting"}, Provider: "astrill"}
	milwaukee  = Place{Country: "US", City: "Milwaukee", Lat: 43.04, Lon: -87.9, Radius: 200, ASN: 7922, Org: "Comcast"}
	indyWide   = Place{Country: "US", City: "Indianapolis", Lat: 39.77, Lon: -86.16, Radius: 200, ASN: 7018, Org: "AT&T"}
)

func cfg() rules.Config { return rules.DefaultConfig() }

func TestImpossibleTravel(t *testing.T) {
	tests := []struct {
		name    string
		evs     []*borderwatch.Event
		want    []string // severity per alert, in order
		wantMsg string
	}{
		{"Chicago to London in an hour", []*borderwatch.Event{
			Login(at(0), "alice", "198.51.100.1", Chicago, "success"),
			Login(at(60), "alice", "203.0.113.50", London, "success"),
		}, []string{"high"}, "alice logged in from London, GB 203.0.113.50 after logging in from Chicago, US"},
		{"Chicago to Dallas in 100 minutes is improbable", []*borderwatch.Event{
			Login(at(0), "alice", "198.51.100.1", Chicago, "success"),
			Login(at(100), "alice", "198.51.100.2", Dallas, "success"),
		}, []string{"medium"}, "improbable travel"},
		{"Chicago to London in ten hours is a flight", []*borderwatch.Event{
			Login(at(0), "alice", "198.51.100.1", Chicago, "success"),
			Login(at(600), "alice", "203.0.113.50", London, "success"),
		}, nil, ""},
		{"accuracy radii absorb the distance", []*borderwatch.Event{
			Login(at(0), "alice", "198.51.100.1", milwaukee, "success"),
			Login(at(5), "alice", "198.51.100.2", indyWide, "success"),
		}, nil, ""},
		{"same IP is never travel", []*borderwatch.Event{
			Login(at(0), "alice", "198.51.100.1", Chicago, "success"),
			Login(at(5), "alice", "198.51.100.1", London, "success"),
		}, nil, ""},
		{"IPv4/IPv6 flip of one device", []*borderwatch.Event{
			Login(at(0), "alice", "198.51.100.1", Chicago, "success"),
			Login(at(5), "alice", "2001:db8::1", Place{Country: "US", City: "Denver", Lat: 39.7, Lon: -105, Radius: 20, ASN: 7922}, "success"),
		}, nil, ""},
		{"failed logins are not travel", []*borderwatch.Event{
			Login(at(0), "alice", "198.51.100.1", Chicago, "success"),
			Login(at(60), "alice", "203.0.113.50", London, "failure"),
		}, nil, ""},
		{"two users are two baselines", []*borderwatch.Event{
			Login(at(0), "alice", "198.51.100.1", Chicago, "success"),
			Login(at(60), "bob", "203.0.113.50", London, "success"),
		}, nil, ""},
		{"consumer VPN exit is recorded, not travel", []*borderwatch.Event{
			Login(at(0), "alice", "198.51.100.1", Chicago, "success"),
			Login(at(30), "alice", "185.0.0.1", frankNord, "success"),
			Login(at(60), "alice", "198.51.100.1", Chicago, "success"),
		}, nil, ""},
		{"Astrill is never set aside and raises the score", []*borderwatch.Event{
			Login(at(0), "alice", "198.51.100.1", Chicago, "success"),
			Login(at(30), "alice", "185.0.0.2", frankAstr, "success"),
		}, []string{"critical"}, "Frankfurt, DE"},
		{"CN raises the score", []*borderwatch.Event{
			Login(at(0), "alice", "198.51.100.1", Chicago, "success"),
			Login(at(120), "alice", "203.0.113.7", Beijing, "success"),
		}, []string{"high"}, "Beijing, CN"},
		{"A to B to A within 90 minutes", []*borderwatch.Event{
			Login(at(0), "alice", "198.51.100.1", Chicago, "success"),
			Login(at(40), "alice", "198.51.100.9", cincinnati, "success"),
			Login(at(80), "alice", "198.51.100.1", Chicago, "success"),
		}, []string{"medium"}, "Chicago, US → Cincinnati, US → Chicago, US within 1 h 20 min"},
		{"A to B to A over a day is ordinary", []*borderwatch.Event{
			Login(at(0), "alice", "198.51.100.1", Chicago, "success"),
			Login(at(600), "alice", "198.51.100.9", cincinnati, "success"),
			Login(at(1200), "alice", "198.51.100.1", Chicago, "success"),
		}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			alerts := Run(t, cfg(), []string{"impossible_travel"}, tc.evs)
			if len(alerts) != len(tc.want) {
				for _, a := range alerts {
					t.Log(a.Message, a.Borderwatch.Alert.Reasons)
				}
				t.Fatalf("got %d alerts, want %d", len(alerts), len(tc.want))
			}
			for i, a := range alerts {
				if a.Borderwatch.Alert.Severity != tc.want[i] {
					t.Errorf("alert %d: severity %s, want %s: %s %v", i, a.Borderwatch.Alert.Severity, tc.want[i], a.Message, a.Borderwatch.Alert.Reasons)
				}
				if !strings.Contains(a.Message, tc.wantMsg) {
					t.Errorf("message %q does not contain %q", a.Message, tc.wantMsg)
				}
				if len(a.Borderwatch.Alert.Refs) < 2 {
					t.Errorf("refs %v: want both logins", a.Borderwatch.Alert.Refs)
				}
			}
			if len(alerts) > 0 && alerts[0].Borderwatch.Alert.Matched[0] != "round_trip" {
				al := alerts[0].Borderwatch.Alert
				if al.Previous == nil || al.PreviousTime.IsZero() || al.DistanceKm < 300 || al.SpeedKmh < 700 {
					t.Errorf("evidence missing: %+v", al)
				}
			}
		})
	}
}

// Logins that arrive out of order within max_lateness give the same alerts as in order.
func TestImpossibleTravelOrderIndependent(t *testing.T) {
	places := []Place{Chicago, London, Dallas, Moscow, cincinnati, Chicago}
	var evs []*borderwatch.Event
	for i := range 60 {
		p := places[(i*7)%len(places)]
		evs = append(evs, Login(at(i*3), []string{"alice", "bob", "carol"}[i%3], "198.51.100."+string(rune('1'+i%6)), p, "success"))
	}
	c := cfg()
	rc := c.Rules["impossible_travel"]
	rc.Settings["max_lateness"] = "6h"
	c.Rules["impossible_travel"] = rc
	want := summarize(Run(t, c, []string{"impossible_travel"}, evs))
	if len(want) == 0 {
		t.Fatal("the ordered run raised no alerts; the test proves nothing")
	}
	for seed := range 5 {
		shuffled := append([]*borderwatch.Event(nil), evs...)
		rand.New(rand.NewPCG(uint64(seed), 1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got := summarize(Run(t, c, []string{"impossible_travel"}, shuffled))
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("seed %d: shuffled input gave\n%s\nwant\n%s", seed, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func summarize(alerts []*borderwatch.Event) []string {
	rules.SortAlerts(alerts)
	var out []string
	for _, a := range alerts {
		out = append(out, a.Timestamp.Format(time.RFC3339)+" "+a.Message+" "+strings.Join(a.Borderwatch.Alert.Refs, ","))
	}
	return out
}

// State survives a restart: the second run remembers the first run's baseline.
func TestImpossibleTravelStateSurvivesRestart(t *testing.T) {
	c := cfg()
	c.State.Path = filepath.Join(t.TempDir(), "state.db")
	if got := Run(t, c, []string{"impossible_travel"}, []*borderwatch.Event{Login(at(0), "alice", "198.51.100.1", Chicago, "success")}); len(got) != 0 {
		t.Fatalf("first run: %d alerts", len(got))
	}
	got := Run(t, c, []string{"impossible_travel"}, []*borderwatch.Event{Login(at(60), "alice", "203.0.113.50", London, "success")})
	if len(got) != 1 {
		t.Fatalf("second run: %d alerts, want 1 (the baseline was not restored)", len(got))
	}
	// Without the state file the same second run is quiet.
	c.State.Path = ""
	if got := Run(t, c, []string{"impossible_travel"}, []*borderwatch.Event{Login(at(60), "alice", "203.0.113.50", London, "success")}); len(got) != 0 {
		t.Fatalf("in-memory run: %d alerts", len(got))
	}
}
