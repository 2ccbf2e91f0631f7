package sharedsource_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
	_ "github.com/borderwatch/borderwatch/rules/sharedsource"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func logins(ip string, p Place, outcome string, gap time.Duration, users ...string) []*borderwatch.Event {
	var out []*borderwatch.Event
	for i, u := range users {
		out = append(out, Login(t0.Add(time.Duration(i)*gap), u, ip, p, outcome))
	}
	return out
}

func TestSharedSource(t *testing.T) {
	mobile := Place{Country: "US", City: "Chicago", ASN: 21928, Org: "T-Mobile", Categories: []string{"mobile"}}
	tests := []struct {
		name    string
		evs     []*borderwatch.Event
		want    []string
		wantMsg string
	}{
		{"four employees behind one home IP", logins("198.51.100.20", Chicago, "success", time.Hour, "ann", "ben", "cat", "dan"),
			[]string{"medium", "high"}, "distinct users logged in successfully from 198.51.100.20 (Chicago, US, AS7922 Comcast)"},
		{"two users are a household", logins("198.51.100.20", Chicago, "success", time.Hour, "ann", "ben"), nil, ""},
		{"the same user many times is one user", logins("198.51.100.20", Chicago, "success", time.Hour, "ann", "ann", "ann", "ann"), nil, ""},
		{"failures do not count", logins("198.51.100.20", Chicago, "failure", time.Hour, "ann", "ben", "cat", "dan"), nil, ""},
		{"spread over more than the window", logins("198.51.100.20", Chicago, "success", 13*time.Hour, "ann", "ben", "cat"), nil, ""},
		{"mobile carrier NAT is ignored", logins("198.51.100.20", mobile, "success", time.Minute, "ann", "ben", "cat", "dan"), nil, ""},
		{"one residential /24, four addresses", []*borderwatch.Event{
			Login(t0, "ann", "198.51.100.1", Chicago, "success"), Login(t0.Add(time.Hour), "ben", "198.51.100.2", Chicago, "success"),
			Login(t0.Add(2*time.Hour), "cat", "198.51.100.3", Chicago, "success"), Login(t0.Add(3*time.Hour), "dan", "198.51.100.4", Chicago, "success"),
		}, []string{"medium"}, "4 distinct users logged in successfully from residential subnet 198.51.100.0/24"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			alerts := Run(t, rules.DefaultConfig(), []string{"shared_source"}, tc.evs)
			if len(alerts) != len(tc.want) {
				t.Fatalf("got %v, want %d alerts", Messages(alerts), len(tc.want))
			}
			for i, a := range alerts {
				if a.Borderwatch.Alert.Severity != tc.want[i] || !strings.Contains(a.Message, tc.wantMsg) {
					t.Errorf("alert %d: %s %q; want %s containing %q", i, a.Borderwatch.Alert.Severity, a.Message, tc.want[i], tc.wantMsg)
				}
			}
			if len(alerts) > 0 {
				last := alerts[len(alerts)-1].Borderwatch.Alert
				if len(last.Users) < 3 || len(last.Refs) != len(last.Users) {
					t.Errorf("users %v refs %v", last.Users, last.Refs)
				}
			}
		})
	}
}

// The addresses and subnets seen survive a restart: users counted by the first run count
// towards the second run's thresholds, per address and per subnet.
func TestSharedSourceStateSurvivesRestart(t *testing.T) {
	tests := []struct {
		name   string
		first  []*borderwatch.Event
		second []*borderwatch.Event
		key    string
	}{
		{"one address", logins("198.51.100.20", Chicago, "success", time.Hour, "ann", "ben"),
			[]*borderwatch.Event{Login(t0.Add(3*time.Hour), "cat", "198.51.100.20", Chicago, "success")}, "ip:198.51.100.20"},
		{"one subnet", []*borderwatch.Event{
			Login(t0, "ann", "198.51.100.1", Chicago, "success"), Login(t0.Add(time.Hour), "ben", "198.51.100.2", Chicago, "success"),
			Login(t0.Add(2*time.Hour), "cat", "198.51.100.3", Chicago, "success")},
			[]*borderwatch.Event{Login(t0.Add(3*time.Hour), "dan", "198.51.100.4", Chicago, "success")}, "net:198.51.100.0/24"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := rules.DefaultConfig()
			c.State.Path = filepath.Join(t.TempDir(), "state.db")
			if got := Run(t, c, []string{"shared_source"}, tc.first); len(got) != 0 {
				t.Fatalf("first run: %v", Messages(got))
			}
			got := Run(t, c, []string{"shared_source"}, tc.second)
			if len(got) != 1 || got[0].Borderwatch.Alert.Key != tc.key {
				t.Fatalf("second run: %v, want one alert keyed %s (the state was not restored)", Messages(got), tc.key)
			}
			c.State.Path = ""
			if got := Run(t, c, []string{"shared_source"}, tc.second); len(got) != 0 {
				t.Fatalf("in-memory run: %v", Messages(got))
			}
		})
	}
}

// The table is bounded: with max_entries subnets, the least recently seen are evicted and
// counted, and the counts add up.
func TestSharedSourceTableBound(t *testing.T) {
	c := rules.DefaultConfig()
	c.State.MaxEntries = 64
	only := false
	for _, n := range rules.Names() {
		rc := c.Rules[n]
		en := n == "shared_source"
		if !en {
			rc.Enabled = &only
		}
		c.Rules[n] = rc
	}
	e, err := rules.New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for i := range 1000 {
		ip := fmt.Sprintf("198.%d.%d.7", 18+i/256, i%256)
		if _, err := e.Evaluate(context.Background(), Login(t0.Add(time.Duration(i)*time.Second), fmt.Sprintf("u%d", i), ip, Chicago, "success")); err != nil {
			t.Fatal(err)
		}
	}
	st := e.Stats()["shared_source"].State
	// Each login adds an address and a subnet state; at most 64 subnets are kept.
	if st.Entries > 2*64 || st.Evicted == 0 || uint64(st.Entries)+st.Evicted+st.Expired != 2*1000 {
		t.Errorf("state counts %+v: want at most 128 entries and entries+evicted+expired = 2000", st)
	}
}
