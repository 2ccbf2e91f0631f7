package egressvolume_test

import (
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	_ "github.com/borderwatch/borderwatch/rules/egressvolume"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func out(min int, host string, p Place, bytes uint64) *borderwatch.Event {
	return Session(t0.Add(time.Duration(min)*time.Minute), host, Internal, "203.0.113.7", p, 443, bytes, 1000)
}

func TestEgressVolume(t *testing.T) {
	tor := Place{Country: "DE", Categories: []string{"tor"}}
	tests := []struct {
		name    string
		evs     []*borderwatch.Event
		want    []string
		wantMsg string
	}{
		{"600 MB to China in three flows", []*borderwatch.Event{out(0, "10.0.0.5", Beijing, 200e6), out(10, "10.0.0.5", Beijing, 200e6), out(20, "10.0.0.5", Beijing, 200e6)},
			[]string{"high"}, "Internal host 10.0.0.5 sent 600 MB on 2026-03-02 to watched countries or anonymizers (CN 600 MB)"},
		{"6 GB to Tor escalates once", []*borderwatch.Event{out(0, "10.0.0.5", tor, 600e6), out(10, "10.0.0.5", tor, 5.5e9)},
			[]string{"medium", "high"}, "(tor "},
		{"below the threshold", []*borderwatch.Event{out(0, "10.0.0.5", Beijing, 100e6)}, nil, ""},
		{"two hosts do not add up", []*borderwatch.Event{out(0, "10.0.0.5", Beijing, 300e6), out(1, "10.0.0.6", Beijing, 300e6)}, nil, ""},
		{"to an ordinary destination", []*borderwatch.Event{out(0, "10.0.0.5", Chicago, 9e9)}, nil, ""},
		{"two days do not add up", []*borderwatch.Event{out(0, "10.0.0.5", Beijing, 300e6), out(24*60, "10.0.0.5", Beijing, 300e6)}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			alerts := Run(t, rules.DefaultConfig(), []string{"egress_volume"}, tc.evs)
			if len(alerts) != len(tc.want) {
				t.Fatalf("got %v; want %d", Messages(alerts), len(tc.want))
			}
			for i, a := range alerts {
				if a.Borderwatch.Alert.Severity != tc.want[i] || !strings.Contains(a.Message, tc.wantMsg) {
					t.Errorf("got %s %q; want %s containing %q", a.Borderwatch.Alert.Severity, a.Message, tc.want[i], tc.wantMsg)
				}
			}
		})
	}
	// Cumulative periodic reports of one flow are counted once.
	var evs []*borderwatch.Event
	for i := 1; i <= 5; i++ {
		ev := out(i, "10.0.0.5", Beijing, uint64(i)*150e6)
		ev.Network.CommunityID = "1:flow"
		ev.Event.Start = t0
		evs = append(evs, ev)
	}
	alerts := Run(t, rules.DefaultConfig(), []string{"egress_volume"}, evs)
	if len(alerts) != 1 || !strings.Contains(alerts[0].Message, "sent 600 MB") {
		t.Fatalf("cumulative reports: %v", Messages(alerts))
	}
}
