package enrich

import (
	"errors"
	"time"

	"github.com/borderwatch/borderwatch/enrich/allowlist"
	"github.com/borderwatch/borderwatch/enrich/geoip"
	"github.com/borderwatch/borderwatch/enrich/iprange"
	"github.com/borderwatch/borderwatch/enrich/netdir"
)

// Config is the enrich section of the configuration.
type Config struct {
	GeoIP      geoip.Config       `yaml:"geoip"`
	Ranges     iprange.Config     `yaml:"ranges"`
	Networks   netdir.Config      `yaml:"networks"`
	Allowlists []allowlist.Config `yaml:"allowlists"`
	// CacheSize bounds the per-address result cache (entries; about 1 KiB each with geo and AS).
	CacheSize int `yaml:"cache_size"`
	// Reload is how often database and list files are checked for replacement; 0 turns
	// reloading off.
	Reload time.Duration `yaml:"reload"`
}

// DefaultConfig returns the defaults of every part, a 65536-address cache and a 30 s reload check.
func DefaultConfig() Config {
	return Config{
		GeoIP:     geoip.DefaultConfig(),
		Ranges:    iprange.DefaultConfig(),
		Networks:  netdir.DefaultConfig(),
		CacheSize: 65536,
		Reload:    30 * time.Second,
	}
}

// Validate checks the whole section.
func (c *Config) Validate() error {
	var errs []error
	if c.CacheSize <= 0 {
		errs = append(errs, errors.New("enrich.cache_size must be > 0, e.g. 65536"))
	}
	if c.Reload < 0 {
		errs = append(errs, errors.New("enrich.reload must be >= 0 (0 turns reloading off), e.g. 30s"))
	} else if c.Reload > 0 && c.Reload < time.Second {
		errs = append(errs, errors.New("enrich.reload must be at least 1s (or 0 to turn reloading off), e.g. 30s"))
	}
	errs = append(errs, c.GeoIP.Validate(), c.Ranges.Validate(), c.Networks.Validate(), allowlist.Validate(c.Allowlists))
	return errors.Join(errs...)
}
