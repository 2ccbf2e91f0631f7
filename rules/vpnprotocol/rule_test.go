package vpnprotocol_test

import (
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
	_ "github.com/borderwatch/borderwatch/rules/vpnprotocol"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestVPNProtocol(t *testing.T) {
	hosting := Place{Country: "NL", City: "Amsterdam", ASN: 60781, Org: "LeaseWeb", Categories: []string{"hosting"}}
	astrill := Place{Country: "HK", City: "Hong Kong", ASN: 9009, Org: "M247", Categories: []string{"vpn", "hosting"}, Provider: "astrill"}
	wg := func(src string, p Place) *borderwatch.Event {
		return WithApp(Session(t0, src, Internal, "203.0.113.40", p, 51820, 5000, 5000), "wireguard", "vpn", "payload:wireguard_handshake")
	}
	tests := []struct {
		name     string
		settings map[string]any
		ev       *borderwatch.Event
		want     string
		wantMsg  string
	}{
		{"wireguard from a workstation", nil, wg("10.0.0.5", hosting), "medium", "Internal host 10.0.0.5 opened a VPN tunnel (wireguard) to 203.0.113.40 (Amsterdam, NL, AS60781 LeaseWeb)"},
		{"sanctioned client subnet", map[string]any{"sanctioned_clients": []string{"10.0.0.0/24"}}, wg("10.0.0.5", hosting), "", ""},
		{"sanctioned gateway", map[string]any{"sanctioned_servers": []string{"203.0.113.40"}}, wg("10.0.0.5", hosting), "", ""},
		{"sanctioned app", map[string]any{"sanctioned_apps": []string{"wireguard"}}, wg("10.0.0.5", hosting), "", ""},
		{"astrill by range list alone", nil, Session(t0, "10.0.0.5", Internal, "203.0.113.41", astrill, 443, 100, 100), "high", "VPN tunnel (astrill)"},
		{"openvpn to a watched country", nil, WithApp(Session(t0, "10.0.0.5", Internal, "203.0.113.7", Beijing, 1194, 1, 1), "openvpn", "vpn"), "high", "openvpn"},
		{"inbound VPN to our gateway is not ours to judge", nil, WithApp(Session(t0, "203.0.113.40", hosting, "10.0.0.1", Internal, 51820, 1, 1), "wireguard", "vpn"), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := rules.DefaultConfig()
			for k, v := range tc.settings {
				cfg = Set(cfg, "vpn_protocol", k, v)
			}
			alerts := Run(t, cfg, []string{"vpn_protocol"}, []*borderwatch.Event{tc.ev})
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
	cfg := Set(rules.DefaultConfig(), "vpn_protocol", "sanctioned_clients", []string{"10.0.0.0/33"})
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "rules.rule.vpn_protocol.params.sanctioned_clients") {
		t.Fatalf("bad CIDR: %v", err)
	}
}
