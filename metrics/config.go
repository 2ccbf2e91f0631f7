package metrics

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// Config says where the metrics server listens. The zero value disables it.
type Config struct {
	Address      string        `yaml:"address"`       // host:port, e.g. "127.0.0.1:9478"; "" disables the server
	Path         string        `yaml:"path"`          // metrics path, default /metrics
	StaleAfter   time.Duration `yaml:"stale_after"`   // /healthz fails when a heartbeat is older than this (0: never)
	ReadTimeout  time.Duration `yaml:"read_timeout"`  // per request
	WriteTimeout time.Duration `yaml:"write_timeout"` // per response
	// Pprof serves Go's runtime profiles under /debug/pprof/ on the same address (CPU, heap,
	// goroutines, mutex and block contention): off by default, since a profile shows the
	// program's internals to whoever can reach the address. A CPU profile longer than
	// WriteTimeout is refused by the server.
	Pprof bool `yaml:"pprof"`
}

// DefaultConfig returns the server disabled, with sensible settings once an address is set.
// The staleness check is off: a quiet log collector may see no event for hours.
func DefaultConfig() Config {
	return Config{Path: "/metrics", ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
}

// Validate checks the settings.
func (c *Config) Validate() error {
	if c.Address != "" {
		if _, _, err := net.SplitHostPort(c.Address); err != nil {
			return fmt.Errorf("metrics.address %q is not host:port, e.g. 127.0.0.1:9478: %w", c.Address, err)
		}
	}
	if !strings.HasPrefix(c.Path, "/") || c.Path == "/healthz" {
		return fmt.Errorf("metrics.path %q must start with / and differ from /healthz, e.g. /metrics", c.Path)
	}
	if c.StaleAfter < 0 {
		return fmt.Errorf("metrics.stale_after must be >= 0 (0 disables the check), e.g. 5m")
	}
	if c.ReadTimeout <= 0 || c.WriteTimeout <= 0 {
		return fmt.Errorf("metrics.read_timeout and metrics.write_timeout must be > 0, e.g. 10s and 30s")
	}
	return nil
}
