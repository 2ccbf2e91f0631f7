package main

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

// TestRulesReloadOnSIGHUPConfig exercises what SIGHUP does to the rules: the configuration file
// is re-read, a changed watched-country list takes effect on the next event, the state file is
// handed over, and a broken configuration leaves the running rules alone.
func TestRulesReloadOnSIGHUPConfig(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "bw.yaml")
	write := func(s string) {
		if err := os.WriteFile(cfgPath, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	state := filepath.Join(dir, "state.db")
	write("rules:\n  watched_countries: [CN]\n  state: {path: " + state + "}\n")
	load := func() (rules.Config, error) {
		c, err := loadConfig(cfgPath)
		return c.Rules, err
	}
	cfg, err := load()
	if err != nil {
		t.Fatal(err)
	}
	r, err := newReloadableRules(cfg, load, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	n := 0
	login := func() []*borderwatch.Event {
		n++
		ev := &borderwatch.Event{
			Timestamp: time.Date(2026, 11, 20, 9, n, 0, 0, time.UTC),
			Event: borderwatch.EventMeta{Kind: borderwatch.KindEvent, Category: []string{borderwatch.CategoryAuthentication},
				Outcome: borderwatch.OutcomeSuccess, Dataset: "borderwatch.okta", ID: strings.Repeat("x", n)},
			User:   borderwatch.User{Name: "heidi"},
			Source: borderwatch.Endpoint{IP: netip.MustParseAddr("95.24.0.10"), Geo: &borderwatch.Geo{CountryISOCode: "RU", CountryName: "Russia"}},
		}
		borderwatch.Normalize(ev)
		alerts, err := r.Evaluate(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return alerts
	}
	countRule := func(alerts []*borderwatch.Event, name string) int {
		c := 0
		for _, a := range alerts {
			if a.Rule != nil && a.Rule.Name == name {
				c++
			}
		}
		return c
	}
	if a := login(); countRule(a, "watched_country") != 0 {
		t.Fatalf("RU is not watched yet, got %d alerts", len(a))
	}
	if changed, err := r.Reload(); err != nil || changed {
		t.Fatalf("reload of an unchanged file: changed=%v err=%v", changed, err)
	}

	write("rules:\n  watched_countries: [CN, RU]\n  state: {path: " + state + "}\n")
	if changed, err := r.Reload(); err != nil || !changed {
		t.Fatalf("reload after the change: changed=%v err=%v", changed, err)
	}
	if a := login(); countRule(a, "watched_country") != 1 {
		t.Fatalf("after the reload a RU login must alert, got %v", a)
	}

	write("rules:\n  watched_countries: [RUSSIA]\n  state: {path: " + state + "}\n")
	if changed, err := r.Reload(); err == nil || changed || !strings.Contains(err.Error(), "two-letter") {
		t.Fatalf("a broken file must be refused: changed=%v err=%v", changed, err)
	}
	write("rules:\n  watched_cuntries: [RU]\n")
	if _, err := r.Reload(); err == nil || !strings.Contains(err.Error(), "watched_countries") {
		t.Fatalf("an unknown key must be refused with a suggestion: %v", err)
	}
	// The running rules are untouched: still watching RU (a later day, past suppression).
	n += 120
	if a := login(); countRule(a, "watched_country") != 1 {
		t.Fatalf("after refused reloads the rules must still work, got %v", a)
	}
}
