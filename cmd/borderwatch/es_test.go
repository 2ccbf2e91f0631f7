package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// esTestURL returns the Elasticsearch node of `make test` (scripts/with-es.sh) or skips.
func esTestURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("BORDERWATCH_ES_URL")
	if u == "" {
		if os.Getenv("BORDERWATCH_REQUIRE_ES") == "1" {
			t.Fatal("BORDERWATCH_ES_URL is not set and BORDERWATCH_REQUIRE_ES=1")
		}
		t.Skip("no Elasticsearch: run `make test` (needs Java 17 and Maven) or set BORDERWATCH_ES_URL")
	}
	return u
}

// esConfigFile writes a configuration that sends to url under a prefix of the test's own.
func esConfigFile(t *testing.T, url string) (path, prefix string) {
	prefix = fmt.Sprintf("bwcli%d", rand.N(1_000_000))
	cfg := fmt.Sprintf(`elasticsearch:
  urls: [%q]
  index:
    prefix: %s
    replicas: 0
  dead_letter:
    index: %s-deadletter
`, url, prefix, prefix)
	return writeFile(t, "es.yaml", cfg), prefix
}

func esGet(t *testing.T, url string, out any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// esCount refreshes and counts the documents matching index.
func esCount(t *testing.T, base, index string) int {
	t.Helper()
	res, err := http.Post(base+"/"+index+"/_refresh?ignore_unavailable=true&expand_wildcards=all", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var r struct {
		Count int `json:"count"`
	}
	esGet(t, base+"/"+index+"/_count?ignore_unavailable=true", &r)
	return r.Count
}

// countAlerts counts the alerts and the other events in NDJSON output.
func countAlerts(t *testing.T, ndjson string) (alerts, events int) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(ndjson), "\n") {
		var d struct {
			Event struct {
				Kind string `json:"kind"`
			} `json:"event"`
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatal(err)
		}
		if d.Event.Kind == "alert" {
			alerts++
		} else {
			events++
		}
	}
	return alerts, events
}

// TestLogsToElasticsearch runs `borderwatch logs --output elasticsearch` on the demo input
// against the real node, then counts documents and alerts by index; a second run leaves the
// counts unchanged (every document answers 409).
func TestLogsToElasticsearch(t *testing.T) {
	url := esTestURL(t)
	cfgFile, prefix := esConfigFile(t, url)

	// What the same run writes as NDJSON: the expected counts.
	code, out, errs := runCLI(t, "logs", "--output", "ndjson", demoInput)
	if code != exitOK {
		t.Fatalf("ndjson run: exit %d\n%s", code, errs)
	}
	wantAlerts, wantAuth := countAlerts(t, out)
	if wantAlerts == 0 || wantAuth != 15 {
		t.Fatalf("demo gives %d alerts and %d events; want some alerts and 15 events", wantAlerts, wantAuth)
	}

	ndjsonFile := filepath.Join(t.TempDir(), "out.ndjson")
	for run := 1; run <= 2; run++ {
		args := []string{"-c", cfgFile, "logs", "--output", "elasticsearch", demoInput}
		if run == 2 {
			// Alongside NDJSON, as a sensor that also keeps files would run.
			args = []string{"-c", cfgFile, "logs", "--output", "elasticsearch,ndjson", "--output-file", ndjsonFile, demoInput}
		}
		code, _, errs := runCLI(t, args...)
		if code != exitOK {
			t.Fatalf("run %d: exit %d\n%s", run, code, errs)
		}
		if !strings.Contains(errs, "written to elasticsearch") {
			t.Errorf("run %d: summary does not name the output:\n%s", run, errs)
		}
		for _, tc := range []struct {
			index string
			want  int
		}{
			{prefix + "-auth-*", wantAuth},
			{prefix + "-alerts-*", wantAlerts},
			{prefix + "-sessions-*", 0},
			{prefix + "-deadletter", 0},
		} {
			if n := esCount(t, url, tc.index); n != tc.want {
				t.Errorf("run %d: %s holds %d documents, want %d", run, tc.index, n, tc.want)
			}
		}
	}
	b, err := os.ReadFile(ndjsonFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != wantAlerts+wantAuth {
		t.Errorf("ndjson alongside elasticsearch wrote %d lines, want %d", n, wantAlerts+wantAuth)
	}

	// The alerts are searchable as ECS: by rule and with the user copied from the event.
	var r struct {
		Hits struct {
			Hits []struct {
				Source struct {
					Rule struct {
						ID string `json:"id"`
					} `json:"rule"`
					User struct {
						Name string `json:"name"`
					} `json:"user"`
				} `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	esGet(t, url+"/"+prefix+"-alerts-*/_search?size=100", &r)
	if len(r.Hits.Hits) != wantAlerts {
		t.Fatalf("%d alerts searchable, want %d", len(r.Hits.Hits), wantAlerts)
	}
	for _, h := range r.Hits.Hits {
		if h.Source.Rule.ID == "" || h.Source.User.Name == "" {
			t.Errorf("alert without rule.id or user.name: %+v", h.Source)
		}
	}
}

// TestCaptureToElasticsearch sends capture's sessions and alerts to Elasticsearch: sessions
// land in the sessions data stream with ECS types, and a second run adds nothing.
func TestCaptureToElasticsearch(t *testing.T) {
	url := esTestURL(t)
	cfgFile, prefix := esConfigFile(t, url)
	const pcap = "../../capture/testdata/mixed.pcap"
	code, out, errs := runCLI(t, "capture", "--read", pcap, "--output", "ndjson")
	if code != exitOK {
		t.Fatalf("ndjson run: exit %d\n%s", code, errs)
	}
	wantAlerts, wantSessions := countAlerts(t, out)
	if wantSessions == 0 || wantAlerts == 0 {
		t.Fatalf("capture gives %d sessions and %d alerts", wantSessions, wantAlerts)
	}
	for run := 1; run <= 2; run++ {
		code, _, errs := runCLI(t, "-c", cfgFile, "capture", "--read", pcap, "--output", "elasticsearch")
		if code != exitOK {
			t.Fatalf("run %d: exit %d\n%s", run, code, errs)
		}
		if n := esCount(t, url, prefix+"-sessions-*"); n != wantSessions {
			t.Errorf("run %d: %d sessions indexed, want %d", run, n, wantSessions)
		}
		if n := esCount(t, url, prefix+"-alerts-*"); n != wantAlerts {
			t.Errorf("run %d: %d alerts indexed, want %d", run, n, wantAlerts)
		}
	}
	var m map[string]struct {
		Mappings map[string]struct {
			Mapping map[string]struct {
				Type string `json:"type"`
			} `json:"mapping"`
		} `json:"mappings"`
	}
	esGet(t, url+"/"+prefix+"-sessions-*/_mapping/field/destination.ip,network.bytes,event.start", &m)
	if len(m) == 0 {
		t.Fatal("no sessions index")
	}
	for idx, fm := range m {
		for field, typ := range map[string]string{"destination.ip": "ip", "network.bytes": "long", "event.start": "date"} {
			leaf := field[strings.LastIndexByte(field, '.')+1:]
			if got := fm.Mappings[field].Mapping[leaf].Type; got != typ {
				t.Errorf("%s: %s is %q, want %q", idx, field, got, typ)
			}
		}
	}
}

// TestAuditFromElasticsearch indexes the demo with `logs`, then audits the window from
// Elasticsearch alone: the same events come back and raise the same alerts.
func TestAuditFromElasticsearch(t *testing.T) {
	url := esTestURL(t)
	cfgFile, prefix := esConfigFile(t, url)
	code, _, errs := runCLI(t, "-c", cfgFile, "logs", "--output", "elasticsearch", demoInput)
	if code != exitOK {
		t.Fatalf("logs: exit %d\n%s", code, errs)
	}
	esCount(t, url, prefix+"-*") // refresh
	_, fileOut, _ := runCLI(t, "audit", "--since", "2000-01-01", "--until", "2100-01-01", "--fail-on", "none", "--quiet",
		"--progress", "none", "--output", "ndjson", "--alerts-only", demoInput)
	code, out, errs := runCLI(t, "-c", cfgFile, "audit", "--from-elasticsearch", "--since", "2000-01-01", "--until", "2100-01-01",
		"--fail-on", "none", "--quiet", "--progress", "none", "--output", "ndjson", "--alerts-only")
	if code != exitOK {
		t.Fatalf("audit: exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, "15 events read") {
		t.Errorf("audit from elasticsearch did not read the 15 demo events:\n%s", errs)
	}
	rulesOf := func(ndjson string) map[string]int {
		m := map[string]int{}
		for _, line := range strings.Split(strings.TrimSpace(ndjson), "\n") {
			var d struct {
				Rule struct {
					ID string `json:"id"`
				} `json:"rule"`
			}
			if line != "" && json.Unmarshal([]byte(line), &d) == nil {
				m[d.Rule.ID]++
			}
		}
		return m
	}
	got, want := rulesOf(out), rulesOf(fileOut)
	if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("alerts by rule from elasticsearch %v, from the file %v", got, want)
	}

	// Sending the audit's output back to the same cluster sends the alerts (already there from
	// the logs run: refused as version conflicts, not copied) and not the 15 events it read from
	// there.
	failed := func() int {
		var r struct {
			All struct {
				Total struct {
					Indexing struct {
						IndexFailed int `json:"index_failed"`
					} `json:"indexing"`
				} `json:"total"`
			} `json:"_all"`
		}
		esGet(t, url+"/"+prefix+"-*/_stats/indexing", &r)
		return r.All.Total.Indexing.IndexFailed
	}
	alerts, failedBefore := esCount(t, url, prefix+"-alerts-*"), failed()
	code, _, errs = runCLI(t, "-c", cfgFile, "audit", "--from-elasticsearch", "--since", "2000-01-01", "--until", "2100-01-01",
		"--fail-on", "none", "--quiet", "--progress", "none", "--output", "elasticsearch")
	if code != exitOK {
		t.Fatalf("audit --output elasticsearch: exit %d\n%s", code, errs)
	}
	if n := esCount(t, url, prefix+"-alerts-*"); n != alerts || alerts == 0 {
		t.Errorf("audit --output elasticsearch: %d alerts in the cluster before, %d after", alerts, n)
	}
	if n := failed() - failedBefore; n > alerts {
		t.Errorf("audit --output elasticsearch sent %d documents the cluster already had; only its %d alerts were expected", n, alerts)
	}

	// A window before the data reads nothing.
	code, _, errs = runCLI(t, "-c", cfgFile, "audit", "--from-elasticsearch", "--since", "2000-01-01", "--until", "2000-01-02",
		"--fail-on", "none", "--quiet", "--progress", "none", "--output", "ndjson")
	if code != exitOK || !strings.Contains(errs, "0 events read") {
		t.Errorf("empty window: exit %d\n%s", code, errs)
	}
}

func TestESSetupCommand(t *testing.T) {
	url := esTestURL(t)
	cfgFile, prefix := esConfigFile(t, url)
	for _, tc := range []struct {
		result  string
		summary string
	}{
		{"created", "6 created, 0 updated, 0 unchanged"},
		{"unchanged", "0 created, 0 updated, 6 unchanged"},
	} {
		code, out, errs := runCLI(t, "-c", cfgFile, "es", "setup")
		if code != exitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		for _, name := range []string{prefix + "-ecs-mappings", prefix + "-settings", prefix + "-auth", prefix + "-alerts", prefix + "-sessions", prefix + "-deadletter"} {
			if !strings.Contains(out, name) {
				t.Errorf("output does not report %s:\n%s", name, out)
			}
		}
		if !strings.Contains(out, tc.result) || !strings.Contains(out, tc.summary) {
			t.Errorf("want %q and %q in:\n%s", tc.result, tc.summary, out)
		}
		// The test distribution has no ILM: a warning and a skipped step, not a failure.
		if !strings.Contains(out, "1 skipped (cluster without ILM)") || !strings.Contains(errs, "no ILM") {
			t.Errorf("missing ILM not reported:\nstdout:\n%s\nstderr:\n%s", out, errs)
		}
	}
	var tmpl struct {
		IndexTemplates []struct {
			Name string `json:"name"`
		} `json:"index_templates"`
	}
	esGet(t, url+"/_index_template/"+prefix+"-*", &tmpl)
	if len(tmpl.IndexTemplates) != 4 {
		t.Errorf("%d index templates installed, want 4 (sessions, auth, alerts, dead letters)", len(tmpl.IndexTemplates))
	}

	// An unreachable cluster is a runtime error naming the problem.
	code, _, errs := runCLI(t, "-c", cfgFile, "es", "setup", "--url", "http://127.0.0.1:1")
	if code != exitRuntime || !strings.Contains(errs, "elasticsearch unavailable") {
		t.Errorf("unreachable: exit %d\n%s", code, errs)
	}
}

func TestESConfigSecretsRedacted(t *testing.T) {
	t.Setenv("BORDERWATCH_ELASTICSEARCH_USERNAME", "writer")
	t.Setenv("BORDERWATCH_ELASTICSEARCH_PASSWORD", "hunter2-literal")
	code, out, errs := runCLI(t, "config", "dump")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("config dump shows the password:\n%s", out)
	}
	if !strings.Contains(out, "username: writer") || !strings.Contains(out, "password: <redacted>") {
		t.Errorf("config dump lacks the elasticsearch credentials section:\n%s", out)
	}

	// A password without a user is refused with a message that says what to do.
	t.Setenv("BORDERWATCH_ELASTICSEARCH_USERNAME", "")
	code, _, errs = runCLI(t, "config", "validate")
	if code != exitUsage || !strings.Contains(errs, "username and password go together") {
		t.Errorf("exit %d\n%s", code, errs)
	}
}
