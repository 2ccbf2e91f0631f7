package newcountry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	_ "github.com/borderwatch/borderwatch/rules/newcountry"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func daily(n int, p Place) []*borderwatch.Event {
	var out []*borderwatch.Event
	for i := range n {
		out = append(out, Login(t0.Add(time.Duration(i)*24*time.Hour), "alice", "198.51.100.1", p, "success"))
	}
	return out
}

func TestNewCountry(t *testing.T) {
	lagos := Place{Country: "NG", City: "Lagos", Lat: 6.5, Lon: 3.4, ASN: 29465, Org: "MTN"}
	nord := Place{Country: "NG", City: "Lagos", Categories: []string{"vpn"}, Provider: "nordvpn"}
	after := func(base []*borderwatch.Event, d time.Duration, ip string, p Place) []*borderwatch.Event {
		last := base[len(base)-1].Timestamp
		return append(base, Login(last.Add(d), "alice", ip, p, "success"))
	}
	tests := []struct {
		name    string
		evs     []*borderwatch.Event
		want    string
		wantMsg string
	}{
		{"new country after a 15-day baseline", after(daily(15, Chicago), time.Hour, "203.0.113.60", lagos), "medium", "alice logged in from 203.0.113.60 (Lagos, NG, AS29465 MTN), a country new for this user (baseline of 15 logins since 2026-03-02: US)"},
		{"watched country is high", after(daily(15, Chicago), time.Hour, "203.0.113.7", Beijing), "high", "Beijing, CN"},
		{"baseline too young: 3 days, 3 logins", after(daily(3, Chicago), time.Hour, "203.0.113.60", lagos), "", ""},
		{"known country is quiet", after(daily(15, Chicago), time.Hour, "198.51.100.2", Dallas), "", ""},
		{"VPN exits are skipped", after(daily(15, Chicago), time.Hour, "185.0.0.1", nord), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			alerts := Run(t, rules.DefaultConfig(), []string{"new_country"}, tc.evs)
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
	// Ten logins in one day trust the baseline too (the "or" of 14 days or 10 logins).
	var evs []*borderwatch.Event
	for i := range 10 {
		evs = append(evs, Login(t0.Add(time.Duration(i)*time.Hour), "bob", "198.51.100.1", Chicago, "success"))
	}
	evs = append(evs, Login(t0.Add(11*time.Hour), "bob", "203.0.113.60", lagos, "success"))
	if got := Run(t, rules.DefaultConfig(), []string{"new_country"}, evs); len(got) != 1 {
		t.Fatalf("10-login baseline: %v", Messages(got))
	}
}
