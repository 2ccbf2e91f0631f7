// Command heapprobe runs log files through the same pipeline as `borderwatch logs` with the
// default configuration (logs source, enrichment, rules, ndjson output), stage by stage if
// asked, and writes CPU and heap profiles: it shows where the CPU time and the memory that
// stays live go.
//
//	go run ./bench/logs/heapprobe -memprofile /tmp/heap.out /tmp/okta.ndjson
//	go tool pprof -sample_index=inuse_space -top /tmp/heap.out
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/enrich"
	"github.com/borderwatch/borderwatch/logs"
	_ "github.com/borderwatch/borderwatch/logs/all"
	"github.com/borderwatch/borderwatch/rules"
	_ "github.com/borderwatch/borderwatch/rules/all" // every detection rule, as the command has
	"github.com/borderwatch/borderwatch/sink/ndjson"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "heapprobe:", err)
		os.Exit(1)
	}
}

func run() error {
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	memProfile := flag.String("memprofile", "", "write a heap profile, taken after the run with every stage still open, to this file")
	noEnrich := flag.Bool("no-enrich", false, "leave out enrichment")
	noRules := flag.Bool("no-rules", false, "leave out the rules")
	queue := flag.Int("queue", 0, "pipeline queue size (0: the default)")
	flag.Parse()
	log := slog.New(slog.DiscardHandler)

	src, err := logs.NewSource(logs.SourceConfig{Paths: flag.Args(), Logger: log})
	if err != nil {
		return err
	}
	p := &borderwatch.Pipeline{Sources: []borderwatch.Source{src}, Logger: log, QueueSize: *queue,
		Sinks: []borderwatch.Sink{ndjson.New(io.Discard, ndjson.Options{})}}
	if !*noEnrich {
		cfg := enrich.DefaultConfig()
		if err := cfg.Validate(); err != nil {
			return err
		}
		chain, err := enrich.New(cfg, log)
		if err != nil {
			return err
		}
		defer chain.Close()
		p.Enrichers = append(p.Enrichers, chain)
	}
	if !*noRules {
		cfg := rules.DefaultConfig()
		if err := cfg.Validate(); err != nil {
			return err
		}
		eng, err := rules.New(cfg, log)
		if err != nil {
			return err
		}
		defer eng.Close()
		p.Rules = append(p.Rules, eng)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	runErr := p.Run(context.Background())
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := p.Stats.Snapshot()
	fmt.Printf("%d events read, %d alerts, %d written; live heap after the run %.1f MB, heap in use %.1f MB, from the OS %.1f MB\n",
		s.Read, s.Alerts, s.Written, float64(ms.HeapAlloc)/1e6, float64(ms.HeapInuse)/1e6, float64(ms.Sys)/1e6)
	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			return err
		}
	}
	runtime.KeepAlive(p)
	return runErr
}
