package report

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func collect(t *testing.T, cfg Config) *Report {
	t.Helper()
	c, err := NewCollector(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	evs := sampleDay()
	// Publish in two batches, as a pipeline would.
	if err := c.Publish(context.Background(), evs[:7]); err != nil {
		t.Fatal(err)
	}
	if err := c.Publish(context.Background(), evs[7:]); err != nil {
		t.Fatal(err)
	}
	return c.Report(Meta{Generated: day.Add(30 * time.Hour), Since: day, Until: day.Add(24 * time.Hour), Inputs: []string{"okta.ndjson"}})
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; diff it or rerun with -update:\n%s", path, got)
	}
}

func TestReportGolden(t *testing.T) {
	r := collect(t, DefaultConfig())
	var js, txt bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	golden(t, "sample.golden.json", js.Bytes())
	golden(t, "sample.golden.txt", txt.Bytes())
}

func TestReportFacts(t *testing.T) {
	r := collect(t, DefaultConfig())
	if r.Totals.Alerts != 5 || r.Totals.Events != 19 || r.Totals.Authentication != 15 || r.Totals.Failures != 1 {
		t.Errorf("totals = %+v", r.Totals)
	}
	wantSev := map[string]int{"critical": 1, "high": 3, "medium": 1, "low": 0}
	for s, n := range wantSev {
		if r.BySeverity[s] != n {
			t.Errorf("severity %s = %d, want %d", s, r.BySeverity[s], n)
		}
	}
	if got := r.MaxSeverity(); got != "critical" {
		t.Errorf("MaxSeverity = %q", got)
	}
	for _, tc := range []struct {
		sev  string
		want int
	}{{"low", 5}, {"medium", 5}, {"high", 4}, {"critical", 1}} {
		if got := r.CountAtLeast(tc.sev); got != tc.want {
			t.Errorf("CountAtLeast(%s) = %d, want %d", tc.sev, got, tc.want)
		}
	}
	if len(r.Travels) != 2 || r.Travels[0].User != "alice" || r.Travels[0].From.City != "Berlin" || r.Travels[0].To.City != "Beijing" || r.Travels[1].User != "carol" {
		t.Errorf("travels = %+v", r.Travels)
	}
	if r.Rules[0].ID != "impossible_travel" || r.Rules[0].Total != 2 || r.Rules[0].BySeverity["critical"] != 1 {
		t.Errorf("rules[0] = %+v", r.Rules[0])
	}
	// Alerted users have timelines, in time order, with their alerts in them.
	users := map[string]Timeline{}
	for _, tl := range r.Timelines {
		users[tl.User] = tl
	}
	for _, u := range []string{"alice", "carol", "dave", "erin", "frank"} {
		if _, ok := users[u]; !ok {
			t.Errorf("no timeline for %s", u)
		}
	}
	if _, ok := users["bob"]; ok {
		t.Error("bob was not alerted but has a timeline")
	}
	al := users["alice"]
	if len(al.Entries) != 4 || al.Entries[0].City != "Berlin" || al.Entries[1].City != "Beijing" || al.Entries[2].Kind != "alert" {
		t.Errorf("alice's timeline = %+v", al.Entries)
	}
	// Watched countries: alice's CN login, bob's RU failure, and the outbound flows to Moscow.
	var outbound *ActivityRow
	for i, a := range r.WatchedEgress {
		if a.Kind == "outbound" {
			outbound = &r.WatchedEgress[i]
		}
	}
	if len(r.WatchedEgress) != 3 || outbound == nil || outbound.Count != 2 || outbound.Bytes != 12_000_000 || outbound.Party != "10.1.2.3" {
		t.Errorf("watched-country activity = %+v", r.WatchedEgress)
	}
	if len(r.RemoteAccess) != 1 || r.RemoteAccess[0].Sessions != 2 || r.RemoteAccess[0].App != "teamviewer" || r.RemoteAccess[0].Duration != 1200 {
		t.Errorf("remote access = %+v", r.RemoteAccess)
	}
	if len(r.Dropped) != 0 {
		t.Errorf("dropped = %v with default bounds", r.Dropped)
	}
}

func TestBoundsAreCounted(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxLocations, cfg.MaxAlerts, cfg.MaxRows, cfg.MaxUsers = 2, 1, 1, 3
	cfg.AlertedTimelines, cfg.TimelineEvents, cfg.AlertedEvents = 1, 1, 2
	r := collect(t, cfg)
	for table, min := range map[string]uint64{
		"locations": 1, "alerts": 4, "travels": 1, "watched_country_activity": 2, "users": 1,
		"alerted_timelines": 1, "timeline_events": 1,
	} {
		if r.Dropped[table] < min {
			t.Errorf("dropped[%s] = %d, want >= %d (all: %v)", table, r.Dropped[table], min, r.Dropped)
		}
	}
	if len(r.Locations) > 2 || len(r.Alerts) != 1 || len(r.WatchedEgress) != 1 || r.Totals.Users != 3 || len(r.Timelines) != 1 {
		t.Errorf("bounds not kept: %d locations, %d alerts, %d rows, %d users, %d timelines",
			len(r.Locations), len(r.Alerts), len(r.WatchedEgress), r.Totals.Users, len(r.Timelines))
	}
	// Counts stay exact whatever the bounds.
	if r.Totals.Alerts != 5 || r.BySeverity["high"] != 3 {
		t.Errorf("totals changed under bounds: %+v %v", r.Totals, r.BySeverity)
	}
	var txt bytes.Buffer
	if err := r.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(txt.String(), "left out by report bounds: ") {
		t.Errorf("text summary does not mention what was left out:\n%s", txt.String())
	}
}

func TestTimelineRingKeepsLatest(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TimelineEvents = 3
	c, err := NewCollector(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var evs = sampleDay()[:0]
	for i := range 7 {
		evs = append(evs, login("zoe", time.Duration(i)*time.Hour, "198.51.100.7", berlin, "success"))
	}
	evs = append(evs, alert("new_country", "low", evs[6], "zoe"))
	c.Publish(context.Background(), evs)
	r := c.Report(Meta{})
	if len(r.Timelines) != 1 {
		t.Fatalf("timelines = %+v", r.Timelines)
	}
	tl := r.Timelines[0]
	var hours []int
	for _, e := range tl.Entries {
		hours = append(hours, e.Time.Hour())
	}
	if len(hours) != 4 || hours[0] != 4 || hours[1] != 5 || hours[2] != 6 || tl.Entries[3].Kind != "alert" || tl.Dropped != 4 {
		t.Errorf("timeline hours = %v, last kind %q, dropped %d; want the last 3 logins (4,5,6) then the alert, 4 dropped",
			hours, tl.Entries[len(tl.Entries)-1].Kind, tl.Dropped)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"default", func(*Config) {}, ""},
		{"zero top", func(c *Config) { c.TopN = 0 }, "report.top_n must be > 0"},
		{"lower-case country", func(c *Config) { c.WatchedCountries = []string{"cn"} }, "upper-case"},
		{"alerted below ring", func(c *Config) { c.AlertedEvents = 2 }, "alerted_events"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.mutate(&cfg)
			err := cfg.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}
