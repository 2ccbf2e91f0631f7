package watchedcountry_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
	_ "github.com/borderwatch/borderwatch/rules/watchedcountry"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestWatchedCountry(t *testing.T) {
	astrillHK := Place{Country: "CN", City: "Shanghai", ASN: 9999, Org: "Hosting", Categories: []string{"vpn"}, Provider: "astrill"}
	vendorCN := Login(t0, "carol", "198.51.100.9", Chicago, "success")
	vendorCN.Client = &borderwatch.Endpoint{Geo: &borderwatch.Geo{CountryISOCode: "CN"}}
	vendorCN.Borderwatch.ID = ""
	borderwatch.Normalize(vendorCN)
	tests := []struct {
		name     string
		ev       *borderwatch.Event
		settings map[string]any
		wantSev  string // "" = no alert
		wantMsg  string
	}{
		{"successful login from CN", Login(t0, "alice", "203.0.113.7", Beijing, "success"), nil, "high", "alice logged in successfully from 203.0.113.7 (Beijing, CN, AS4134 CHINANET) in watched country CN."},
		{"failed login from RU", Login(t0, "bob", "203.0.113.8", Moscow, "failure"), nil, "medium", "bob failed to log in"},
		{"successful login from KP is critical", Login(t0, "kim", "175.45.176.1", Pyongyang, "success"), nil, "critical", "watched country KP"},
		{"login from US is quiet", Login(t0, "alice", "198.51.100.1", Chicago, "success"), nil, "", ""},
		{"vendor geolocation only", vendorCN, nil, "high", "in watched country CN"},
		{"vendor geolocation ignored when disabled", vendorCN, map[string]any{"vendor_geo": false}, "", ""},
		{"CN not watched when the rule's list says so", Login(t0, "alice", "203.0.113.7", Beijing, "success"), map[string]any{"countries": []string{"IR"}}, "", ""},
		{"anonymizer in CN raises", Login(t0, "dave", "203.0.113.9", astrillHK, "success"), nil, "high", "dave logged in"},
		{"small outbound session to RU", Session(t0, "10.0.0.5", Internal, "203.0.113.8", Moscow, 443, 2000, 3000), nil, "medium", "Internal host 10.0.0.5 sent and received 5 kB"},
		{"large outbound session to CN", Session(t0, "10.0.0.5", Internal, "203.0.113.7", Beijing, 443, 40_000_000, 1000), nil, "high", "40 MB"},
		{"huge outbound session to CN", Session(t0, "10.0.0.5", Internal, "203.0.113.7", Beijing, 443, 2_000_000_000, 1000), nil, "critical", "2 GB"},
		{"inbound probe from CN is low", Session(t0, "203.0.113.7", Beijing, "10.0.0.5", Internal, 22, 100, 0), nil, "low", "opened a session to internal host 10.0.0.5 port 22"},
		{"inbound ignored when disabled", Session(t0, "203.0.113.7", Beijing, "10.0.0.5", Internal, 22, 100, 0), map[string]any{"inbound": false}, "", ""},
		{"external to external is not ours", Session(t0, "198.51.100.1", Chicago, "203.0.113.7", Beijing, 443, 1e9, 0), nil, "", ""},
		{"outbound to US is quiet", Session(t0, "10.0.0.5", Internal, "198.51.100.1", Chicago, 443, 1e9, 0), nil, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := rules.DefaultConfig()
			if tc.settings != nil {
				rc := cfg.Rules["watched_country"]
				for k, v := range tc.settings {
					rc.Settings[k] = v
				}
				cfg.Rules["watched_country"] = rc
			}
			alerts := Run(t, cfg, []string{"watched_country"}, []*borderwatch.Event{tc.ev})
			if tc.wantSev == "" {
				if len(alerts) != 0 {
					t.Fatalf("got %d alerts, want none: %s", len(alerts), alerts[0].Message)
				}
				return
			}
			if len(alerts) != 1 {
				t.Fatalf("got %d alerts, want 1", len(alerts))
			}
			a := alerts[0]
			if got := a.Borderwatch.Alert.Severity; got != tc.wantSev {
				t.Errorf("severity %s, want %s (%s)", got, tc.wantSev, a.Message)
			}
			if !strings.Contains(a.Message, tc.wantMsg) {
				t.Errorf("message %q does not contain %q", a.Message, tc.wantMsg)
			}
			if a.Event.Kind != "alert" || a.Rule.Name != "watched_country" || a.Event.Category[0] != "threat" {
				t.Errorf("not an ECS alert: kind %q rule %+v category %v", a.Event.Kind, a.Rule, a.Event.Category)
			}
			if len(a.Borderwatch.Alert.Refs) != 1 || a.Borderwatch.Alert.Refs[0] != tc.ev.Borderwatch.ID {
				t.Errorf("refs %v, want the event's id %s", a.Borderwatch.Alert.Refs, tc.ev.Borderwatch.ID)
			}
			if len(a.Borderwatch.Alert.Countries) != 1 || len(a.Borderwatch.Alert.Reasons) == 0 {
				t.Errorf("evidence missing: %+v", a.Borderwatch.Alert)
			}
			if a.Threat == nil || a.Threat.Technique.ID[0] != "T1078" {
				t.Errorf("threat %+v", a.Threat)
			}
			if _, err := json.Marshal(a); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A login attempt that fails and then succeeds from the same place escalates: two alerts, the
// second high; further successes fold into one summary with a count.
func TestWatchedCountrySuppressionEscalates(t *testing.T) {
	var evs []*borderwatch.Event
	evs = append(evs, Login(t0, "alice", "203.0.113.7", Beijing, "failure"))
	for i := 1; i <= 5; i++ {
		evs = append(evs, Login(t0.Add(time.Duration(i)*time.Minute), "alice", "203.0.113.7", Beijing, "success"))
	}
	alerts := Run(t, rules.DefaultConfig(), []string{"watched_country"}, evs)
	if len(alerts) != 3 {
		for _, a := range alerts {
			t.Log(a.Borderwatch.Alert.Severity, a.Message)
		}
		t.Fatalf("got %d alerts, want 3 (failure, escalation, summary)", len(alerts))
	}
	if alerts[0].Borderwatch.Alert.Severity != "medium" || alerts[1].Borderwatch.Alert.Severity != "high" {
		t.Errorf("severities %s, %s", alerts[0].Borderwatch.Alert.Severity, alerts[1].Borderwatch.Alert.Severity)
	}
	sum := alerts[2].Borderwatch.Alert
	if sum.Count != 6 || !sum.FirstSeen.Equal(t0) || !sum.LastSeen.Equal(t0.Add(5*time.Minute)) || len(sum.Refs) != 6 {
		t.Errorf("summary count %d first %v last %v refs %d", sum.Count, sum.FirstSeen, sum.LastSeen, len(sum.Refs))
	}
	if !alerts[2].HasTag("suppression_summary") || !strings.Contains(alerts[2].Message, "6 times") {
		t.Errorf("summary %q tags %v", alerts[2].Message, alerts[2].Tags)
	}
	// A day later the window has closed: a fresh alert.
	evs = append(evs, Login(t0.Add(25*time.Hour), "alice", "203.0.113.7", Beijing, "success"))
	if got := len(Run(t, rules.DefaultConfig(), []string{"watched_country"}, evs)); got != 4 {
		t.Errorf("after the window: %d alerts, want 4", got)
	}
}

func TestWatchedCountryAllowlist(t *testing.T) {
	for _, allow := range []rules.Allowlist{
		{Users: []string{"ALICE"}},
		{IPs: []string{"203.0.113.0/24"}},
		{ASNs: []uint32{4134}},
		{Countries: []string{"cn"}},
	} {
		cfg := rules.DefaultConfig()
		rc := cfg.Rules["watched_country"]
		rc.Allow = allow
		cfg.Rules["watched_country"] = rc
		evs := []*borderwatch.Event{Login(t0, "alice", "203.0.113.7", Beijing, "success"), Login(t0, "bob", "198.18.0.1", Moscow, "success")}
		alerts := Run(t, cfg, []string{"watched_country"}, evs)
		if len(alerts) != 1 || alerts[0].User.Name != "bob" {
			t.Errorf("allow %+v: got %d alerts, want only bob's", allow, len(alerts))
		}
	}
}
