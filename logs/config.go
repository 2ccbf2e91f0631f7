package logs

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Config is the `logs:` section of the configuration file.
//
//	logs:
//	  paths: [/var/log/okta/*.ndjson.gz, /var/log/vpn/]
//	  format: ""            # "" = detect per file and per syslog message
//	  timezone: UTC         # zone of timestamps written without one (syslog, M365)
//	  year: 0               # year of syslog stamps without one (0 = from the file's date)
//	  max_line: 1048576     # bytes; longer lines are rejected
//	  follow: false
//	  poll_interval: 250ms
//	  state_dir: ""         # where follow offsets survive restarts
//	  listen: [udp://0.0.0.0:5514, tcp://0.0.0.0:5514]
//	  listener: {max_message: 65536, max_conns: 256, idle_timeout: 5m, max_senders: 4096}
//	  formats:              # per-format settings
//	    generic: {...}
//	  inputs:               # further inputs with their own format, zone and year
//	    - {paths: [/var/log/asa/*.log], format: asa, timezone: America/New_York}
type Config struct {
	Paths        []string                  `yaml:"paths"`
	Format       string                    `yaml:"format"`
	Timezone     string                    `yaml:"timezone"`
	Year         int                       `yaml:"year"`
	MaxLine      int                       `yaml:"max_line"`
	MaxDocument  int                       `yaml:"max_document"`
	Follow       bool                      `yaml:"follow"`
	PollInterval time.Duration             `yaml:"poll_interval"`
	StateDir     string                    `yaml:"state_dir"`
	Listen       []string                  `yaml:"listen"`
	Listener     ListenerConfig            `yaml:"listener"`
	Formats      map[string]map[string]any `yaml:"formats"`
	Inputs       []InputConfig             `yaml:"inputs"`
}

// InputConfig is one further input with its own format, zone and year; what it leaves empty
// comes from the top of the section.
type InputConfig struct {
	Paths    []string       `yaml:"paths"`
	Listen   []string       `yaml:"listen"`
	Format   string         `yaml:"format"`
	Timezone string         `yaml:"timezone"`
	Year     int            `yaml:"year"`
	Settings map[string]any `yaml:"settings"` // settings of this input's format (e.g. a generic mapping)
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	var l ListenerConfig
	l.setDefaults()
	return Config{
		Timezone:     "UTC",
		MaxLine:      DefaultMaxLine,
		MaxDocument:  DefaultMaxDocument,
		PollInterval: 250 * time.Millisecond,
		Listener:     l,
	}
}

// Validate checks the section; messages name the key (relative to logs:) and a valid example.
func (c *Config) Validate() error {
	var errs []error
	if c.MaxLine <= 0 || c.MaxLine > 256<<20 {
		errs = append(errs, fmt.Errorf("max_line must be between 1 and 268435456 bytes (got %d), e.g. 1048576", c.MaxLine))
	}
	if c.MaxDocument < 0 || c.MaxDocument > 1<<30 {
		errs = append(errs, fmt.Errorf("max_document must be between 0 (same as max_line) and 1073741824 bytes (got %d), e.g. 67108864", c.MaxDocument))
	}
	if c.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("poll_interval must be > 0, e.g. 250ms"))
	}
	if c.Listener.MaxMessage <= 0 || c.Listener.MaxMessage > 16<<20 {
		errs = append(errs, fmt.Errorf("listener.max_message must be between 1 and 16777216 bytes (got %d), e.g. 65536", c.Listener.MaxMessage))
	}
	if c.Listener.MaxConns <= 0 {
		errs = append(errs, fmt.Errorf("listener.max_conns must be > 0 (got %d), e.g. 256", c.Listener.MaxConns))
	}
	if c.Listener.IdleTimeout <= 0 {
		errs = append(errs, fmt.Errorf("listener.idle_timeout must be > 0, e.g. 5m"))
	}
	if c.Listener.MaxSenders <= 0 {
		errs = append(errs, fmt.Errorf("listener.max_senders must be > 0 (got %d), e.g. 4096", c.Listener.MaxSenders))
	}
	check := func(key, format, tz string, year int, listen []string) {
		if format != "" {
			if _, ok := Lookup(format); !ok {
				errs = append(errs, fmt.Errorf("%sformat %q is not known; known formats: %s", key, format, strings.Join(FormatNames(), ", ")))
			}
		}
		if tz != "" {
			if _, err := time.LoadLocation(tz); err != nil {
				errs = append(errs, fmt.Errorf("%stimezone %q is not a known zone; use an IANA name such as UTC or Europe/Berlin", key, tz))
			}
		}
		if year != 0 && (year < 1970 || year > 2200) {
			errs = append(errs, fmt.Errorf("%syear %d is out of range; use 0 (from the file's date) or a year such as 2024", key, year))
		}
		for _, a := range listen {
			if _, _, err := parseListenAddr(a); err != nil {
				errs = append(errs, fmt.Errorf("%slisten: %w", key, err))
			}
		}
	}
	check("", c.Format, c.Timezone, c.Year, c.Listen)
	for i, in := range c.Inputs {
		key := fmt.Sprintf("inputs[%d].", i)
		if len(in.Paths) == 0 && len(in.Listen) == 0 {
			errs = append(errs, fmt.Errorf("%s needs paths or listen", strings.TrimSuffix(key, ".")))
		}
		check(key, in.Format, in.Timezone, in.Year, in.Listen)
		if in.Settings != nil && in.Format == "" && c.Format == "" {
			errs = append(errs, fmt.Errorf("%ssettings need a format to apply to, e.g. format: generic", key))
		}
	}
	return errors.Join(errs...)
}

// SourceConfigs turns the section into one SourceConfig per input: the top-level paths and
// listeners first (if any), then each entry of inputs.
func (c *Config) SourceConfigs(log *slog.Logger) ([]SourceConfig, error) {
	if log == nil {
		log = slog.Default()
	}
	mk := func(paths, listen []string, format, tz string, year int, settings map[string]any) (SourceConfig, error) {
		if format == "" {
			format = c.Format
		}
		if tz == "" {
			tz = c.Timezone
		}
		if year == 0 {
			year = c.Year
		}
		loc := time.UTC
		if tz != "" {
			l, err := time.LoadLocation(tz)
			if err != nil {
				return SourceConfig{}, fmt.Errorf("logs: timezone %q: %w", tz, err)
			}
			loc = l
		}
		fs := c.Formats
		if settings != nil {
			fs = make(map[string]map[string]any, len(c.Formats)+1)
			for k, v := range c.Formats {
				fs[k] = v
			}
			fs[format] = settings
		}
		return SourceConfig{
			Paths: paths, Format: format, Logger: log,
			Options:        Options{Location: loc, Year: year},
			FormatSettings: fs,
			MaxLine:        c.MaxLine, MaxDocument: c.MaxDocument,
			Follow: c.Follow, PollInterval: c.PollInterval, StateDir: c.StateDir,
			Listen: listen, Listener: c.Listener,
		}, nil
	}
	var out []SourceConfig
	if len(c.Paths) > 0 || len(c.Listen) > 0 {
		sc, err := mk(c.Paths, c.Listen, "", "", 0, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	for _, in := range c.Inputs {
		sc, err := mk(in.Paths, in.Listen, in.Format, in.Timezone, in.Year, in.Settings)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}
