package rules_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	_ "github.com/borderwatch/borderwatch/rules/all"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
	"github.com/borderwatch/borderwatch/rules/state"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestDefaultConfigValid(t *testing.T) {
	cfg := rules.DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Rules) != 11 {
		t.Errorf("%d rules in the default config, want 11: %v", len(cfg.Rules), rules.Names())
	}
	e, err := rules.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if got := len(e.Enabled()); got != 11 {
		t.Errorf("%d rules enabled, want 11", got)
	}
}

// A YAML file decoded onto the defaults (as the configuration loader does) keeps the defaults of
// everything it does not mention, including the other params of a rule it tunes.
func TestYAMLOverlay(t *testing.T) {
	cfg := rules.DefaultConfig()
	doc := `
watched_countries: [CN, RU, KP, IR]
rule:
  impossible_travel:
    suppression: 2h
    params: {alert_speed_kmh: 900}
  off_hours: {enabled: false}
  anonymizer_login:
    min_severity: high
    allow: {users: [svc-scanner], ips: [198.51.100.0/24]}
`
	if err := yaml.Unmarshal([]byte(doc), &cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	e, err := rules.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if strings.Contains(strings.Join(e.Enabled(), ","), "off_hours") {
		t.Error("off_hours still enabled")
	}
	// Chicago to Denver in 90 minutes is about 960 km/h: improbable (medium) by default, impossible
	// (high) with alert_speed_kmh 900, while improbable_speed_kmh keeps its default of 700.
	evs := func() []*borderwatch.Event {
		return []*borderwatch.Event{
			Login(t0, "alice", "198.18.0.1", Chicago, "success"),
			Login(t0.Add(90*time.Minute), "alice", "198.18.0.2", Place{Country: "US", City: "Denver", Lat: 39.74, Lon: -104.99, Radius: 10, ASN: 7922}, "success"),
		}
	}
	got := run(t, e, evs())
	if len(got) != 1 || got[0].Borderwatch.Alert.Severity != "high" || got[0].Borderwatch.Alert.SpeedKmh < 900 || got[0].Borderwatch.Alert.SpeedKmh > 1000 {
		t.Fatalf("overlay not applied: %v", Messages(got))
	}
	if got := Run(t, only(rules.DefaultConfig(), "impossible_travel"), nil, evs()); len(got) != 1 || got[0].Borderwatch.Alert.Severity != "medium" {
		t.Fatalf("defaults: %v", Messages(got))
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		mutate func(*rules.Config)
		want   string
	}{
		{func(c *rules.Config) { c.WatchedCountries = []string{"CHN"} }, `rules.watched_countries: "CHN" is not a two-letter ISO country code`},
		{func(c *rules.Config) { c.Rules["impossible_travle"] = rules.RuleConfig{} }, `rules.rule.impossible_travle: no such rule`},
		{func(c *rules.Config) { c.Rules["impossible_travel"] = rules.RuleConfig{Severity: "urgent"} }, `rules.rule.impossible_travel.severity: severity "urgent" is not known: use low, medium, high or critical`},
		{func(c *rules.Config) {
			d := -time.Hour
			c.Rules["shared_source"] = rules.RuleConfig{Suppression: &d}
		}, `rules.rule.shared_source.suppression must be >= 0`},
		{func(c *rules.Config) {
			c.Rules["impossible_travel"] = rules.RuleConfig{Settings: map[string]any{"alert_speed_kmh": 500}}
		}, `rules.rule.impossible_travel.params.need 0 < improbable_speed_kmh (700) <= alert_speed_kmh (500)`},
		{func(c *rules.Config) {
			c.Rules["impossible_travel"] = rules.RuleConfig{Settings: map[string]any{"min_speed": 1}}
		}, `rules.rule.impossible_travel: params: unknown key "min_speed"; known params: alert_speed_kmh,`},
		{func(c *rules.Config) {
			c.Rules["impossible_travel"] = rules.RuleConfig{Settings: map[string]any{"round_trip_window": "ninety minutes"}}
		}, `rules.rule.impossible_travel: params:`},
		{func(c *rules.Config) {
			c.Rules["watched_country"] = rules.RuleConfig{Allow: rules.Allowlist{IPs: []string{"10.0.0.0/99"}}}
		}, `rules.rule.watched_country.allow.ips: "10.0.0.0/99" is neither an address nor a CIDR`},
		{func(c *rules.Config) { c.State.TTL = 0 }, `rules.state.ttl must be > 0`},
	}
	for _, tc := range tests {
		cfg := rules.DefaultConfig()
		tc.mutate(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v\nwant it to contain %q", err, tc.want)
		}
		if _, err := rules.New(cfg, nil); err == nil {
			t.Errorf("New accepted a config that Validate refuses (%s)", tc.want)
		}
	}
}

func only(cfg rules.Config, names ...string) rules.Config {
	for _, n := range rules.Names() {
		rc := cfg.Rules[n]
		en := false
		for _, o := range names {
			en = en || o == n
		}
		rc.Enabled = &en
		cfg.Rules[n] = rc
	}
	return cfg
}

func TestSeverityOverrideAndMinimum(t *testing.T) {
	ev := func() []*borderwatch.Event {
		return []*borderwatch.Event{Login(t0, "bob", "203.0.113.8", Moscow, "failure"), Login(t0, "al", "203.0.113.9", Moscow, "success")}
	}
	cfg := only(rules.DefaultConfig(), "watched_country")
	rc := cfg.Rules["watched_country"]
	rc.MinSeverity = "high"
	cfg.Rules["watched_country"] = rc
	got := Run(t, cfg, nil, ev())
	if len(got) != 1 || got[0].User.Name != "al" {
		t.Fatalf("min_severity high: %v", Messages(got))
	}
	rc.MinSeverity, rc.Severity = "", "critical"
	cfg.Rules["watched_country"] = rc
	got = Run(t, cfg, nil, ev())
	if len(got) != 2 || got[0].Event.Severity != 99 || got[1].Event.Severity != 99 {
		t.Fatalf("severity critical: %v", Messages(got))
	}
}

func TestSuppressionDisabled(t *testing.T) {
	cfg := only(rules.DefaultConfig(), "watched_country")
	zero := time.Duration(0)
	rc := cfg.Rules["watched_country"]
	rc.Suppression = &zero
	cfg.Rules["watched_country"] = rc
	var evs []*borderwatch.Event
	for i := range 4 {
		evs = append(evs, Login(t0.Add(time.Duration(i)*time.Minute), "al", "203.0.113.9", Moscow, "success"))
	}
	if got := Run(t, cfg, nil, evs); len(got) != 4 {
		t.Fatalf("suppression 0s: %d alerts, want 4", len(got))
	}
}

func TestSuppressionTableBound(t *testing.T) {
	cfg := only(rules.DefaultConfig(), "watched_country")
	cfg.Suppression.MaxEntries = 2
	var evs []*borderwatch.Event
	for _, u := range []string{"a", "b", "a", "c", "d"} {
		evs = append(evs, Login(t0, u, "203.0.113.9", Moscow, "success"))
	}
	got := Run(t, cfg, nil, evs)
	// a, b, (a folded), c evicts a's window with its summary, d evicts b's (no repeats): a b a-summary c d.
	if len(got) != 5 || !got[2].HasTag("suppression_summary") {
		t.Fatalf("bounded suppression: %v", Messages(got))
	}
}

func TestAlertsAreECSAndDeterministic(t *testing.T) {
	cfg := only(rules.DefaultConfig(), "watched_country", "anonymizer_login")
	mk := func() []*borderwatch.Event {
		return []*borderwatch.Event{Login(t0, "al", "203.0.113.9", Place{Country: "RU", City: "Moscow", ASN: 9009, Categories: []string{"vpn"}, Provider: "astrill"}, "success")}
	}
	a1, a2 := Run(t, cfg, nil, mk()), Run(t, cfg, nil, mk())
	if len(a1) != 2 {
		t.Fatalf("want both rules to fire: %v", Messages(a1))
	}
	for i := range a1 {
		borderwatch.Normalize(a1[i])
		borderwatch.Normalize(a2[i])
		if a1[i].Borderwatch.ID == "" || a1[i].Borderwatch.ID != a2[i].Borderwatch.ID {
			t.Errorf("alert ids differ between identical runs: %q %q", a1[i].Borderwatch.ID, a2[i].Borderwatch.ID)
		}
		a := a1[i]
		if a.Event.Kind != "alert" || a.Event.Category[0] != "threat" || a.Event.Category[1] != "authentication" ||
			a.Rule.ID == "" || a.Rule.Version == "" || a.Event.RiskScore == 0 || a.Source.Geo == nil || a.User.Name != "al" {
			t.Errorf("incomplete alert: %+v", a)
		}
	}
	if a1[0].Borderwatch.ID == a1[1].Borderwatch.ID {
		t.Error("two rules' alerts share an id")
	}
}

func TestStateLockedAndReset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	cfg := rules.DefaultConfig()
	cfg.State.Path = path
	cfg.State.LockTimeout = 100 * time.Millisecond
	e, err := rules.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = rules.New(cfg, nil)
	if !errors.Is(err, state.ErrLocked) || !strings.Contains(err.Error(), "stop the other borderwatch run") {
		t.Fatalf("second open: %v, want ErrLocked with advice", err)
	}
	for _, ev := range []*borderwatch.Event{Login(t0, "al", "198.51.100.1", Chicago, "success")} {
		if _, err := e.Evaluate(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bs, err := st.Buckets()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, b := range bs {
		names[b.Name] = b.Entries
	}
	if names["impossible_travel"] != 1 || names["new_country"] != 1 || names["off_hours"] != 1 {
		t.Fatalf("buckets after one login: %+v", bs)
	}
	if err := st.Reset("impossible_travel"); err != nil {
		t.Fatal(err)
	}
	if err := st.Reset("nope"); err == nil {
		t.Error("reset of a missing bucket succeeded")
	}
	bs, _ = st.Buckets()
	for _, b := range bs {
		if b.Name == "impossible_travel" {
			t.Error("bucket survived reset")
		}
	}
}

func run(t *testing.T, e *rules.Engine, evs []*borderwatch.Event) []*borderwatch.Event {
	t.Helper()
	var out []*borderwatch.Event
	for _, ev := range evs {
		a, err := e.Evaluate(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a...)
	}
	a, err := e.Flush(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return append(out, a...)
}

// Stats may be read (by a metrics endpoint) while the pipeline evaluates; run with -race.
func TestStatsWhileEvaluating(t *testing.T) {
	e, err := rules.New(only(rules.DefaultConfig(), "watched_country"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			_ = e.Stats()
		}
	}()
	for i := range 200 {
		if _, err := e.Evaluate(context.Background(), Login(t0.Add(time.Duration(i)*time.Hour), "al", "203.0.113.9", Moscow, "success")); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	if s := e.Stats()["watched_country"]; s.Findings != 200 || s.Alerts == 0 {
		t.Fatalf("stats %+v", s)
	}
}

// Stateful rules report the size of their tables and what they dropped.
func TestStatsReportTables(t *testing.T) {
	cfg := only(rules.DefaultConfig(), "impossible_travel", "new_country")
	cfg.State.MaxEntries = 32
	e, err := rules.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for i := range 100 {
		e.Evaluate(context.Background(), Login(t0.Add(time.Duration(i)*time.Minute), fmt.Sprintf("u%d", i), "198.51.100.1", Chicago, "success"))
	}
	e.Flush(context.Background())
	for _, n := range []string{"impossible_travel", "new_country"} {
		s := e.Stats()[n].State
		if s.Entries == 0 || s.Entries > 32 || s.Evicted == 0 || uint64(s.Entries)+s.Evicted != 100 {
			t.Errorf("%s: %+v, want at most 32 entries and the rest of 100 users evicted", n, s)
		}
	}
	if open, _ := e.SuppressionStats(); open != 0 {
		t.Errorf("%d suppression windows open after flush", open)
	}
}
