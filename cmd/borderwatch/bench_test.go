package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/enrich"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/okta"
	"github.com/borderwatch/borderwatch/logs/okta/oktagen"
)

// benchGeoIP configures real GeoIP databases for benchmarks when they are available
// (BORDERWATCH_GEOIP_DIR, or the GeoLite2 test cache); otherwise the bundled demo data.
func benchGeoIP(b *testing.B, cfg *enrich.Config) {
	dirs := []string{os.Getenv("BORDERWATCH_GEOIP_DIR")}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".cache", "borderwatch", "geolite2"))
	}
	for _, d := range dirs {
		city, asn := filepath.Join(d, "GeoLite2-City.mmdb"), filepath.Join(d, "GeoLite2-ASN.mmdb")
		if d == "" {
			continue
		}
		if _, err := os.Stat(city); err != nil {
			continue
		}
		if _, err := os.Stat(asn); err != nil {
			continue
		}
		cfg.GeoIP.City, cfg.GeoIP.ASN = city, asn
		b.Logf("GeoIP: %s", d)
		return
	}
	b.Log("GeoIP: bundled demo data (set BORDERWATCH_GEOIP_DIR to a GeoLite2 directory for a real-data figure)")
}

// BenchmarkOktaParseEnrich measures the foundation slice per core: Okta System Log parsing,
// GeoIP City+ASN and range enrichment, and normalization (ids, related.*), one event at a
// time as the pipeline does. Client addresses are drawn from a pool of 20 000, so the
// enrichment cache sees a realistic mix of hits and misses.
//
//	go test -run '^$' -bench OktaParseEnrich -cpu 1 ./cmd/borderwatch
func BenchmarkOktaParseEnrich(b *testing.B) {
	const pool = 20000
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	lines := make([][]byte, 8192)
	ips := make([][]byte, pool)
	for i := range ips {
		ips[i] = []byte(randomPublicIP(r))
	}
	for i := range lines {
		l := oktagen.Event(r, i, start)
		// Swap the generated address for one from the pool (both occurrences).
		ip := extractIP(l)
		lines[i] = bytes.ReplaceAll(l, ip, ips[r.IntN(pool)])
	}
	cfg := enrich.DefaultConfig()
	benchGeoIP(b, &cfg)
	chain, err := enrich.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer chain.Close()
	p, err := okta.New(logs.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	rec := logs.Record{Path: "bench", Line: 1}
	var total int64
	for _, l := range lines {
		total += int64(len(l))
	}
	b.SetBytes(total / int64(len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	emit := func(ev *borderwatch.Event) {
		if err := chain.Enrich(ctx, ev); err != nil {
			b.Fatal(err)
		}
		borderwatch.Normalize(ev)
		n++
	}
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		rec.Data = lines[i%len(lines)]
		if err := p.Parse(&rec, emit); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	// CPU seconds, not wall seconds: on a busy machine wall time includes waiting for a core.
	b.ReportMetric(float64(n)/cpu.Seconds(), "events/cpu-s")
}

// cpuTime is the CPU time (user + system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func randomPublicIP(r *rand.Rand) string {
	for {
		a := 1 + r.IntN(222)
		if a == 10 || a == 127 || a == 100 || a == 172 || a == 192 || a == 169 {
			continue
		}
		return fmt.Sprintf("%d.%d.%d.%d", a, r.IntN(256), r.IntN(256), 1+r.IntN(254))
	}
}

// extractIP returns the value of "ipAddress" in an Okta line.
func extractIP(l []byte) []byte {
	const key = `"ipAddress":"`
	i := bytes.Index(l, []byte(key))
	if i < 0 {
		return nil
	}
	rest := l[i+len(key):]
	return rest[:bytes.IndexByte(rest, '"')]
}
