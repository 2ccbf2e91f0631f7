package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// lines is a real Source: it emits n authentication events and rejects every fifth record.
type lines struct{ n int }

func (l lines) Name() string { return "lines" }
func (l lines) Run(ctx context.Context, out borderwatch.Emitter) error {
	for i := range l.n {
		if i%5 == 4 {
			if err := out.Reject(ctx, borderwatch.Rejected{Format: "okta", Where: fmt.Sprintf("test.json:%d", i+1), Err: errors.New("bad json")}); err != nil {
				return err
			}
			continue
		}
		ev := &borderwatch.Event{Timestamp: time.Unix(int64(i), 0), User: borderwatch.User{Name: fmt.Sprintf("u%d", i%3)},
			Source: borderwatch.Endpoint{IP: netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})}}
		ev.Event.Category = []string{"authentication"}
		if err := out.Emit(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// everyTenth raises an alert on every tenth event.
type everyTenth struct{ seen int }

func (r *everyTenth) Evaluate(_ context.Context, ev *borderwatch.Event) ([]*borderwatch.Event, error) {
	r.seen++
	if r.seen%10 != 0 {
		return nil, nil
	}
	a := &borderwatch.Event{Timestamp: ev.Timestamp, Rule: &borderwatch.RuleInfo{ID: "watched_country"}}
	a.Event.Kind = borderwatch.KindAlert
	return []*borderwatch.Event{a}, nil
}

type slowSink struct{ n atomic.Int64 }

func (s *slowSink) Publish(_ context.Context, evs []*borderwatch.Event) error {
	time.Sleep(2 * time.Millisecond)
	s.n.Add(int64(len(evs)))
	return nil
}
func (s *slowSink) Close(context.Context) error { return nil }

// cacheStats has the shape of a component's counters (enrichment cache, flow table).
type cacheStats struct {
	CacheHits, CacheMisses uint64
	CacheLen               int
	Name                   string // not a number: not exported
}

type ruleStats struct{ Findings, Suppressed uint64 }

// captureStats nests structs, as capture.Stats does.
type captureStats struct {
	Decode struct{ Frames, Truncated uint64 }
	Flow   struct {
		Active  int
		Evicted uint64
	}
}

// sourceStats has atomic counters, as logs.SourceStats does.
type sourceStats struct {
	Records atomic.Uint64
	Pending atomic.Int64
}

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse exposition: %v", err)
	}
	return fams
}

func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Errorf("metric %s missing", name)
		return -1
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.Label {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Errorf("metric %s%v missing", name, labels)
	return -1
}

func TestServerScrapesPipeline(t *testing.T) {
	reg := NewRegistry("1.2.3", "abc123")
	p := &borderwatch.Pipeline{Sources: []borderwatch.Source{lines{n: 500}}, Rules: []borderwatch.Rule{&everyTenth{}}, BatchSize: 50}
	q := NewQueue(&p.Stats)
	p.Enrichers = []borderwatch.Enricher{q}
	sink := &slowSink{}
	wrapped, err := reg.Sink("ndjson", sink)
	if err != nil {
		t.Fatal(err)
	}
	p.Sinks = []borderwatch.Sink{wrapped}
	cache := cacheStats{CacheHits: 300, CacheMisses: 100, CacheLen: 42}
	src := &sourceStats{}
	src.Records.Store(123)
	src.Pending.Store(-4)
	for _, err := range []error{
		reg.Pipeline(&p.Stats), reg.Queue(q),
		reg.Struct("enrich", "", func() any { return cache }),
		reg.Struct("rule", "rule", func() any { return map[string]ruleStats{"impossible_travel": {Findings: 7, Suppressed: 2}} }),
		reg.Struct("logs", "", func() any { return src }),
		reg.Struct("capture", "", func() any {
			var cs captureStats
			cs.Decode.Frames, cs.Flow.Active, cs.Flow.Evicted = 1000, 12, 3
			return cs
		}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	cfg := DefaultConfig()
	cfg.Address = "127.0.0.1:0"
	srv, err := NewServer(cfg, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	base := "http://" + srv.Addr().String()

	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	fams := scrape(t, base+"/metrics")
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"borderwatch_events_read_total", nil, 400},
		{"borderwatch_parse_errors_total", []string{"format", "okta"}, 100},
		{"borderwatch_alerts_total", []string{"rule", "watched_country"}, 40},
		{"borderwatch_events_written_total", nil, 440},
		{"borderwatch_pipeline_events_processed_total", nil, 400},
		{"borderwatch_pipeline_queue_depth", nil, 0},
		{"borderwatch_sink_events_total", []string{"sink", "ndjson"}, 440},
		{"borderwatch_enrich_cache_hits_total", nil, 300},
		{"borderwatch_enrich_cache_len", nil, 42},
		{"borderwatch_enrich_cache_hit_ratio", nil, 0.75},
		{"borderwatch_rule_findings_total", []string{"rule", "impossible_travel"}, 7},
		{"borderwatch_logs_records_total", nil, 123},
		{"borderwatch_logs_pending", nil, -4},
		{"borderwatch_capture_decode_frames_total", nil, 1000},
		{"borderwatch_capture_flow_active", nil, 12},
		{"borderwatch_capture_flow_evicted_total", nil, 3},
		{"borderwatch_build_info", []string{"version", "1.2.3", "commit", "abc123"}, 1},
	} {
		if got := value(t, fams, tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %g, want %g", tc.name, tc.labels, got, tc.want)
		}
	}
	// Every batch was timed; the sink sleeps 2 ms per batch.
	h := fams["borderwatch_sink_publish_seconds"].Metric[0].Histogram
	if h.GetSampleCount() < 9 || h.GetSampleSum() < 0.018 {
		t.Errorf("sink latency: %d samples, %gs in all", h.GetSampleCount(), h.GetSampleSum())
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("Go runtime metrics missing")
	}
	if sink.n.Load() != 440 {
		t.Errorf("sink got %d events", sink.n.Load())
	}
}

func TestHealthz(t *testing.T) {
	reg := NewRegistry("dev", "none")
	cfg := DefaultConfig()
	cfg.Address, cfg.StaleAfter = "127.0.0.1:0", time.Minute
	srv, err := NewServer(cfg, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	var sinkErr atomic.Value
	sinkErr.Store("")
	last := time.Now()
	var lastNano atomic.Int64
	lastNano.Store(last.UnixNano())
	srv.AddCheck("sink", func() error {
		if s := sinkErr.Load().(string); s != "" {
			return errors.New(s)
		}
		return nil
	})
	srv.Heartbeat("pipeline", func() time.Time { return time.Unix(0, lastNano.Load()) })

	get := func() (int, health) {
		resp, err := http.Get("http://" + srv.Addr().String() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var h health
		if err := json.Unmarshal(b, &h); err != nil {
			t.Fatalf("healthz body %q: %v", b, err)
		}
		return resp.StatusCode, h
	}
	for _, tc := range []struct {
		name    string
		prepare func()
		code    int
		detail  string
	}{
		{"healthy", func() {}, 200, ""},
		{"sink failing", func() { sinkErr.Store("elasticsearch unreachable") }, 503, "elasticsearch unreachable"},
		{"recovered", func() { sinkErr.Store("") }, 200, ""},
		{"stale", func() { lastNano.Store(time.Now().Add(-2 * time.Minute).UnixNano()) }, 503, "stale after 1m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.prepare()
			code, h := get()
			if code != tc.code {
				t.Errorf("status %d, want %d (%+v)", code, tc.code, h)
			}
			joined := fmt.Sprint(h.Checks)
			if tc.detail != "" && !strings.Contains(joined, tc.detail) {
				t.Errorf("checks %v lack %q", h.Checks, tc.detail)
			}
		})
	}
}

func TestStructRejectsNonStruct(t *testing.T) {
	reg := NewRegistry("dev", "none")
	if err := reg.Struct("x", "", func() any { return 5 }); err == nil {
		t.Error("Struct accepted an int")
	}
	if err := reg.Struct("y", "", func() any { return map[string]ruleStats{} }); err == nil {
		t.Error("Struct accepted a map without a label name")
	}
	if err := reg.Struct("z", "", func() any { return cacheStats{} }); err != nil {
		t.Fatal(err)
	}
	if err := reg.Struct("z", "", func() any { return cacheStats{} }); err == nil {
		t.Error("registering the same subsystem twice did not fail")
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{"CacheHits": "cache_hits", "TCPFlows": "tcp_flows",
		"Read": "read", "KernelDrops": "kernel_drops", "SpoolPending": "spool_pending"} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(*Config) {}, ""},
		{func(c *Config) { c.Address = "9478" }, "not host:port"},
		{func(c *Config) { c.Path = "/healthz" }, "metrics.path"},
		{func(c *Config) { c.ReadTimeout = 0 }, "read_timeout"},
	} {
		c := DefaultConfig()
		tc.mutate(&c)
		err := c.Validate()
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate() = %v, want %q", err, tc.want)
		}
	}
}

// TestPprof checks that Go's profiles are served only when metrics.pprof is on.
func TestPprof(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprint("pprof=", on), func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Address, cfg.Pprof = "127.0.0.1:0", on
			srv, err := NewServer(cfg, NewRegistry("dev", "none"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer srv.Shutdown(context.Background())
			base := "http://" + srv.Addr().String()
			for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap?debug=1", "/debug/pprof/goroutine?debug=1", "/debug/pprof/profile?seconds=1"} {
				resp, err := http.Get(base + path)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case !on && resp.StatusCode != http.StatusNotFound:
					t.Errorf("%s with pprof off: status %d, want 404", path, resp.StatusCode)
				case on && resp.StatusCode != http.StatusOK:
					t.Errorf("%s: status %d, want 200: %.200s", path, resp.StatusCode, body)
				case on && strings.HasPrefix(path, "/debug/pprof/heap") && !strings.Contains(string(body), "heap profile"):
					t.Errorf("%s: not a heap profile: %.200s", path, body)
				case on && strings.HasPrefix(path, "/debug/pprof/profile") && len(body) == 0:
					t.Errorf("%s: empty CPU profile", path)
				}
			}
			// the metrics stay where they were
			resp, err := http.Get(base + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("/metrics: status %d", resp.StatusCode)
			}
		})
	}
}
