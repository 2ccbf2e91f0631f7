package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/rules/scenario"
)

func TestRulesListAndValidate(t *testing.T) {
	code, out, errOut := runCLI(t, "rules", "list")
	if code != 0 || !strings.Contains(out, "impossible_travel") || !strings.Contains(out, "bw-watched-country-001") {
		t.Fatalf("rules list: %d\n%s%s", code, out, errOut)
	}
	cfg := writeFile(t, "c.yaml", "rules:\n  rule:\n    off_hours: {enabled: false}\n    impossible_travel:\n      params: {alert_speed_kmh: 900}\n")
	code, out, _ = runCLI(t, "--config", cfg, "rules", "validate")
	if code != 0 || !strings.Contains(out, "10 of 11 rules enabled") {
		t.Fatalf("rules validate: %d %s", code, out)
	}
	bad := writeFile(t, "b.yaml", "rules:\n  rule:\n    impossible_travel:\n      params: {alert_speed: 900}\n")
	code, _, errOut = runCLI(t, "--config", bad, "rules", "validate")
	if code != exitUsage || !strings.Contains(errOut, `unknown key "alert_speed"`) || !strings.Contains(errOut, "alert_speed_kmh") {
		t.Fatalf("bad params: %d %s", code, errOut)
	}
}

// rules test over a generated scenario shows the planted alerts with their reasons and the
// per-rule counters; --rule narrows the run.
func TestRulesTestOnScenario(t *testing.T) {
	dir := t.TempDir()
	s := scenario.Generate(scenario.Options{Users: 30, Hosts: 5, Days: 21})
	if err := s.Write(dir); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "borderwatch.yaml")
	code, out, errOut := runCLI(t, "--config", cfg, "rules", "test", filepath.Join(dir, "scenario.ndjson.gz"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"impossible_travel", "trav-ana logged in from São Paulo, BR",
		"shared_source", "farm-kim", "why: ", "events: ",
		"watched_country", "cn-bo logged in successfully from 222.128.7.30 (Beijing, CN, AS4134 CHINANET)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !strings.Contains(errOut, "FINDINGS") || !strings.Contains(errOut, "0 rejected") {
		t.Errorf("stats missing:\n%s", errOut)
	}
	code, out, _ = runCLI(t, "--config", cfg, "rules", "test", "--rule", "shared_source", "--json", filepath.Join(dir, "scenario.ndjson.gz"))
	if code != 0 || strings.Contains(out, `"name":"impossible_travel"`) || !strings.Contains(out, `"name":"shared_source"`) {
		t.Fatalf("--rule shared_source --json: %d\n%.500s", code, out)
	}
	// An export sorted by user, not by time: with --reorder the travel is found all the same.
	unsorted := filepath.Join(dir, "unsorted.ndjson")
	lines := []string{
		`{"@timestamp":"2026-03-02T10:00:00Z","event":{"kind":"event","category":["authentication"],"outcome":"success"},"user":{"name":"zoe"},"source":{"ip":"203.0.113.50","geo":{"country_iso_code":"GB","city_name":"London","location":{"lat":51.5,"lon":-0.12},"accuracy_radius":10}}}`,
		`{"@timestamp":"2026-03-02T12:00:00Z","event":{"kind":"event","category":["authentication"],"outcome":"success"},"user":{"name":"yan"},"source":{"ip":"198.51.100.7","geo":{"country_iso_code":"US","city_name":"Chicago","location":{"lat":41.88,"lon":-87.63},"accuracy_radius":20}}}`,
		`{"@timestamp":"2026-03-02T09:00:00Z","event":{"kind":"event","category":["authentication"],"outcome":"success"},"user":{"name":"zoe"},"source":{"ip":"198.51.100.1","geo":{"country_iso_code":"US","city_name":"Chicago","location":{"lat":41.88,"lon":-87.63},"accuracy_radius":20}}}`,
	}
	if err := os.WriteFile(unsorted, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const want = "zoe logged in from London, GB 203.0.113.50 after logging in from Chicago, US: 6324 km in 1 h"
	_, out, _ = runCLI(t, "rules", "test", "--rule", "impossible_travel", "--reorder", "24h", unsorted)
	if !strings.Contains(out, want) {
		t.Errorf("--reorder: %s", out)
	}
	// Without it the Chicago login arrives after max_lateness (5 min) has passed: it is still
	// compared, in time order, with the newer London login.
	_, out, _ = runCLI(t, "rules", "test", "--rule", "impossible_travel", unsorted)
	if !strings.Contains(out, "after logging in from") || !strings.Contains(out, "zoe") {
		t.Errorf("late login: %s", out)
	}
	code, _, errOut = runCLI(t, "rules", "test", "--rule", "nope", "x")
	if code != exitUsage || !strings.Contains(errOut, `--rule "nope" is not a rule`) {
		t.Fatalf("unknown rule: %d %s", code, errOut)
	}
}

func TestStateInspectAndReset(t *testing.T) {
	dir := t.TempDir()
	s := scenario.Generate(scenario.Options{Users: 10, Hosts: 2, Days: 14})
	if err := s.Write(dir); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "state.db")
	cfg := writeFile(t, "c.yaml", "rules:\n  state: {path: "+db+"}\n")
	if code, _, errOut := runCLI(t, "--config", cfg, "rules", "test", "--use-state", filepath.Join(dir, "scenario.ndjson.gz")); code != 0 {
		t.Fatalf("rules test --use-state: %s", errOut)
	}
	code, out, errOut := runCLI(t, "--config", cfg, "state", "inspect")
	if code != 0 || !strings.Contains(out, "impossible_travel") || !strings.Contains(out, "new_country") {
		t.Fatalf("inspect: %d %s %s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "--config", cfg, "state", "inspect", "--key", "trav-ana", "impossible_travel")
	if code != 0 || !strings.Contains(out, `"base"`) || !strings.Contains(out, "expires") {
		t.Fatalf("inspect bucket: %d %s", code, out)
	}
	if code, _, _ := runCLI(t, "--config", cfg, "state", "reset"); code != exitUsage {
		t.Errorf("reset without names or --all: exit %d", code)
	}
	if code, out, errOut := runCLI(t, "--config", cfg, "state", "reset", "impossible_travel"); code != 0 || !strings.Contains(out, "deleted") {
		t.Fatalf("reset: %d %s %s", code, out, errOut)
	}
	_, out, _ = runCLI(t, "--config", cfg, "state", "inspect")
	if strings.Contains(out, "impossible_travel") || !strings.Contains(out, "new_country") {
		t.Fatalf("after reset:\n%s", out)
	}
	if code, _, errOut := runCLI(t, "state", "inspect"); code != exitUsage || !strings.Contains(errOut, "rules.state.path") {
		t.Errorf("no state path: %d %s", code, errOut)
	}
}
