// Command esbench measures the Elasticsearch output: documents per second into a node for
// session and auth documents, and the Go heap while the node is unreachable and events go to
// the disk spool. It prints one JSON object per measurement.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/sink/elasticsearch"
)

func main() {
	var (
		url      = flag.String("url", os.Getenv("BORDERWATCH_ES_URL"), "Elasticsearch `URL` (throughput mode)")
		mode     = flag.String("mode", "throughput", "throughput | outage")
		kind     = flag.String("kind", "sessions", "document kind: sessions | auth")
		n        = flag.Int("n", 200000, "documents to send (throughput)")
		batch    = flag.Int("batch", 512, "events per Publish (the pipeline's batch_size)")
		workers  = flag.Int("workers", 2, "elasticsearch.workers")
		bulkDocs = flag.Int("bulk-docs", 1600, "elasticsearch.bulk_max_docs")
		compress = flag.Bool("compression", false, "gzip request bodies")
		duration = flag.Duration("duration", 5*time.Minute, "outage length (outage)")
		spoolDir = flag.String("spool", "", "spool directory (outage; default a temporary one)")
		spoolMax = flag.Int64("spool-max", 8<<30, "spool.max_bytes (outage)")
	)
	flag.Parse()
	if err := run(*mode, *url, *kind, *n, *batch, *workers, *bulkDocs, *compress, *duration, *spoolDir, *spoolMax); err != nil {
		fmt.Fprintln(os.Stderr, "esbench:", err)
		os.Exit(1)
	}
}

func run(mode, url, kind string, n, batch, workers, bulkDocs int, compress bool, duration time.Duration, spoolDir string, spoolMax int64) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := elasticsearch.DefaultConfig()
	cfg.Index.Prefix = fmt.Sprintf("bwbench%d", time.Now().Unix())
	cfg.Index.Replicas = 0
	cfg.DeadLetter.Index = cfg.Index.Prefix + "-deadletter"
	cfg.Workers, cfg.BulkMaxDocs, cfg.Compression = workers, bulkDocs, compress
	gen := genFor(kind)
	if gen == nil {
		return fmt.Errorf("-kind %q: use sessions or auth", kind)
	}
	ctx := context.Background()
	switch mode {
	case "throughput":
		if url == "" {
			return fmt.Errorf("-url or BORDERWATCH_ES_URL is required")
		}
		cfg.URLs = []string{url}
		s, err := elasticsearch.New(ctx, cfg, log)
		if err != nil {
			return err
		}
		evs := make([]*borderwatch.Event, 0, batch)
		var encode time.Duration
		nodeCPU0 := nodeCPU(url)
		start := time.Now()
		for i := 0; i < n; i += batch {
			evs = evs[:0]
			t0 := time.Now()
			for j := i; j < min(n, i+batch); j++ {
				evs = append(evs, gen(j))
			}
			encode += time.Since(t0)
			if err := s.Publish(ctx, evs); err != nil {
				return err
			}
		}
		took := time.Since(start)
		if err := s.Close(ctx); err != nil {
			return err
		}
		cpu := cpuTime()
		nodeCPU1 := nodeCPU(url)
		st := s.Snapshot()
		return emit(map[string]any{
			"mode": mode, "kind": kind, "documents": n, "acked": st.Acked, "duplicates": st.Duplicates,
			"retried": st.Retried, "dead": st.DeadLettered, "requests": st.Requests, "workers": workers,
			"bulk_max_docs": bulkDocs, "compression": compress, "seconds": took.Seconds(),
			"docs_per_s": float64(n) / took.Seconds(), "event_build_seconds": encode.Seconds(),
			"index": cfg.Index.Prefix, "client_cpu_seconds": cpu.Seconds(),
			"client_cpu_us_per_doc": float64(cpu.Microseconds()) / float64(n), "load_avg": loadAvg(),
			"node_cpu_seconds": (nodeCPU1 - nodeCPU0).Seconds(), "node_cpu_us_per_doc": float64((nodeCPU1 - nodeCPU0).Microseconds()) / float64(n),
		})
	case "outage":
		// A node that is not there: nothing listens on port 1.
		cfg.URLs = []string{"http://127.0.0.1:1"}
		cfg.Setup.OnStart = false
		if spoolDir == "" {
			d, err := os.MkdirTemp("", "esbench-spool")
			if err != nil {
				return err
			}
			defer os.RemoveAll(d)
			spoolDir = d
		}
		cfg.Spool.Path, cfg.Spool.MaxBytes = spoolDir, spoolMax
		s, err := elasticsearch.New(ctx, cfg, log)
		if err != nil {
			return err
		}
		var ms runtime.MemStats
		var maxHeap, sent uint64
		evs := make([]*borderwatch.Event, 0, batch)
		start := time.Now()
		next := start
		for i := 0; time.Since(start) < duration; i += batch {
			evs = evs[:0]
			for j := i; j < i+batch; j++ {
				evs = append(evs, gen(j))
			}
			if err := s.Publish(ctx, evs); err != nil {
				return err
			}
			sent += uint64(len(evs))
			if now := time.Now(); now.After(next) {
				runtime.ReadMemStats(&ms)
				maxHeap = max(maxHeap, ms.HeapInuse)
				st := s.Snapshot()
				_ = emit(map[string]any{"mode": "outage-sample", "seconds": now.Sub(start).Seconds(), "sent": sent,
					"spooled": st.Spooled, "spool_pending": st.SpoolPending, "spool_bytes": dirBytes(spoolDir),
					"heap_inuse_mb": float64(ms.HeapInuse) / (1 << 20)})
				next = now.Add(10 * time.Second)
			}
		}
		took := time.Since(start)
		runtime.ReadMemStats(&ms)
		maxHeap = max(maxHeap, ms.HeapInuse)
		st := s.Snapshot()
		ctxc, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		_ = s.Close(ctxc) // the node is away: what is spooled stays on disk
		return emit(map[string]any{
			"mode": mode, "kind": kind, "seconds": took.Seconds(), "sent": sent, "spooled": st.Spooled,
			"spool_pending": st.SpoolPending, "spool_bytes": dirBytes(spoolDir), "docs_per_s": float64(sent) / took.Seconds(),
			"max_heap_inuse_mb": float64(maxHeap) / (1 << 20), "lost": sent - st.Spooled - st.Acked,
		})
	}
	return fmt.Errorf("-mode %q: use throughput or outage", mode)
}

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// nodeCPU is the CPU time the cluster's processes have used (_nodes/stats/process), 0 if unknown.
func nodeCPU(url string) time.Duration {
	res, err := http.Get(url + "/_nodes/stats/process?filter_path=nodes.*.process.cpu.total_in_millis")
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	var r struct {
		Nodes map[string]struct {
			Process struct {
				CPU struct {
					TotalInMillis int64 `json:"total_in_millis"`
				} `json:"cpu"`
			} `json:"process"`
		} `json:"nodes"`
	}
	if json.NewDecoder(res.Body).Decode(&r) != nil {
		return 0
	}
	var ms int64
	for _, n := range r.Nodes {
		ms += n.Process.CPU.TotalInMillis
	}
	return time.Duration(ms) * time.Millisecond
}

// loadAvg is the machine's 1-minute load average, to judge how much CPU the node had.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(b) == 0 {
		return ""
	}
	f := string(b)
	for i, c := range f {
		if c == ' ' {
			return f[:i]
		}
	}
	return f
}

func emit(v map[string]any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Println(string(b))
	return err
}

func dirBytes(dir string) int64 {
	ents, _ := os.ReadDir(dir)
	var n int64
	for _, e := range ents {
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return n
}

var base = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

func genFor(kind string) func(int) *borderwatch.Event {
	switch kind {
	case "sessions":
		return session
	case "auth":
		return auth
	}
	return nil
}

// session is a finished TLS flow to a VPN provider, as capture reports it.
func session(i int) *borderwatch.Event {
	ev := &borderwatch.Event{Timestamp: base.Add(time.Duration(i) * time.Millisecond)}
	ev.Event.Kind = borderwatch.KindEvent
	ev.Event.Category = []string{borderwatch.CategoryNetwork, borderwatch.CategorySession}
	ev.Event.Type = []string{"connection", "end"}
	ev.Event.Dataset = "borderwatch.flow"
	ev.Event.Start = ev.Timestamp.Add(-30 * time.Second)
	ev.Event.End = ev.Timestamp
	ev.Source.IP = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
	ev.Source.Port = uint16(40000 + i%20000)
	ev.Destination.IP = netip.AddrFrom4([4]byte{185, 199, byte(i >> 8), byte(i)})
	ev.Destination.Port = 443
	ev.Destination.Domain = "vpn.astrill.example"
	ev.Destination.Geo = &borderwatch.Geo{CountryISOCode: "HK", CityName: "Hong Kong", Location: &borderwatch.GeoPoint{Lat: 22.28, Lon: 114.15}}
	ev.Destination.AS = &borderwatch.AS{Number: 9009, Organization: borderwatch.Organization{Name: "M247"}}
	ev.Network.Transport, ev.Network.Protocol, ev.Network.Type = "tcp", "tls", "ipv4"
	ev.Network.CommunityID = fmt.Sprintf("1:bench%019d", i)
	ev.Network.Bytes, ev.Network.Packets = uint64(1000+i%5000), uint64(10+i%7)
	ev.TLS = &borderwatch.TLS{Version: "1.3", Client: &borderwatch.TLSClient{ServerName: "vpn.astrill.example", JA3: "e7d705a3286e19ea42f587b344ee6865"}}
	ev.Observer.Name = "sensor-1"
	ev.Borderwatch.Flow = &borderwatch.Flow{ID: fmt.Sprint(i), Final: true, Reason: "fin"}
	ev.Borderwatch.App = &borderwatch.App{Name: "astrill", Category: "vpn", Evidence: []string{"sni:vpn.astrill.example"}}
	borderwatch.Normalize(ev)
	return ev
}

// auth is an Okta sign-in with its original record.
func auth(i int) *borderwatch.Event {
	user := fmt.Sprintf("user%04d", i%5000)
	ev := &borderwatch.Event{Timestamp: base.Add(time.Duration(i) * time.Millisecond)}
	ev.Event.Kind = borderwatch.KindEvent
	ev.Event.Category = []string{borderwatch.CategoryAuthentication, borderwatch.CategorySession}
	ev.Event.Type = []string{"start"}
	ev.Event.Action = "user.session.start"
	ev.Event.Outcome = borderwatch.OutcomeSuccess
	ev.Event.Dataset, ev.Event.Module = "borderwatch.okta", "okta"
	ev.Event.ID = fmt.Sprintf("bench-okta-%d", i)
	ev.SetOriginal(fmt.Sprintf(`{"uuid":"bench-okta-%d","eventType":"user.session.start","actor":{"alternateId":"%s@example.com"},"client":{"ipAddress":"203.0.%d.%d"}}`, i, user, byte(i>>8), byte(i)))
	ev.User.Name = user
	ev.User.Email = user + "@example.com"
	ev.Source.IP = netip.AddrFrom4([4]byte{203, 0, byte(i >> 8), byte(i)})
	ev.Source.Geo = &borderwatch.Geo{CountryISOCode: "US", CityName: "New York", Location: &borderwatch.GeoPoint{Lat: 40.7, Lon: -74.0}}
	ev.Source.AS = &borderwatch.AS{Number: 7922, Organization: borderwatch.Organization{Name: "Comcast"}}
	ev.UserAgent = &borderwatch.UserAgent{Original: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"}
	ev.Borderwatch.Input = &borderwatch.Input{Type: "file", Path: "okta.ndjson", Line: int64(i + 1)}
	borderwatch.Normalize(ev)
	return ev
}
