package iprange

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Categories are the list categories borderwatch knows.
var Categories = []string{"vpn", "proxy", "tor", "hosting", "cloud", "corporate", "custom",
	"relay", "satellite", "mobile", "residential_proxy", "anonymous"}

// Config is the enrich.ranges section.
type Config struct {
	Lists []ListConfig `yaml:"lists"`
	Fetch FetchConfig  `yaml:"fetch"`
}

// ListConfig is one range list.
type ListConfig struct {
	Name     string `yaml:"name"`     // unique, e.g. "x4bnet_vpn"
	Category string `yaml:"category"` // one of Categories
	Provider string `yaml:"provider"` // lowercase operator label, e.g. "astrill", "aws"; optional
	Format   string `yaml:"format"`   // auto (default), plain, tor, aws, gcp, azure, oracle, geofeed, asn
	Path     string `yaml:"path"`     // the local file read at start and on change
	URL      string `yaml:"url"`      // where `borderwatch ranges fetch` downloads Path from; optional
	// Services keeps only entries of these services (AWS service, GCP service, Azure service
	// tag name or its prefix before '.', Oracle tag); empty keeps all.
	Services []string `yaml:"services"`
}

// FetchConfig controls `borderwatch ranges fetch`.
type FetchConfig struct {
	Timeout   time.Duration `yaml:"timeout"`   // per download
	MaxBytes  int64         `yaml:"max_bytes"` // a larger download is refused
	UserAgent string        `yaml:"user_agent"`
}

// DefaultConfig returns no lists and fetch defaults of 60 s and 256 MiB.
func DefaultConfig() Config {
	return Config{Fetch: FetchConfig{Timeout: 60 * time.Second, MaxBytes: 256 << 20, UserAgent: "borderwatch"}}
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)

// Validate checks the section with messages naming the offending list.
func (c *Config) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for i, l := range c.Lists {
		where := fmt.Sprintf("enrich.ranges.lists[%d]", i)
		if l.Name != "" {
			where += " (" + l.Name + ")"
		}
		switch {
		case l.Name == "":
			errs = append(errs, fmt.Errorf("%s: name is required, e.g. x4bnet_vpn", where))
		case !nameRE.MatchString(l.Name):
			errs = append(errs, fmt.Errorf("%s: name must be lowercase letters, digits, '_', '.', '-'", where))
		case seen[l.Name]:
			errs = append(errs, fmt.Errorf("%s: name is used twice", where))
		}
		seen[l.Name] = true
		if !slices.Contains(Categories, l.Category) {
			errs = append(errs, fmt.Errorf("%s: category %q is not one of %s", where, l.Category, strings.Join(Categories, ", ")))
		}
		if l.Provider != strings.ToLower(l.Provider) {
			errs = append(errs, fmt.Errorf("%s: provider must be lowercase, e.g. %q", where, strings.ToLower(l.Provider)))
		}
		if _, err := ParseFormat(l.Format); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
		if l.Path == "" {
			errs = append(errs, fmt.Errorf("%s: path is required (the file to read; `borderwatch ranges fetch` writes it from url)", where))
		}
		if l.URL != "" && !strings.HasPrefix(l.URL, "https://") && !strings.HasPrefix(l.URL, "http://") {
			errs = append(errs, fmt.Errorf("%s: url must start with https:// or http://", where))
		}
	}
	if c.Fetch.Timeout <= 0 {
		errs = append(errs, errors.New("enrich.ranges.fetch.timeout must be > 0, e.g. 60s"))
	}
	if c.Fetch.MaxBytes <= 0 {
		errs = append(errs, errors.New("enrich.ranges.fetch.max_bytes must be > 0, e.g. 268435456"))
	}
	return errors.Join(errs...)
}
