package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/borderwatch/borderwatch/capture"
	"github.com/borderwatch/borderwatch/enrich"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/metrics"
	"github.com/borderwatch/borderwatch/report"
	"github.com/borderwatch/borderwatch/rules"
	"github.com/borderwatch/borderwatch/sink/elasticsearch"
)

// Config is borderwatch's whole configuration. Each area owns its section type (with yaml
// tags, a DefaultConfig function and a Validate method); this struct only lists them.
// Layers: defaults → YAML file → BORDERWATCH_* environment → command-line flags.
type Config struct {
	Observer ObserverConfig `yaml:"observer"`
	Pipeline PipelineConfig `yaml:"pipeline"`
	Output   OutputConfig   `yaml:"output"`
	Rules    rules.Config   `yaml:"rules"`
	Logs     logs.Config    `yaml:"logs"`
	Capture  capture.Config `yaml:"capture"`
	Enrich   enrich.Config  `yaml:"enrich"`
	Report   report.Config  `yaml:"report"`
	Metrics  metrics.Config `yaml:"metrics"`

	Elasticsearch elasticsearch.Config `yaml:"elasticsearch"`
}

// ObserverConfig names this sensor in every event (observer.*).
type ObserverConfig struct {
	Name     string `yaml:"name"`     // observer.name; default: the host name
	Hostname string `yaml:"hostname"` // observer.hostname; default: the host name
}

// PipelineConfig sizes the pipeline's queues.
type PipelineConfig struct {
	QueueSize int `yaml:"queue_size"` // events buffered between sources and processing; 0: 1024 when only files are read, else 4096
	BatchSize int `yaml:"batch_size"` // events per batch handed to the sinks; 0: a quarter of the queue, at most 512
}

// OutputConfig selects where events and alerts go.
type OutputConfig struct {
	Sinks      []string `yaml:"sinks"`       // pretty, ndjson, elasticsearch (several allowed)
	File       string   `yaml:"file"`        // ndjson destination: "" or "-" for stdout
	AlertsOnly bool     `yaml:"alerts_only"` // ndjson: write alerts only, not every event
	DeadLetter string   `yaml:"dead_letter"` // file that keeps rejected input ("" = none)
}

func defaultConfig() Config {
	host, _ := os.Hostname()
	return Config{
		Observer: ObserverConfig{Name: host, Hostname: host},
		Pipeline: PipelineConfig{}, // automatic sizes (borderwatch.Pipeline)
		Output:   OutputConfig{Sinks: []string{"pretty"}},
		Rules:    rules.DefaultConfig(),
		Logs:     logs.DefaultConfig(),
		Capture:  capture.DefaultConfig(),
		Enrich:   enrich.DefaultConfig(),
		Report:   report.DefaultConfig(),
		Metrics:  metrics.DefaultConfig(),

		Elasticsearch: elasticsearch.DefaultConfig(),
	}
}

// Validate checks the fields of the sections this file owns.
func (c *PipelineConfig) Validate() error {
	if c.QueueSize < 0 {
		return fmt.Errorf("queue_size must be >= 0 (got %d); 0 sizes it automatically", c.QueueSize)
	}
	if c.BatchSize < 0 || (c.QueueSize > 0 && c.BatchSize > c.QueueSize) {
		return fmt.Errorf("batch_size must be between 0 (automatic) and queue_size (%d), got %d", c.QueueSize, c.BatchSize)
	}
	return nil
}

// Validate checks the output section.
func (c *OutputConfig) Validate() error {
	if len(c.Sinks) == 0 {
		return fmt.Errorf("sinks is empty: name at least one of %s", strings.Join(sinkNames(), ", "))
	}
	stdout := 0
	for _, s := range c.Sinks {
		if !slices.Contains(sinkNames(), s) {
			return fmt.Errorf("sink %q is not known: use %s", s, strings.Join(sinkNames(), ", "))
		}
		if s == "pretty" || (s == "ndjson" && (c.File == "" || c.File == "-")) {
			stdout++
		}
	}
	if stdout > 1 {
		return fmt.Errorf("pretty and ndjson would both write to stdout: give ndjson a file (--output-file)")
	}
	return nil
}
