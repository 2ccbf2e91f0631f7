package longsession_test

import (
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	_ "github.com/borderwatch/borderwatch/rules/longsession"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
)

var t0 = time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)

func TestLongSession(t *testing.T) {
	hosting := Place{Country: "NL", City: "Amsterdam", ASN: 60781, Org: "LeaseWeb", Categories: []string{"hosting"}}
	plain := Place{Country: "US", City: "Chicago", ASN: 15169, Org: "Google"}
	login := Long(Login(t0, "kim", "198.51.100.1", Chicago, "success"), 30*time.Hour)
	login.Event.Category = append(login.Event.Category, "session")
	login.Borderwatch.Auth = &borderwatch.Auth{SessionID: "s-1"}
	tests := []struct {
		name, want, wantMsg string
		ev                  *borderwatch.Event
	}{
		{"day-long anydesk session", "medium", "kept a remote-access session (anydesk) open for 25 h 0 min", Long(WithApp(Session(t0, "10.0.0.5", Internal, "203.0.113.81", hosting, 6568, 1, 1), "anydesk", "remote_access"), 25*time.Hour)},
		{"three-day wireguard tunnel", "medium", "for 3 days 2 h", Long(WithApp(Session(t0, "10.0.0.5", Internal, "203.0.113.81", hosting, 51820, 1, 1), "wireguard", "vpn"), 74*time.Hour)},
		{"one TLS flow to hosting for a day", "medium", "single TLS flow to a hosting range", Long(Session(t0, "10.0.0.5", Internal, "203.0.113.81", hosting, 443, 1, 1), 26*time.Hour)},
		{"login session of 30 h", "medium", "kim kept a login session open for 30 h 0 min", login},
		{"a long TLS flow to an ordinary site", "", "", Long(Session(t0, "10.0.0.5", Internal, "203.0.113.82", plain, 443, 1, 1), 26*time.Hour)},
		{"a short remote-access session", "", "", Long(WithApp(Session(t0, "10.0.0.5", Internal, "203.0.113.81", hosting, 6568, 1, 1), "anydesk", "remote_access"), 5*time.Hour)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			alerts := Run(t, rules.DefaultConfig(), []string{"long_session"}, []*borderwatch.Event{tc.ev})
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
	// Periodic reports of one session fold into one alert and a summary.
	var evs []*borderwatch.Event
	for i := range 5 {
		ev := Long(WithApp(Session(t0.Add(time.Duration(i)*time.Hour), "10.0.0.5", Internal, "203.0.113.81", hosting, 6568, 1, 1), "anydesk", "remote_access"), time.Duration(25+i)*time.Hour)
		ev.Network.CommunityID = "1:same"
		ev.Event.Start = t0.Add(-25 * time.Hour)
		evs = append(evs, ev)
	}
	alerts := Run(t, rules.DefaultConfig(), []string{"long_session"}, evs)
	if len(alerts) != 2 || alerts[1].Borderwatch.Alert.Count != 5 {
		t.Fatalf("periodic reports: %v", Messages(alerts))
	}
}
