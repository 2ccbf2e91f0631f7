// Command esbench measures the Elasticsearch output: documents per second into a node for
// session and auth documents, and the Go heap while the node is unreachable and events go to
// the disk spool. It prints one JSON object per measurement.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
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
	flag.StringVar(&opt.ids, "ids", "default", "document ids: default (borderwatch.id as DocumentID makes it) | time (6 bytes of @timestamp milliseconds, then 9 bytes of the same hash)")
	flag.DurationVar(&opt.refresh, "refresh", -1, "elasticsearch.index.refresh_interval (default: the sink's default)")
	flag.StringVar(&opt.translog, "translog", "", "elasticsearch.index.translog_durability: request | async (default: the sink's default, request)")
	flag.IntVar(&opt.nodePID, "node-pid", 0, "the node's process `id`: its CPU time is also read from /proc/<pid>/stat")
	flag.StringVar(&opt.cpuProfile, "cpuprofile", "", "write borderwatch's CPU profile of the run to `file`")
	flag.IntVar(&opt.warmup, "warmup", 20000, "documents sent to indices of their own before measuring (warms the node's JIT)")
	flag.BoolVar(&opt.dump, "dump", false, "print one document of -kind as the sink sends it, and exit")
	flag.StringVar(&opt.omit, "omit", "", "leave `parts` out of -shape capture sessions, to see what each costs: comma-separated message, ciphers (the cipher list and ALPN), counters (per-endpoint and payload bytes and packets), intel (borderwatch.source/destination), flow (TCP flags, reason, final)")
	flag.StringVar(&opt.shape, "shape", "capture", "session documents: capture (what capture and enrich emit for a TLS session: message, per-endpoint counters, cipher list, ALPN, flow internals, intel) | lean (the smaller document of the figures before 2026-11-22 15:00 UTC)")
	flag.Parse()
	if err := run(*mode, *url, *kind, *n, *batch, *workers, *bulkDocs, *compress, *duration, *spoolDir, *spoolMax); err != nil {
		fmt.Fprintln(os.Stderr, "esbench:", err)
		os.Exit(1)
	}
}

// opt holds the flags that shape the experiment rather than the load.
var opt struct {
	ids        string
	refresh    time.Duration
	translog   string
	nodePID    int
	warmup     int
	cpuProfile string
	dump       bool
	shape      string
	omit       string
}

func run(mode, url, kind string, n, batch, workers, bulkDocs int, compress bool, duration time.Duration, spoolDir string, spoolMax int64) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := elasticsearch.DefaultConfig()
	cfg.Index.Prefix = fmt.Sprintf("bwbench%d", time.Now().Unix())
	cfg.Index.Replicas = 0
	cfg.DeadLetter.Index = cfg.Index.Prefix + "-deadletter"
	cfg.Workers, cfg.BulkMaxDocs, cfg.Compression = workers, bulkDocs, compress
	if opt.refresh >= 0 {
		cfg.Index.RefreshInterval = opt.refresh
	}
	if opt.translog != "" {
		cfg.Index.TranslogDurability = opt.translog
	}
	gen := genFor(kind)
	if gen == nil {
		return fmt.Errorf("-kind %q -shape %q: use -kind sessions (-shape capture or lean) or auth", kind, opt.shape)
	}
	for _, part := range strings.Split(opt.omit, ",") {
		switch part {
		case "", "message", "ciphers", "counters", "intel", "flow":
		default:
			return fmt.Errorf("-omit %q: use message, ciphers, counters, intel or flow", part)
		}
	}
	switch opt.ids {
	case "default":
	case "time":
		g := gen
		gen = func(i int) *borderwatch.Event { ev := g(i); ev.Borderwatch.ID = timeOrderedID(ev); return ev }
	default:
		return fmt.Errorf("-ids %q: use default or time", opt.ids)
	}
	if opt.dump {
		b, err := json.Marshal(gen(1))
		if err != nil {
			return err
		}
		_, err = fmt.Println(string(b))
		return err
	}
	ctx := context.Background()
	if opt.cpuProfile != "" {
		f, err := os.Create(opt.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	switch mode {
	case "throughput":
		if url == "" {
			return fmt.Errorf("-url or BORDERWATCH_ES_URL is required")
		}
		cfg.URLs = []string{url}
		if opt.warmup > 0 {
			// A node's first documents run through a cold JIT: warm it on indices of their own.
			wcfg := cfg
			wcfg.Index.Prefix += "w"
			wcfg.DeadLetter.Index = wcfg.Index.Prefix + "-deadletter"
			w, err := elasticsearch.New(ctx, wcfg, log)
			if err != nil {
				return err
			}
			evs := make([]*borderwatch.Event, 0, batch)
			for i := 0; i < opt.warmup; i += batch {
				evs = evs[:0]
				for j := i; j < min(opt.warmup, i+batch); j++ {
					evs = append(evs, gen(j))
				}
				if err := w.Publish(ctx, evs); err != nil {
					return fmt.Errorf("warm-up: %w", err)
				}
			}
			if err := w.Close(ctx); err != nil {
				return err
			}
		}
		s, err := elasticsearch.New(ctx, cfg, log)
		if err != nil {
			return err
		}
		evs := make([]*borderwatch.Event, 0, batch)
		var encode time.Duration
		nodeCPU0, procCPU0, ix0 := nodeCPU(url), procCPU(opt.nodePID), indexingStats(url)
		cpu0 := cpuTime()
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
		cpu := cpuTime() - cpu0
		// Charge the run with writing what it indexed into segments: a long refresh_interval
		// would otherwise defer that cost past the end of a short run.
		if res, err := http.Post(url+"/"+cfg.Index.Prefix+"-*/_refresh?expand_wildcards=all", "application/json", nil); err == nil {
			res.Body.Close()
		}
		nodeCPU1, procCPU1, ix1 := nodeCPU(url), procCPU(opt.nodePID), indexingStats(url)
		st := s.Snapshot()
		perDoc := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
		return emit(map[string]any{
			"ids": opt.ids, "refresh_interval": cfg.Index.RefreshInterval.String(), "translog": cfg.Index.TranslogDurability, "batch": batch,
			"node_proc_cpu_us_per_doc": perDoc(procCPU1 - procCPU0),
			"node_index_us_per_doc":    perDoc(ix1.index - ix0.index), "node_merge_us_per_doc": perDoc(ix1.merge - ix0.merge),
			"node_refresh_us_per_doc": perDoc(ix1.refresh - ix0.refresh), "node_flush_us_per_doc": perDoc(ix1.flush - ix0.flush),
			"refreshes": ix1.refreshes - ix0.refreshes, "merges": ix1.merges - ix0.merges,
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

// procCPU is the CPU time (user + system) of process pid from /proc/<pid>/stat, 0 if unknown.
func procCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64) // utime: field 14 of stat
	st, _ := strconv.ParseInt(f[12], 10, 64) // stime: field 15
	const ticks = 100                        // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / ticks
}

// nodeIndexing is the node's cumulative indexing, merge, refresh and flush time.
type nodeIndexing struct {
	index, merge, refresh, flush time.Duration
	refreshes, merges            int64
}

// indexingStats reads _nodes/stats/indices; zero if unknown.
func indexingStats(url string) nodeIndexing {
	res, err := http.Get(url + "/_nodes/stats/indices/indexing,merge,refresh,flush?filter_path=nodes.*.indices")
	if err != nil {
		return nodeIndexing{}
	}
	defer res.Body.Close()
	var r struct {
		Nodes map[string]struct {
			Indices struct {
				Indexing struct {
					IndexTime int64 `json:"index_time_in_millis"`
				} `json:"indexing"`
				Merges struct {
					Total     int64 `json:"total"`
					TotalTime int64 `json:"total_time_in_millis"`
				} `json:"merges"`
				Refresh struct {
					Total     int64 `json:"total"`
					TotalTime int64 `json:"total_time_in_millis"`
				} `json:"refresh"`
				Flush struct {
					TotalTime int64 `json:"total_time_in_millis"`
				} `json:"flush"`
			} `json:"indices"`
		} `json:"nodes"`
	}
	if json.NewDecoder(res.Body).Decode(&r) != nil {
		return nodeIndexing{}
	}
	var s nodeIndexing
	ms := func(v int64) time.Duration { return time.Duration(v) * time.Millisecond }
	for _, n := range r.Nodes {
		s.index += ms(n.Indices.Indexing.IndexTime)
		s.merge += ms(n.Indices.Merges.TotalTime)
		s.refresh += ms(n.Indices.Refresh.TotalTime)
		s.flush += ms(n.Indices.Flush.TotalTime)
		s.refreshes += n.Indices.Refresh.Total
		s.merges += n.Indices.Merges.Total
	}
	return s
}

// timeOrderedID is DocumentID with a time-ordered prefix: 6 bytes of big-endian milliseconds
// of @timestamp (since 1970, clamped to 0..2^48-1), then the first 9 bytes of the same
// SHA-256, base64url without padding (20 characters, as now). Ids of events close in time
// share a prefix, which Lucene's id lookup (the version check behind "create") finds much
// faster than uniformly random ids.
func timeOrderedID(ev *borderwatch.Event) string {
	old := ev.Borderwatch.ID
	ev.Borderwatch.ID = ""
	sum, err := base64.RawURLEncoding.DecodeString(ev.DocumentID())
	ev.Borderwatch.ID = old
	if err != nil || len(sum) < 9 {
		return old
	}
	var b [15]byte
	ms := min(max(ev.Timestamp.UnixMilli(), 0), 1<<48-1)
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	copy(b[6:], sum[:9])
	return base64.RawURLEncoding.EncodeToString(b[:])
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
		switch opt.shape {
		case "capture":
			return captureSession
		case "lean":
			return session
		}
		return nil
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

// clientCiphers is a browser's cipher-suite list as capture names it.
var clientCiphers = []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"}

// captureSession is a finished TLS session to a VPN provider with every field capture and
// enrich fill for one (the shape of capture/testdata/mixed.golden.ndjson after enrichment):
// the summary message, per-endpoint counters, the client's cipher list and ALPN, the server's
// fingerprint, flow internals, GeoIP city and ASN, range-list intel and the direction.
func captureSession(i int) *borderwatch.Event {
	ev := session(i)
	ev.Event.Action, ev.Event.Module = "network_flow", "capture"
	ev.Source.MAC = "02-00-00-00-00-01"
	ev.Source.Bytes, ev.Source.Packets = ev.Network.Bytes*4/5, ev.Network.Packets/2+1
	ev.Destination.Bytes, ev.Destination.Packets = ev.Network.Bytes-ev.Source.Bytes, ev.Network.Packets-ev.Source.Packets
	ev.Destination.Geo = &borderwatch.Geo{ContinentCode: "AS", CountryISOCode: "HK", CountryName: "Hong Kong",
		CityName: "Hong Kong", Timezone: "Asia/Hong_Kong", Location: &borderwatch.GeoPoint{Lat: 22.28, Lon: 114.15}, AccuracyRadius: 20}
	ev.Network.IANANumber, ev.Network.Direction = "6", borderwatch.DirectionOutbound
	ev.TLS.VersionProtocol, ev.TLS.Cipher = "tls", "TLS_AES_128_GCM_SHA256"
	ev.TLS.Client.JA4 = "t13d1515h2_8daaf6152771_de4a06bb82e3"
	ev.TLS.Client.SupportedCiphers = clientCiphers
	ev.TLS.Client.ALPN = []string{"h2", "http/1.1"}
	ev.TLS.Server = &borderwatch.TLSServer{JA3S: "f4febc55ea12b31ae17cfb7e614afda8"}
	ev.Borderwatch.Input = &borderwatch.Input{Type: "interface", Path: "eth1"}
	ev.Borderwatch.Flow.ID = fmt.Sprintf("%016x", uint64(i)*0x9e3779b97f4a7c15)
	ev.Borderwatch.Flow.SourcePayload, ev.Borderwatch.Flow.DestPayload = ev.Source.Bytes*3/4, ev.Destination.Bytes*3/4
	ev.Borderwatch.Flow.TCPFlags = []string{"FIN", "SYN", "PSH", "ACK"}
	ev.Borderwatch.Source = &borderwatch.Intel{Internal: true}
	ev.Borderwatch.Destination = &borderwatch.Intel{Lists: []borderwatch.ListHit{{Name: "astrill", Category: "vpn", Provider: "astrill"}},
		Categories: []string{"anonymous", "vpn"}, Anonymous: []string{"anonymous", "anonymous_vpn"}}
	ev.Message = fmt.Sprintf("tcp/tls session %s:%d -> %s:%d (%s), vpn astrill: %d packets, %d bytes",
		ev.Source.IP, ev.Source.Port, ev.Destination.IP, ev.Destination.Port, ev.Destination.Domain, ev.Network.Packets, ev.Network.Bytes)
	for _, part := range strings.Split(opt.omit, ",") {
		switch part {
		case "message":
			ev.Message = ""
		case "ciphers":
			ev.TLS.Client.SupportedCiphers, ev.TLS.Client.ALPN = nil, nil
		case "counters":
			ev.Source.Bytes, ev.Source.Packets, ev.Destination.Bytes, ev.Destination.Packets = 0, 0, 0, 0
			ev.Borderwatch.Flow.SourcePayload, ev.Borderwatch.Flow.DestPayload = 0, 0
		case "intel":
			ev.Borderwatch.Source, ev.Borderwatch.Destination = nil, nil
		case "flow":
			ev.Borderwatch.Flow.TCPFlags, ev.Borderwatch.Flow.Reason, ev.Borderwatch.Flow.Final = nil, "", false
		}
	}
	ev.Borderwatch.ID = ""
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
