package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

const demoInput = "../../testdata/demo/okta.ndjson"

// TestMain makes every in-process run use the bundled demo GeoIP data, even on a machine
// that has real databases in /usr/share/GeoIP or /var/lib/GeoIP, so that results do not depend
// on the machine. Tests that want real databases configure them explicitly.
func TestMain(m *testing.M) {
	if _, set := os.LookupEnv("BORDERWATCH_ENRICH_GEOIP_DIRECTORIES"); !set {
		os.Setenv("BORDERWATCH_ENRICH_GEOIP_DIRECTORIES", "")
	}
	os.Exit(m.Run())
}

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it after an intended change):\n%s", path, got)
	}
}

// TestDemoPretty is README command 1: the alerts a new user sees.
func TestDemoPretty(t *testing.T) {
	code, out, errs := runCLI(t, "logs", demoInput)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	golden(t, "../../testdata/demo/okta.golden.txt", out)
	for _, want := range []string{"frank@example.com", "heidi@example.com", "ivan@example.com", "grace@example.com"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks an alert for %s", want)
		}
	}
	for _, benign := range []string{"alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com", "erin@example.com"} {
		if strings.Contains(out, benign) {
			t.Errorf("demo raised an alert for %s, who signs in from ordinary places", benign)
		}
	}
	if !strings.Contains(errs, "15 events read") || !strings.Contains(errs, "0 rejected") {
		t.Errorf("summary: %s", errs)
	}
}

// TestDemoNDJSON checks the ECS documents of the demo against a golden file and a few
// invariants that must hold for every document.
func TestDemoNDJSON(t *testing.T) {
	code, out, errs := runCLI(t, "logs", "--output", "ndjson", demoInput)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	golden(t, "../../testdata/demo/okta.golden.ndjson", out)
	ids := map[string]bool{}
	alerts := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var doc map[string]any
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			t.Fatalf("not JSON: %v: %s", err, sc.Text())
		}
		bw, _ := doc["borderwatch"].(map[string]any)
		id, _ := bw["id"].(string)
		if id == "" || ids[id] {
			t.Errorf("missing or duplicate borderwatch.id %q", id)
		}
		ids[id] = true
		ev := doc["event"].(map[string]any)
		if ev["kind"] == "alert" {
			alerts++
			if doc["rule"] == nil || bw["alert"] == nil {
				t.Errorf("alert without rule or evidence: %s", sc.Text())
			}
		}
		if src, ok := doc["source"].(map[string]any); ok {
			if geo, ok := src["geo"].(map[string]any); ok {
				if loc, ok := geo["location"].(map[string]any); ok && loc["lat"] == 0.0 && loc["lon"] == 0.0 {
					t.Errorf("geo 0,0: %s", sc.Text())
				}
			}
		}
	}
	if len(ids) < 16 || alerts == 0 {
		t.Errorf("%d documents, %d alerts", len(ids), alerts)
	}
	// A second run gives the same ids: a replay never duplicates documents downstream.
	_, again, _ := runCLI(t, "logs", "--output", "ndjson", demoInput)
	if again != out {
		t.Error("a second run over the same input gave different documents")
	}
}

// TestBadInputIsReportedAndKept covers malformed JSON, a "null" IP, IPv6, an over-long line
// and an unreadable file: counted, reported with file:line, dead-lettered, exit code 4.
func TestBadInputIsReportedAndKept(t *testing.T) {
	dir := t.TempDir()
	demo, err := os.ReadFile(demoInput)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(demo), "\n")
	bad := lines[0] + "{not json\n" + strings.Replace(lines[1], `"ipAddress":"24.4.0.10"`, `"ipAddress":"null"`, 1) +
		strings.Repeat("x", 2<<20) + "\n" + lines[5]
	in := filepath.Join(dir, "okta.json")
	if err := os.WriteFile(in, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(dir, "dead.ndjson")
	code, _, errs := runCLI(t, "logs", "--format", "okta", "--output", "ndjson", "--output-file", filepath.Join(dir, "out.ndjson"),
		"--dead-letter", dead, in, filepath.Join(dir, "missing.json"))
	if code != exitBadInput {
		t.Fatalf("exit %d, want %d\n%s", code, exitBadInput, errs)
	}
	for _, want := range []string{in + ":2", "missing.json"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr does not name %s:\n%s", want, errs)
		}
	}
	kept, err := os.ReadFile(dead)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(kept), `"raw":"{not json"`) || !strings.Contains(string(kept), in+":2") {
		t.Errorf("dead letter lacks the malformed line:\n%.500s", kept)
	}
	got, err := os.ReadFile(filepath.Join(dir, "out.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	// The good lines, the null-IP line (kept without source.ip) and the IPv6 line go on.
	if n := strings.Count(string(got), "\n"); n < 3 {
		t.Errorf("only %d documents written:\n%s", n, got)
	}
	if !strings.Contains(string(got), `"ip":"2600:1700::10"`) {
		t.Error("the IPv6 login is missing")
	}
}
