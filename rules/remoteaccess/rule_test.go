package remoteaccess_test

import (
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	_ "github.com/borderwatch/borderwatch/rules/remoteaccess"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

var relay = Place{Country: "DE", City: "Frankfurt", ASN: 24940, Org: "Hetzner", Categories: []string{"hosting"}}

func tv(min int, host string, p Place) *borderwatch.Event {
	return WithApp(Session(t0.Add(time.Duration(min)*time.Minute), host, Internal, "203.0.113.80", p, 5938, 1000, 1000), "teamviewer", "remote_access", "port:5938")
}

func anydesk(min int, host string, p Place) *borderwatch.Event {
	return WithApp(Session(t0.Add(time.Duration(min)*time.Minute), host, Internal, "203.0.113.81", p, 6568, 1000, 1000), "anydesk", "remote_access", "sni:relay-1.net.anydesk.com")
}

func TestRemoteAccessTool(t *testing.T) {
	rdpIn := WithApp(Session(t0, "203.0.113.90", Moscow, "10.0.0.7", Internal, 3389, 100, 100), "rdp", "remote_access", "rdp_cookie:admin")
	tests := []struct {
		name       string
		sanctioned []string
		evs        []*borderwatch.Event
		want       []string
		wantMsg    string
	}{
		{"one unsanctioned tool", nil, []*borderwatch.Event{tv(0, "10.0.0.5", relay)}, []string{"medium"}, "Internal host 10.0.0.5 ran a remote-access session (teamviewer) to 203.0.113.80"},
		{"sanctioned tool alone is quiet", []string{"TeamViewer"}, []*borderwatch.Event{tv(0, "10.0.0.5", relay)}, nil, ""},
		{"second tool next to the sanctioned one", []string{"teamviewer"}, []*borderwatch.Event{tv(0, "10.0.0.5", relay), anydesk(60, "10.0.0.5", relay)}, []string{"high"}, "used a second remote-access tool, anydesk"},
		{"two tools on two hosts are not one host's", []string{"teamviewer", "anydesk"}, []*borderwatch.Event{tv(0, "10.0.0.5", relay), anydesk(60, "10.0.0.6", relay)}, nil, ""},
		{"peer in a watched country", nil, []*borderwatch.Event{tv(0, "10.0.0.5", Beijing)}, []string{"high"}, "Beijing, CN"},
		{"inbound RDP from a watched country", nil, []*borderwatch.Event{rdpIn}, []string{"critical"}, "session (rdp) from 203.0.113.90"},
		{"not a remote-access app", nil, []*borderwatch.Event{WithApp(Session(t0, "10.0.0.5", Internal, "203.0.113.80", relay, 443, 1, 1), "wireguard", "vpn")}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Set(rules.DefaultConfig(), "remote_access_tool", "sanctioned_tools", tc.sanctioned)
			alerts := Run(t, cfg, []string{"remote_access_tool"}, tc.evs)
			if len(alerts) != len(tc.want) {
				t.Fatalf("got %v; want %d", Messages(alerts), len(tc.want))
			}
			for i, a := range alerts {
				if a.Borderwatch.Alert.Severity != tc.want[i] || !strings.Contains(a.Message, tc.wantMsg) {
					t.Errorf("got %s %q %v; want %s containing %q", a.Borderwatch.Alert.Severity, a.Message, a.Borderwatch.Alert.Reasons, tc.want[i], tc.wantMsg)
				}
				if a.Threat.Technique.ID[0] != "T1219" || a.Borderwatch.App == nil {
					t.Errorf("threat/app missing")
				}
			}
		})
	}
}
