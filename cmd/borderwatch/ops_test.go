package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of a running command.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// metricValue returns the value of the first sample of name whose labels contain labels.
func metricValue(body, name, labels string) (float64, bool) {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(\{[^}]*\})? ([0-9.eE+-]+)$`)
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		if labels == "" || strings.Contains(m[1], labels) {
			v, err := strconv.ParseFloat(m[2], 64)
			return v, err == nil
		}
	}
	return 0, false
}

// TestDaemonMetrics runs `logs --follow --listen` as a daemon, feeds it a followed file and
// syslog over UDP, and scrapes /metrics and /healthz while it runs.
func TestDaemonMetrics(t *testing.T) {
	dir := t.TempDir()
	okta := filepath.Join(dir, "okta.ndjson")
	if err := os.WriteFile(okta, []byte(oktaLogin(1, "bob", "24.4.0.10", auditDay.Add(8*time.Hour), true)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	metricsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	syslogAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "udp"))
	cfg := writeFile(t, "daemon.yaml", "metrics:\n  address: "+metricsAddr+"\noutput:\n  sinks: [ndjson]\n  file: "+filepath.Join(dir, "out.ndjson")+"\n")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"borderwatch", "--config", cfg, "logs", "--follow", "--listen", "udp://" + syslogAddr, okta}, &stdout, &stderr)
	}()

	scrape := func() string {
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	waitFor := func(what string, ok func(body string) bool) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			body := scrape()
			if body != "" && ok(body) {
				return body
			}
			select {
			case code := <-done:
				t.Fatalf("daemon exited with %d while waiting for %s\n%s", code, what, stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; last scrape:\n%s\nstderr:\n%s", what, body, stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	read := func(n float64) func(string) bool {
		return func(body string) bool {
			v, ok := metricValue(body, "borderwatch_events_read_total", "")
			return ok && v >= n
		}
	}
	waitFor("the first event", read(1))

	// More lines in the followed file, syslog over UDP, and one line no parser accepts.
	f, err := os.OpenFile(okta, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, oktaLogin(2, "frank", "175.45.176.10", auditDay.Add(9*time.Hour), true))
	fmt.Fprintln(f, `{"eventType": "user.session.start", "published": 12}`)
	f.Close()
	conn, err := net.Dial("udp", syslogAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "<166>Nov 20 2026 10:01:12 asa-edge-01 : %ASA-6-113039: Group <GP-Remote> User <heidi> IP <95.24.0.10> AnyConnect parent session started.")

	body := waitFor("three events and the rejected line", func(body string) bool {
		v, _ := metricValue(body, "borderwatch_parse_errors_total", "")
		return read(3)(body) && v >= 1
	})
	for _, m := range []struct {
		name, labels string
		min          float64
	}{
		{"borderwatch_alerts_total", `rule="watched_country"`, 2},
		{"borderwatch_rules_findings_total", `rule="watched_country"`, 2},
		{"borderwatch_events_written_total", "", 5},
		{"borderwatch_pipeline_events_processed_total", "", 3},
		{"borderwatch_pipeline_queue_depth", "", 0},
		{"borderwatch_sink_publish_seconds_count", `sink="ndjson"`, 1},
		{"borderwatch_enrich_cache_misses_total", "", 3},
		{"borderwatch_enrich_cache_hit_ratio", "", 0},
		{"borderwatch_logs_events_total", "", 3},
		{"borderwatch_logs_messages_total", "", 1},
		{"borderwatch_build_info", `version="dev"`, 1},
	} {
		v, ok := metricValue(body, m.name, m.labels)
		if !ok || v < m.min {
			t.Errorf("%s{%s} = %g (present %v), want >= %g", m.name, m.labels, v, ok, m.min)
		}
	}
	resp, err := http.Get("http://" + metricsAddr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	hb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(hb), `"status":"ok"`) {
		t.Errorf("healthz: %d %s", resp.StatusCode, hb)
	}

	// SIGHUP reloads the enrichment data without stopping the daemon.
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "SIGHUP: reloading") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	waitFor("the daemon to keep serving after SIGHUP", read(3))

	cancel()
	select {
	case code := <-done:
		if code != exitBadInput {
			t.Errorf("daemon exited with %d, want %d (one line was rejected)\n%s", code, exitBadInput, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("daemon did not stop after cancellation")
	}
	errs := stderr.String()
	for _, want := range []string{"SIGHUP: reloading", "serving metrics"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if _, err := http.Get("http://" + metricsAddr + "/metrics"); err == nil {
		t.Error("metrics server still answers after the daemon stopped")
	}
}
