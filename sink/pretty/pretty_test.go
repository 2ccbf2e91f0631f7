package pretty

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
)

func TestFormatAlertBlock(t *testing.T) {
	ts := time.Date(2026, 11, 20, 8, 14, 3, 0, time.UTC)
	alert := &borderwatch.Event{
		Timestamp: ts, Message: "frank logged in from China.",
		Event:  borderwatch.EventMeta{Kind: borderwatch.KindAlert},
		Rule:   &borderwatch.RuleInfo{ID: "bw-1", Name: "watched_country"},
		User:   borderwatch.User{Name: "frank", Email: "frank@example.com"},
		Source: borderwatch.Endpoint{IP: netip.MustParseAddr("1.192.0.10"), Geo: &borderwatch.Geo{CityName: "Zhengzhou", CountryName: "China"}, AS: &borderwatch.AS{Number: 4837, Organization: borderwatch.Organization{Name: "China Unicom"}}},
		Borderwatch: borderwatch.Borderwatch{Alert: &borderwatch.Alert{Severity: "high", Reasons: []string{"CN is watched"}, Count: 3, FirstSeen: ts.Add(-time.Hour), LastSeen: ts,
			Previous: &borderwatch.Endpoint{IP: netip.MustParseAddr("73.15.240.10"), Geo: &borderwatch.Geo{CountryISOCode: "US"}}, PreviousTime: ts.Add(-2 * time.Hour)}},
	}
	event := &borderwatch.Event{Timestamp: ts, User: borderwatch.User{Name: "alice"}}
	var buf bytes.Buffer
	s := New(&buf)
	if err := s.Publish(context.Background(), []*borderwatch.Event{event, alert}); err != nil {
		t.Fatal(err)
	}
	want := `2026-11-20 08:14:03Z  HIGH      watched_country  frank@example.com
    frank logged in from China.
    from  1.192.0.10  Zhengzhou, China  AS4837 China Unicom
    prev  73.15.240.10  US at 2026-11-20 06:14:03Z
    why   CN is watched
    seen  3 times, 2026-11-20 07:14:03Z .. 2026-11-20 08:14:03Z

`
	if got := buf.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if s.Alerts() != 1 || strings.Contains(buf.String(), "alice") {
		t.Errorf("non-alert printed or miscounted: %d", s.Alerts())
	}
}
