//go:build unix

package logsbench

import (
	"bytes"
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/enrich"
	"github.com/borderwatch/borderwatch/enrich/geoip/geoiptest"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/okta"
	"github.com/borderwatch/borderwatch/logs/okta/oktagen"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOktaParseEnrich parses synthetic Okta events (~1.8 KB, 5000 users with a few
// addresses each), enriches each with GeoLite2 City+ASN, the range lists and the internal
// networks, and normalizes it (document id, related.*) as the pipeline does. Target: ≥ 200 k events per CPU second on one core:
//
//	go test -run '^$' -bench OktaParseEnrich -cpu 1 ./bench/logs
func BenchmarkOktaParseEnrich(b *testing.B) {
	cfg := enrich.DefaultConfig()
	cfg.GeoIP.Directories = []string{geoiptest.RequireGeoLite2(b)}
	cfg.Reload = 0
	chain, err := enrich.New(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer chain.Close()
	var buf bytes.Buffer
	if err := oktagen.Write(&buf, 20000, 1, time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)); err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
	p, _ := okta.New(logs.Options{})
	ctx := context.Background()
	var evs []*borderwatch.Event
	emit := func(ev *borderwatch.Event) { evs = append(evs, ev) }
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	rec := logs.Record{Path: "bench", Line: 1}
	for i := 0; i < b.N; i++ {
		rec.Data = lines[i%len(lines)]
		evs = evs[:0]
		if err := p.Parse(&rec, emit); err != nil {
			b.Fatal(err)
		}
		for _, ev := range evs {
			if err := chain.Enrich(ctx, ev); err != nil {
				b.Fatal(err)
			}
			borderwatch.Normalize(ev) // ids and related.*, as the pipeline does
		}
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "events/cpu-s")
}
