package rules

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the `rules:` section; `rule:` holds one section per rule, keyed by rule name:
//
//	rules:
//	  watched_countries: [CN, RU, KP]
//	  roster: /etc/borderwatch/roster.csv
//	  state: {path: /var/lib/borderwatch/state.db, ttl: 2160h}
//	  rule:
//	    impossible_travel:
//	      enabled: true
//	      suppression: 6h
//	      allow: {users: [svc-backup]}
//	      params: {min_speed_kmh: 1000}
//
// The zero value is not useful; start from DefaultConfig.
type Config struct {
	WatchedCountries []string          `yaml:"watched_countries"`
	Roster           string            `yaml:"roster"` // CSV user,country,timezone; "" = none
	State            StateConfig       `yaml:"state"`
	Suppression      SuppressionConfig `yaml:"suppression"`
	// Rules holds one section per rule, keyed by rule name.
	Rules map[string]RuleConfig `yaml:"rule"`
}

// StateConfig configures the embedded state store that keeps baselines across runs.
type StateConfig struct {
	Path        string        `yaml:"path"`         // bbolt file; "" keeps state in memory for this run only
	TTL         time.Duration `yaml:"ttl"`          // entries untouched for this long are dropped
	MaxEntries  int           `yaml:"max_entries"`  // per rule and table; the least recently seen are evicted
	LockTimeout time.Duration `yaml:"lock_timeout"` // how long to wait for another process's lock
	// SaveEvery writes state to disk this often (wall clock) while running, so that a crash of
	// a long-running sensor loses little; state is always saved at the end of input and on
	// Close. 0 saves only then.
	SaveEvery time.Duration `yaml:"save_every"`
}

// SuppressionConfig bounds the suppression table.
type SuppressionConfig struct {
	MaxEntries int `yaml:"max_entries"` // open (rule, key) windows; the oldest are closed early
	MaxRefs    int `yaml:"max_refs"`    // document ids kept per suppressed alert
}

// RuleConfig is one rule's section. Unset fields take the rule's defaults.
type RuleConfig struct {
	Enabled     *bool          `yaml:"enabled,omitempty"`
	Severity    string         `yaml:"severity,omitempty"`     // force every alert of the rule to this severity
	MinSeverity string         `yaml:"min_severity,omitempty"` // drop (and count) alerts below this severity
	Suppression *time.Duration `yaml:"suppression,omitempty"`  // window per (rule, key); 0s disables
	Allow       Allowlist      `yaml:"allow,omitempty"`
	// Settings are the rule's own parameters (see the rule's README).
	Settings map[string]any `yaml:"params,omitempty"`
}

// DefaultConfig returns the defaults: watched countries CN, RU and KP, in-memory state, and
// every registered rule with its default settings.
func DefaultConfig() Config {
	c := Config{
		WatchedCountries: []string{"CN", "RU", "KP"},
		State: StateConfig{
			TTL:         90 * 24 * time.Hour,
			MaxEntries:  1_000_000,
			LockTimeout: time.Second,
			SaveEvery:   5 * time.Minute,
		},
		Suppression: SuppressionConfig{MaxEntries: 100_000, MaxRefs: 100},
		Rules:       map[string]RuleConfig{},
	}
	for _, d := range Definitions() {
		en := d.Enabled
		sup := d.Suppression
		rc := RuleConfig{Enabled: &en, Suppression: &sup}
		if d.Params != nil {
			if m, err := toMap(d.Params()); err == nil && len(m) > 0 {
				rc.Settings = m
			}
		}
		c.Rules[d.Name] = rc
	}
	return c
}

// Validate checks the whole section, including every rule's settings, and returns every
// problem it finds with the key to change.
func (c *Config) Validate() error {
	var errs []error
	for _, cc := range c.WatchedCountries {
		if len(strings.TrimSpace(cc)) != 2 {
			errs = append(errs, fmt.Errorf("rules.watched_countries: %q is not a two-letter ISO country code (e.g. CN)", cc))
		}
	}
	if c.State.TTL <= 0 {
		errs = append(errs, fmt.Errorf("rules.state.ttl must be > 0, e.g. 2160h (90 days)"))
	}
	if c.State.MaxEntries <= 0 {
		errs = append(errs, fmt.Errorf("rules.state.max_entries must be > 0, e.g. 1000000"))
	}
	if c.State.LockTimeout < 0 || c.State.SaveEvery < 0 {
		errs = append(errs, fmt.Errorf("rules.state.lock_timeout and rules.state.save_every must not be negative"))
	}
	if c.Suppression.MaxEntries <= 0 || c.Suppression.MaxRefs <= 0 {
		errs = append(errs, fmt.Errorf("rules.suppression.max_entries and max_refs must be > 0, e.g. 100000 and 100"))
	}
	names := make([]string, 0, len(c.Rules))
	for n := range c.Rules {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, _, err := c.resolve(n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// resolved is one rule's effective configuration.
type resolved struct {
	def         Definition
	enabled     bool
	severity    Severity
	minSeverity Severity
	suppression time.Duration
	allow       *allowMatcher
	params      any
}

func (c *Config) resolve(name string) (*resolved, bool, error) {
	d, ok := Lookup(name)
	if !ok {
		return nil, false, fmt.Errorf("rules.rule.%s: no such rule (or misspelt key); rules are: %s", name, strings.Join(Names(), ", "))
	}
	rc := c.Rules[name]
	r := &resolved{def: d, enabled: d.Enabled, suppression: d.Suppression}
	if rc.Enabled != nil {
		r.enabled = *rc.Enabled
	}
	var err error
	if r.severity, err = ParseSeverity(rc.Severity); err != nil {
		return nil, false, fmt.Errorf("rules.rule.%s.severity: %w", name, err)
	}
	if r.minSeverity, err = ParseSeverity(rc.MinSeverity); err != nil {
		return nil, false, fmt.Errorf("rules.rule.%s.min_severity: %w", name, err)
	}
	if rc.Suppression != nil {
		if *rc.Suppression < 0 {
			return nil, false, fmt.Errorf("rules.rule.%s.suppression must be >= 0 (0s disables), e.g. 1h", name)
		}
		r.suppression = *rc.Suppression
	}
	if r.allow, err = rc.Allow.compile(); err != nil {
		return nil, false, fmt.Errorf("rules.rule.%s.%w", name, err)
	}
	if d.Params != nil {
		p := d.Params()
		if err := applySettings(p, rc.Settings); err != nil {
			return nil, false, fmt.Errorf("rules.rule.%s: %w", name, err)
		}
		if v, ok := p.(interface{ Validate() error }); ok {
			if err := v.Validate(); err != nil {
				return nil, false, fmt.Errorf("rules.rule.%s.params.%w", name, err)
			}
		}
		r.params = p
	} else if len(rc.Settings) > 0 {
		for k := range rc.Settings {
			return nil, false, fmt.Errorf("rules.rule.%s: params: unknown key %q; this rule takes no params", name, k)
		}
	}
	return r, true, nil
}

// applySettings decodes settings onto the defaults in p (a pointer to a struct with yaml tags),
// refusing unknown keys with the list of known ones.
func applySettings(p any, settings map[string]any) error {
	if len(settings) == 0 {
		return nil
	}
	known := yamlKeys(p)
	for k := range settings {
		if !contains(known, k) {
			return fmt.Errorf("params: unknown key %q; known params: %s", k, strings.Join(known, ", "))
		}
	}
	raw, err := yaml.Marshal(settings)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil {
		return fmt.Errorf("params: %w", err)
	}
	return nil
}

func toMap(p any) (map[string]any, error) {
	raw, err := yaml.Marshal(p)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}

func yamlKeys(p any) []string {
	t := reflect.TypeOf(p)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	if t.Kind() != reflect.Struct {
		return out
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
