package elasticsearch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	es "github.com/elastic/go-elasticsearch/v8"
)

// Integration tests run against real Elasticsearch nodes: the one in BORDERWATCH_ES_URL (make
// test starts it with scripts/elasticsearch.sh) and extra nodes this package starts through the
// same script for fault and security tests.

var (
	nodesMu sync.Mutex
	nodes   = map[string]node{} // started by this test binary, stopped in TestMain
)

type node struct {
	name, url, ca, user, password, pidFile string
}

func TestMain(m *testing.M) {
	if os.Getenv("BW_TEST_HELPER") != "" {
		helperProcess()
		return
	}
	code := m.Run()
	nodesMu.Lock()
	for name := range nodes {
		cmd := exec.Command(script(), "stop", "--name", name)
		cmd.Stderr = os.Stderr
		_ = cmd.Run()
	}
	nodesMu.Unlock()
	os.Exit(code)
}

func script() string {
	p, _ := filepath.Abs(filepath.Join("..", "..", "scripts", "elasticsearch.sh"))
	return p
}

// esURL returns the shared node's URL or skips (fails under BORDERWATCH_REQUIRE_ES=1).
func esURL(t testing.TB) string {
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

// startNode starts (once per test binary) an extra node through scripts/elasticsearch.sh.
func startNode(t *testing.T, name string, port int, args ...string) node {
	t.Helper()
	esURL(t)
	nodesMu.Lock()
	defer nodesMu.Unlock()
	if n, ok := nodes[name]; ok {
		ensureUp(t, n, args...)
		return n
	}
	all := append([]string{"start", "--name", name, "--port", fmt.Sprint(port)}, args...)
	cmd := exec.Command(script(), all...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("starting node %s: %v\n%s", name, err, out.String())
	}
	envOut, err := exec.Command(script(), "env", "--name", name, "--port", fmt.Sprint(port)).Output()
	if err != nil {
		t.Fatal(err)
	}
	n := node{name: name}
	for _, line := range strings.Split(string(envOut), "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "URL":
			n.url = v
		case "CA":
			n.ca = v
		case "USER":
			n.user = v
		case "PASSWORD":
			n.password = v
		case "PID_FILE":
			n.pidFile = v
		}
	}
	nodes[name] = n
	return n
}

// ensureUp restarts a node a previous test stopped.
func ensureUp(t *testing.T, n node, args ...string) {
	t.Helper()
	if exec.Command(script(), "status", "--name", n.name).Run() == nil {
		return
	}
	port := n.url[strings.LastIndexByte(n.url, ':')+1:]
	runScript(t, append([]string{"start", "--name", n.name, "--port", port}, args...)...)
}

func runScript(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command(script(), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("elasticsearch.sh %v: %v\n%s", args, err, out)
	}
}

func quietLog() *slog.Logger {
	if os.Getenv("BW_TEST_VERBOSE") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testConfig is a config for url with a prefix of its own, so tests do not see each other.
func testConfig(t *testing.T, url string) Config {
	cfg := DefaultConfig()
	cfg.URLs = []string{url}
	cfg.Index.Prefix = fmt.Sprintf("bwt%d-%s", rand.N(1_000_000), strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())))
	if len(cfg.Index.Prefix) > 60 {
		cfg.Index.Prefix = cfg.Index.Prefix[:60]
	}
	cfg.Index.Replicas = 0
	cfg.Index.RefreshInterval = 0
	cfg.DeadLetter.Index = cfg.Index.Prefix + "-deadletter"
	cfg.Retry.Backoff = 100 * time.Millisecond
	cfg.Retry.MaxBackoff = time.Second
	cfg.FlushInterval = 100 * time.Millisecond
	return cfg
}

// request sends a JSON request and decodes the answer into out (if not nil).
func request(t testing.TB, c *es.Client, method, path string, body any, out any) int {
	t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	status, resp, err := do(context.Background(), c, method, path, b)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if out != nil {
		if err := json.Unmarshal(resp, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, resp)
		}
	}
	return status
}

func refresh(t testing.TB, c *es.Client, index string) {
	t.Helper()
	request(t, c, http.MethodPost, "/"+index+"/_refresh?expand_wildcards=all&ignore_unavailable=true", nil, nil)
}

func count(t testing.TB, c *es.Client, index string) int {
	t.Helper()
	refresh(t, c, index)
	var r struct {
		Count int `json:"count"`
	}
	request(t, c, http.MethodGet, "/"+index+"/_count?ignore_unavailable=true", nil, &r)
	return r.Count
}

// duplicates returns the ids that occur more than once in index (single shard: exact).
func duplicates(t testing.TB, c *es.Client, index string) []string {
	t.Helper()
	var r struct {
		Aggregations struct {
			Dups struct {
				Buckets []struct {
					Key string `json:"key"`
				} `json:"buckets"`
			} `json:"dups"`
		} `json:"aggregations"`
	}
	request(t, c, http.MethodPost, "/"+index+"/_search", map[string]any{
		"size": 0,
		"aggs": map[string]any{"dups": map[string]any{"terms": map[string]any{"field": "borderwatch.id", "min_doc_count": 2, "size": 10}}},
	}, &r)
	var out []string
	for _, b := range r.Aggregations.Dups.Buckets {
		out = append(out, b.Key)
	}
	return out
}

var base = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

func sessionEvent(i int) *borderwatch.Event {
	ev := &borderwatch.Event{Timestamp: base.Add(time.Duration(i) * time.Second)}
	ev.Event.Kind = borderwatch.KindEvent
	ev.Event.Category = []string{borderwatch.CategoryNetwork, borderwatch.CategorySession}
	ev.Event.Type = []string{"connection", "end"}
	ev.Event.Dataset = "borderwatch.flow"
	ev.Event.Start = ev.Timestamp.Add(-30 * time.Second)
	ev.Event.End = ev.Timestamp
	ev.Source.IP = netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
	ev.Source.Port = uint16(40000 + i%20000)
	ev.Destination.IP = netip.MustParseAddr("185.199.108.10")
	ev.Destination.Port = 443
	ev.Destination.Domain = "astrill.example"
	ev.Destination.Geo = &borderwatch.Geo{CountryISOCode: "HK", CityName: "Hong Kong", Location: &borderwatch.GeoPoint{Lat: 22.28, Lon: 114.15}}
	ev.Destination.AS = &borderwatch.AS{Number: 9009, Organization: borderwatch.Organization{Name: "M247"}}
	ev.Network.Transport, ev.Network.Protocol, ev.Network.Type = "tcp", "tls", "ipv4"
	ev.Network.CommunityID = fmt.Sprintf("1:%024d", i)
	ev.Network.Bytes, ev.Network.Packets = uint64(1000+i), uint64(10+i%7)
	ev.TLS = &borderwatch.TLS{Version: "1.3", Client: &borderwatch.TLSClient{ServerName: "astrill.example", JA3: "abc"}}
	ev.Observer.Name = "sensor-1"
	ev.Source.Bytes, ev.Source.Packets = uint64(300+100*i), uint64(5+i%3)
	ev.Message = fmt.Sprintf("tcp/tls session %s:%d -> %s:443 (astrill.example), vpn astrill", ev.Source.IP, ev.Source.Port, ev.Destination.IP)
	ev.Borderwatch.Flow = &borderwatch.Flow{ID: fmt.Sprint(i), Final: true, Reason: "fin"}
	if i%2 == 0 {
		ev.Borderwatch.Flow.TCPFlags = []string{"SYN", "ACK", "FIN"}
	}
	ev.TLS.Client.SupportedCiphers = []string{"TLS_AES_128_GCM_SHA256", fmt.Sprintf("cipher-%d", i)}
	ev.Borderwatch.App = &borderwatch.App{Name: "astrill", Category: "vpn", Evidence: []string{"sni:astrill.example"}}
	borderwatch.Normalize(ev)
	return ev
}

func authEvent(i int, user string) *borderwatch.Event {
	ev := &borderwatch.Event{Timestamp: base.Add(time.Duration(i) * time.Minute)}
	ev.Event.Category = []string{borderwatch.CategoryAuthentication}
	ev.Event.Type = []string{"start"}
	ev.Event.Action = "user.session.start"
	ev.Event.Outcome = borderwatch.OutcomeSuccess
	ev.Event.Dataset, ev.Event.Module = "borderwatch.okta", "okta"
	ev.Event.ID = fmt.Sprintf("okta-%d", i)
	ev.SetOriginal(fmt.Sprintf(`{"uuid":"okta-%d","actor":"%s"}`, i, user))
	ev.User.Name = user
	ev.User.Email = user + "@example.com"
	ev.Source.IP = netip.AddrFrom4([4]byte{203, 0, 113, byte(i)})
	ev.Source.Geo = &borderwatch.Geo{CountryISOCode: "US", Location: &borderwatch.GeoPoint{Lat: 40.7, Lon: -74.0}}
	ev.UserAgent = &borderwatch.UserAgent{Original: "Mozilla/5.0"}
	ev.Borderwatch.Input = &borderwatch.Input{Type: "file", Path: "okta.ndjson", Line: int64(i + 1)}
	borderwatch.Normalize(ev)
	return ev
}

func alertEvent(i int, lat, lon float64) *borderwatch.Event {
	ev := &borderwatch.Event{Timestamp: base.Add(time.Duration(i) * time.Hour)}
	ev.Event.Kind = borderwatch.KindAlert
	ev.Event.Category = []string{borderwatch.CategoryThreat, borderwatch.CategoryAuthentication}
	ev.Event.Severity, ev.Event.RiskScore = 73, 73
	ev.Rule = &borderwatch.RuleInfo{ID: "impossible_travel", Name: "Impossible travel"}
	ev.User.Name = "alice"
	ev.Source.IP = netip.MustParseAddr("2001:db8::1")
	ev.Source.Geo = &borderwatch.Geo{CountryISOCode: "CN", Location: &borderwatch.GeoPoint{Lat: lat, Lon: lon}}
	ev.Message = "alice logged in from two places too far apart"
	ev.Borderwatch.Alert = &borderwatch.Alert{Severity: "high", Key: fmt.Sprintf("alice-%d", i), FirstSeen: ev.Timestamp, DistanceKm: 11000.5}
	borderwatch.Normalize(ev)
	return ev
}

// newTestSink makes a sink and closes it at the end of the test.
func newTestSink(t *testing.T, cfg Config) *Sink {
	t.Helper()
	s, err := New(context.Background(), cfg, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// lineWriter collects log output for assertions.
type lineWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
