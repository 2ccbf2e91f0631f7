package capture

import (
	"errors"
	"fmt"
	"time"

	"github.com/borderwatch/borderwatch/capture/app"
	"github.com/borderwatch/borderwatch/capture/flow"
	"github.com/borderwatch/borderwatch/capture/pdns"
)

// Config is the capture section of borderwatch's configuration.
type Config struct {
	Flow       flow.Config     `yaml:"flow"`
	PassiveDNS pdns.Config     `yaml:"passive_dns"`
	Apps       []app.Signature `yaml:"apps"` // added after the built-in table; later entries win

	// Live capture.
	Interface     string        `yaml:"interface"`
	Workers       int           `yaml:"workers"`        // AF_PACKET fanout members (1 = no fanout)
	BPF           string        `yaml:"bpf"`            // tcpdump-syntax filter (see capture/README.md)
	Snaplen       int           `yaml:"snaplen"`        // bytes kept per packet
	Promiscuous   bool          `yaml:"promiscuous"`    // put the interface in promiscuous mode
	RingMB        int           `yaml:"ring_mb"`        // ring size per worker, MiB
	StatsInterval time.Duration `yaml:"stats_interval"` // how often interface statistics are logged

	// Files: map plain capture files into memory instead of reading them (see
	// bench/capture/README.md for when that is cheaper).
	MapFiles bool `yaml:"map_files"`

	// Fragment reassembly bounds.
	MaxFragDatagrams int           `yaml:"max_frag_datagrams"`
	FragTimeout      time.Duration `yaml:"frag_timeout"`

	// HeapFloorMB holds the garbage collector back until the heap reaches this many MiB
	// (internal/heapfloor): a capture's flow state grows from nothing to tens of megabytes,
	// and each collection on the way marks all of it. 0 leaves Go's own pacing.
	HeapFloorMB int `yaml:"heap_floor_mb"`
}

// DefaultConfig returns the defaults documented in capture/README.md.
func DefaultConfig() Config {
	return Config{
		Flow: flow.DefaultConfig(), PassiveDNS: pdns.DefaultConfig(),
		Workers: 1, Snaplen: 262144, Promiscuous: true, RingMB: 64, StatsInterval: time.Minute,
		MaxFragDatagrams: 1024, FragTimeout: 30 * time.Second, HeapFloorMB: 128,
	}
}

// Validate reports settings that cannot work, naming the key and a value that would.
func (c *Config) Validate() error {
	var errs []error
	if err := c.Flow.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.PassiveDNS.Validate(); err != nil {
		errs = append(errs, err)
	}
	for i, sig := range c.Apps {
		if _, err := app.NewIdentifier([]app.Signature{sig}); err != nil {
			errs = append(errs, fmt.Errorf("apps[%d]: %w", i, err))
		}
	}
	if c.Workers < 1 || c.Workers > 64 {
		errs = append(errs, fmt.Errorf("workers must be between 1 and 64 (got %d), e.g. 2", c.Workers))
	}
	if c.Snaplen < 64 || c.Snaplen > 262144 {
		errs = append(errs, fmt.Errorf("snaplen must be between 64 and 262144 (got %d); 262144 keeps whole packets", c.Snaplen))
	}
	if c.RingMB < 1 || c.RingMB > 4096 {
		errs = append(errs, fmt.Errorf("ring_mb must be between 1 and 4096 (got %d), e.g. 64", c.RingMB))
	}
	if c.StatsInterval < 0 {
		errs = append(errs, fmt.Errorf("stats_interval must be >= 0 (0 logs only at exit), e.g. 60s"))
	}
	if c.MaxFragDatagrams < 1 {
		errs = append(errs, fmt.Errorf("max_frag_datagrams must be >= 1, e.g. 1024"))
	}
	if c.FragTimeout <= 0 {
		errs = append(errs, fmt.Errorf("frag_timeout must be > 0, e.g. 30s"))
	}
	if c.HeapFloorMB < 0 || c.HeapFloorMB > 1<<20 {
		errs = append(errs, fmt.Errorf("heap_floor_mb must be between 0 (off) and 1048576 (got %d), e.g. 128", c.HeapFloorMB))
	}
	return errors.Join(errs...)
}
