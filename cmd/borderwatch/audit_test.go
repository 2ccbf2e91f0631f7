package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// auditDay is the day the generated logs cover.
var auditDay = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// oktaLogin renders one Okta System Log user.session.start record. The addresses are those
// the bundled demo GeoIP data knows (testdata/demo/README.md).
func oktaLogin(seq int, user, ip string, at time.Time, success bool) string {
	result := "SUCCESS"
	if !success {
		result = "FAILURE"
	}
	rec := map[string]any{
		"uuid":      fmt.Sprintf("a0d1e2f3-0000-11ef-9b52-%012d", seq),
		"published": at.Format("2006-01-02T15:04:05.000Z"),
		"eventType": "user.session.start", "legacyEventType": "core.user_auth.login_success",
		"displayMessage": "User login to Okta", "severity": "INFO", "version": "0",
		"actor": map[string]any{"id": "00u" + user, "type": "User", "alternateId": user + "@example.com", "displayName": user},
		"client": map[string]any{"ipAddress": ip, "device": "Computer", "zone": "null",
			"userAgent": map[string]any{"rawUserAgent": "Mozilla/5.0 (X11; Linux x86_64)", "os": "Linux", "browser": "CHROME"}},
		"outcome":               map[string]any{"result": result, "reason": nil},
		"authenticationContext": map[string]any{"externalSessionId": fmt.Sprintf("102session%d", seq), "authenticationStep": 0},
		"securityContext":       map[string]any{"isProxy": false},
		"transaction":           map[string]any{"type": "WEB", "id": fmt.Sprintf("tx%d", seq)},
	}
	b, _ := json.Marshal(rec)
	return string(b)
}

// writeAuditDay generates a day of mixed VPN and SSO logs into dir: an Okta System Log export
// and a Cisco ASA AnyConnect syslog file. It returns their paths.
func writeAuditDay(t *testing.T, dir string) (okta, asa string) {
	t.Helper()
	var lines []string
	seq := 0
	add := func(user, ip string, at time.Duration, ok bool) {
		seq++
		lines = append(lines, oktaLogin(seq, user, ip, auditDay.Add(at), ok))
	}
	// The evening before the window: outside it, and must be ignored.
	add("alice", "73.15.240.10", -2*time.Hour, true)
	// Ordinary users through the day.
	for h := 7; h <= 18; h++ {
		add("bob", "24.4.0.10", time.Duration(h)*time.Hour, true)
		add("carol", "86.128.0.10", time.Duration(h)*time.Hour+10*time.Minute, true)
		add("dave", "80.128.0.10", time.Duration(h)*time.Hour+20*time.Minute, true)
	}
	// alice: San Jose, then China 40 minutes later (impossible travel, watched country).
	add("alice", "73.15.240.10", 8*time.Hour, true)
	add("alice", "1.192.0.10", 8*time.Hour+40*time.Minute, true)
	// frank: a login from North Korean address space.
	add("frank", "175.45.176.10", 13*time.Hour, true)
	// The next morning, after the window.
	add("bob", "24.4.0.10", 27*time.Hour, true)
	if err := os.WriteFile(filepath.Join(dir, "okta.ndjson"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	asaLog := strings.Join([]string{
		"<166>Nov 20 2026 06:01:12 asa-edge-01 : %ASA-6-113039: Group <GP-Remote> User <heidi> IP <95.24.0.10> AnyConnect parent session started.",
		"<166>Nov 20 2026 07:15:40 asa-edge-01 : %ASA-6-113039: Group <GP-Remote> User <erin> IP <2600:1700::10> AnyConnect parent session started.",
	}, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "asa.log"), []byte(asaLog), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "okta.ndjson"), filepath.Join(dir, "asa.log")
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		n++
	}
	return n
}

type reportFile struct {
	Totals struct {
		Events, Alerts uint64
	}
	BySeverity map[string]int `json:"alerts_by_severity"`
	Alerts     []struct {
		ID     string `json:"id"`
		RuleID string `json:"rule_id"`
		User   string `json:"user"`
	}
	Travels []struct {
		User string
	}
}

func readReport(t *testing.T, path string) reportFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r reportFile
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAuditCronRun is the scheduled audit: a day of mixed logs, the HTML and JSON reports,
// the exit code, and a re-run of the same window that adds no alert to the output.
func TestAuditCronRun(t *testing.T) {
	dir := t.TempDir()
	okta, asa := writeAuditDay(t, dir)
	alerts := filepath.Join(dir, "alerts.ndjson")
	cfg := writeFile(t, "audit.yaml", fmt.Sprintf("rules:\n  state:\n    path: %s\noutput:\n  sinks: [ndjson]\n  file: %s\n  alerts_only: true\n",
		filepath.Join(dir, "state", "rules.db"), alerts))
	html, js := filepath.Join(dir, "reports", "day.html"), filepath.Join(dir, "reports", "day.json")
	args := []string{"--config", cfg, "audit", "--since", "2026-11-20", "--until", "2026-11-21", "--fail-on", "high",
		"--progress", "log", "--report-html", html, "--report-json", js, okta, asa}

	code, out, stderr := runCLI(t, args...)
	if code != exitAlerts {
		t.Fatalf("first run: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitAlerts, out, stderr)
	}
	first := readReport(t, js)
	delivered := countLines(t, alerts)
	if delivered == 0 || int(first.Totals.Alerts) != delivered || len(first.Alerts) != delivered {
		t.Fatalf("first run: %d alerts written, report has %d (%d listed)", delivered, first.Totals.Alerts, len(first.Alerts))
	}
	// 36 ordinary logins, alice's two, frank's one, heidi's and erin's VPN sessions; alice's
	// login of the evening before is outside the window.
	if first.Totals.Events != 41 {
		t.Errorf("first run: %d events in the window, want 41", first.Totals.Events)
	}
	rules := map[string]bool{}
	users := map[string]bool{}
	for _, a := range first.Alerts {
		rules[a.RuleID] = true
		users[a.User] = true
	}
	for _, u := range []string{"alice", "frank", "heidi"} {
		if !users[u] {
			t.Errorf("no alert for %s (alerts: %+v)", u, first.Alerts)
		}
	}
	for _, u := range []string{"bob", "carol", "dave", "erin"} {
		if users[u] {
			t.Errorf("alert for %s, who logs in from ordinary places", u)
		}
	}
	if len(first.Travels) == 0 || first.Travels[0].User != "alice" {
		t.Errorf("no impossible-travel arc for alice: %+v", first.Travels)
	}
	for _, want := range []string{"audit progress", "report written"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(out, "Alerts by rule") || !strings.Contains(out, "alice") {
		t.Errorf("summary on stdout:\n%s", out)
	}
	checkAuditHTML(t, html, len(first.Alerts), len(first.Travels))

	// Re-running the window: same exit code and report, nothing new in the output.
	code, _, stderr = runCLI(t, args...)
	if code != exitAlerts {
		t.Fatalf("re-run: exit %d\n%s", code, stderr)
	}
	if n := countLines(t, alerts); n != delivered {
		t.Errorf("re-run wrote %d more alert documents", n-delivered)
	}
	second := readReport(t, js)
	if second.Totals.Alerts != first.Totals.Alerts || len(second.Alerts) != len(first.Alerts) {
		t.Errorf("re-run report has %d alerts, first had %d", second.Totals.Alerts, first.Totals.Alerts)
	}
	ids := map[string]bool{}
	for _, a := range first.Alerts {
		ids[a.ID] = true
	}
	for _, a := range second.Alerts {
		if !ids[a.ID] {
			t.Errorf("re-run report has an alert the first run did not raise: %+v", a)
		}
	}
	if !strings.Contains(stderr, "events_seen_before=41") {
		t.Errorf("re-run did not skip the evaluated events:\n%s", stderr)
	}

	// The next run overlaps half of this window (--last 24h every 12 hours): the overlap is
	// not evaluated again, the new morning is, and frank's alert of the overlap is reported
	// (exit 3) without being written again.
	code, out, stderr = runCLI(t, "--config", cfg, "audit", "--quiet", "--until", "2026-11-21T12:00:00Z", "--last", "24h", "--fail-on", "high",
		"--progress", "none", "--report-json", js, okta, asa)
	if code != exitAlerts {
		t.Fatalf("overlapping window: exit %d\n%s", code, stderr)
	}
	if n := countLines(t, alerts); n != delivered {
		b, _ := os.ReadFile(alerts)
		t.Errorf("overlapping window wrote %d more alert documents:\n%s", n-delivered, b)
	}
	if !strings.Contains(stderr, "events_evaluated=1 events_seen_before=22") {
		t.Errorf("overlapping window: ledger counts wrong:\n%s", stderr)
	}
	if out != "" {
		t.Errorf("--quiet printed a summary:\n%s", out)
	}
	third := readReport(t, js)
	if third.Totals.Events != 23 || len(third.Alerts) != 1 || third.Alerts[0].User != "frank" {
		t.Errorf("overlapping window report: %d events, alerts %+v; want 23 events and frank's alert", third.Totals.Events, third.Alerts)
	}
}

func checkAuditHTML(t *testing.T, path string, alerts, travels int) {
	t.Helper()
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed; run scripts/ci/deps-report.sh")
		}
		t.Log("chromium is not installed: the HTML report is not rendered (scripts/ci/deps-report.sh installs it)")
		return
	}
	shot := filepath.Join(filepath.Dir(path), "day.png")
	if s := os.Getenv("BORDERWATCH_SCREENSHOT"); s != "" {
		shot = s
	}
	common := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + t.TempDir()}
	dom, err := exec.Command(bin, append(common, "--dump-dom", "file://"+path)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	if n := len(regexp.MustCompile(`<path class="c[ "]`).FindAll(dom, -1)); n < 150 {
		t.Errorf("rendered map has %d country paths", n)
	}
	if n := len(regexp.MustCompile(`<tr class="alert-row"`).FindAll(dom, -1)); n != alerts {
		t.Errorf("rendered %d alert rows, want %d", n, alerts)
	}
	if n := len(regexp.MustCompile(`<path class="arc `).FindAll(dom, -1)); n != travels {
		t.Errorf("rendered %d travel arcs, want %d", n, travels)
	}
	if out, err := exec.Command(bin, append(common, "--hide-scrollbars", "--window-size=1400,1600", "--screenshot="+shot, "file://"+path)...).CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 50_000 {
		t.Errorf("screenshot %s missing or nearly empty: %v", shot, err)
	}
}

func TestAuditExitCodes(t *testing.T) {
	dir := t.TempDir()
	okta, asa := writeAuditDay(t, dir)
	bad := filepath.Join(dir, "bad.ndjson")
	if err := os.WriteFile(bad, []byte(oktaLogin(900, "bob", "24.4.0.10", auditDay.Add(9*time.Hour), true)+"\n{\"eventType\": broken\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	quiet := []string{"audit", "--output", "ndjson", "--output-file", filepath.Join(dir, "out.ndjson"), "--progress", "none", "--quiet"}
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"clean window", []string{"--since", "2026-11-20T09:00:00Z", "--until", "2026-11-20T10:00:00Z", okta}, exitOK, ""},
		{"since and last", []string{"--since", "2026-11-20", "--last", "24h", okta}, exitUsage, "not both"},
		{"alerts", []string{"--until", "2026-11-21", "--last", "24h", okta, asa}, exitAlerts, "alerts at or above low"},
		{"alerts below fail-on", []string{"--fail-on", "critical", "--until", "2026-11-20T12:00:00Z", "--last", "12h", okta, asa}, exitOK, ""},
		{"critical alert", []string{"--fail-on", "critical", "--since", "2026-11-20", okta}, exitAlerts, "at or above critical"},
		{"fail-on none", []string{"--fail-on", "none", okta, asa}, exitOK, ""},
		{"rejected input", []string{"--fail-on", "none", bad}, exitBadInput, "rejected"},
		{"alerts beat rejected input", []string{"--fail-on", "high", okta, bad}, exitAlerts, ""},
		{"bad severity", []string{"--fail-on", "severe", okta}, exitUsage, "--fail-on"},
		{"bad time", []string{"--since", "yesterday", okta}, exitUsage, "not a time"},
		{"empty window", []string{"--since", "2026-11-21", "--until", "2026-11-20", okta}, exitUsage, "before --until"},
		{"no input", nil, exitUsage, "give at least one PATH"},
		{"ledger unusable", []string{"--ledger", filepath.Join(okta, "ledger.db"), okta}, exitRuntime, "ledger"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, append(append([]string{}, quiet...), tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d (want %d), stderr lacks %q?\n%s", code, tc.code, tc.msg, stderr)
			}
		})
	}
}

func TestParseWhen(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-20":                "2026-11-20T00:00:00Z",
		"2026-11-20T08:30":          "2026-11-20T08:30:00Z",
		"2026-11-20T08:30:00+02:00": "2026-11-20T06:30:00Z",
	} {
		got, err := parseWhen(in)
		if err != nil || got.Format(time.RFC3339) != want {
			t.Errorf("parseWhen(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	if _, err := parseWhen("20/11/2026"); err == nil {
		t.Error("parseWhen accepted 20/11/2026")
	}
}

// TestAuditProgressBar forces the progress bar (what a terminal gets) and checks it shows
// events, events per second, the bar and elapsed:remaining time (bytes per second appear once
// there is throughput to show).
func TestAuditProgressBar(t *testing.T) {
	dir := t.TempDir()
	okta, asa := writeAuditDay(t, dir)
	code, _, stderr := runCLI(t, "audit", "--output", "ndjson", "--output-file", filepath.Join(dir, "out.ndjson"),
		"--quiet", "--fail-on", "none", "--progress", "bar", okta, asa)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !regexp.MustCompile(`audit \d+ events, \d+/s +\d+% \|[^|]*\| .*\[\d+s:\d+s\]`).MatchString(stderr) {
		t.Errorf("no progress bar on stderr:\n%q", stderr)
	}
}
