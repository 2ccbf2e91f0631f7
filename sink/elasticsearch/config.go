package elasticsearch

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/sink/spool"
)

// Index modes (IndexConfig.Mode).
const (
	ModeDataStream = "data_stream" // borderwatch-<kind>-<namespace> data streams
	ModeIndex      = "index"       // daily indices borderwatch-<kind>-<namespace>-YYYY.MM.DD
)

// Translog durabilities (IndexConfig.TranslogDurability).
const (
	DurabilityRequest = "request" // fsync before a bulk request is answered
	DurabilityAsync   = "async"   // fsync every index.translog.sync_interval
)

// Config configures the Elasticsearch output. Start from DefaultConfig; the zero value is not
// valid.
type Config struct {
	URLs         []string      `yaml:"urls"`                        // one or more nodes, e.g. https://es1:9200
	CloudID      string        `yaml:"cloud_id"`                    // Elastic Cloud deployment id (instead of urls)
	Username     string        `yaml:"username"`                    // basic auth
	Password     Secret        `yaml:"password" secret:"true"`      // basic auth; "env:NAME", "file:/path" or the value
	APIKey       Secret        `yaml:"api_key" secret:"true"`       // base64 "id:key" API key; same forms
	ServiceToken Secret        `yaml:"service_token" secret:"true"` // service account token; same forms
	TLS          TLSConfig     `yaml:"tls"`
	Compression  bool          `yaml:"compression"`  // gzip request bodies
	Timeout      time.Duration `yaml:"timeout"`      // one HTTP request, including the response
	DialTimeout  time.Duration `yaml:"dial_timeout"` // TCP + TLS connect

	BulkMaxDocs   int           `yaml:"bulk_max_docs"`  // documents per bulk request
	BulkMaxBytes  int           `yaml:"bulk_max_bytes"` // bytes per bulk request (bodies, uncompressed)
	Workers       int           `yaml:"workers"`        // concurrent bulk requests
	FlushInterval time.Duration `yaml:"flush_interval"` // how often a waiting spool is retried

	Retry      RetryConfig      `yaml:"retry"`
	Index      IndexConfig      `yaml:"index"`
	Setup      SetupConfig      `yaml:"setup"`
	DeadLetter DeadLetterConfig `yaml:"dead_letter"`
	Spool      spool.Config     `yaml:"spool"`
}

// TLSConfig sets how the server is verified. Verification is on unless InsecureSkipVerify.
type TLSConfig struct {
	CAFile             string `yaml:"ca_file"`              // PEM bundle of trusted CAs (system pool otherwise)
	CAFingerprint      string `yaml:"ca_fingerprint"`       // SHA-256 (hex) of a certificate in the server's chain
	CertFile           string `yaml:"cert_file"`            // client certificate (PEM)
	KeyFile            string `yaml:"key_file"`             // its key (PEM)
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"` // accept any certificate (logs a warning)
}

// RetryConfig shapes the equal-jitter exponential backoff for 429, 5xx and connection errors.
type RetryConfig struct {
	Backoff    time.Duration `yaml:"backoff"`     // first wait
	MaxBackoff time.Duration `yaml:"max_backoff"` // cap
	// Attempts is how often a batch is tried before it goes to the spool (or, without a spool,
	// the count after which Publish keeps waiting with MaxBackoff between tries).
	Attempts int `yaml:"attempts"`
}

// IndexConfig names and shapes the indices.
type IndexConfig struct {
	Mode            string        `yaml:"mode"`             // data_stream | index
	Prefix          string        `yaml:"prefix"`           // borderwatch
	Namespace       string        `yaml:"namespace"`        // default
	Shards          int           `yaml:"shards"`           // primary shards
	Replicas        int           `yaml:"replicas"`         // replica shards
	RefreshInterval time.Duration `yaml:"refresh_interval"` // index.refresh_interval of sessions and auth (0: the cluster's default)
	// AlertsRefreshInterval is the alerts' index.refresh_interval: alerts are few and wanted
	// at once (0: the same as RefreshInterval).
	AlertsRefreshInterval time.Duration `yaml:"alerts_refresh_interval"`
	// TranslogDurability is index.translog.durability of sessions and auth: "request" (an
	// acknowledged document is on the node's disk) or "async" (the translog is written to disk
	// every index.translog.sync_interval, 5 s by default: fewer fsyncs, and a crash of the node,
	// not of borderwatch, can lose the documents of the last interval). Alerts always use
	// "request".
	TranslogDurability string    `yaml:"translog_durability"`
	ILM                ILMConfig `yaml:"ilm"`
}

// ILMConfig is the lifecycle policy installed where the cluster supports ILM.
type ILMConfig struct {
	Enabled     bool          `yaml:"enabled"`
	Policy      string        `yaml:"policy"`       // policy name
	RolloverAge time.Duration `yaml:"rollover_age"` // roll over the write index after this age
	RolloverGB  int           `yaml:"rollover_gb"`  // ... or this primary shard size
	DeleteAfter time.Duration `yaml:"delete_after"` // delete indices this long after rollover
}

// SetupConfig controls template installation.
type SetupConfig struct {
	OnStart   bool `yaml:"on_start"`  // install templates and policy when the sink starts
	Overwrite bool `yaml:"overwrite"` // replace templates that differ (otherwise left alone and reported)
}

// DeadLetterConfig says where documents Elasticsearch refuses for good (mapping conflicts) go.
type DeadLetterConfig struct {
	Index string `yaml:"index"` // an index for them ("" = none)
	File  string `yaml:"file"`  // an NDJSON file for them, also the fallback when the index fails ("" = none)
}

// DefaultConfig returns the defaults: a local node, data streams, templates installed at start,
// a dead-letter index, and no spool (Spool.Path is empty).
func DefaultConfig() Config {
	return Config{
		URLs:          []string{"http://localhost:9200"},
		Timeout:       90 * time.Second,
		DialTimeout:   10 * time.Second,
		BulkMaxDocs:   1600,
		BulkMaxBytes:  10 << 20,
		Workers:       2,
		FlushInterval: time.Second,
		Retry:         RetryConfig{Backoff: time.Second, MaxBackoff: time.Minute, Attempts: 3},
		Index: IndexConfig{
			Mode: ModeDataStream, Prefix: "borderwatch", Namespace: "default",
			Shards: 1, Replicas: 1, RefreshInterval: 30 * time.Second, AlertsRefreshInterval: time.Second,
			TranslogDurability: DurabilityRequest,
			ILM:                ILMConfig{Enabled: true, Policy: "borderwatch", RolloverAge: 24 * time.Hour, RolloverGB: 50, DeleteAfter: 90 * 24 * time.Hour},
		},
		Setup:      SetupConfig{OnStart: true, Overwrite: true},
		DeadLetter: DeadLetterConfig{Index: "borderwatch-deadletter"},
		Spool:      spool.DefaultConfig(),
	}
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)

// Validate checks the settings and their relationships.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(c.URLs) == 0 && c.CloudID == "" {
		bad("elasticsearch.urls: give at least one node, e.g. https://localhost:9200, or elasticsearch.cloud_id")
	}
	if len(c.URLs) > 0 && c.CloudID != "" && !(len(c.URLs) == 1 && c.URLs[0] == DefaultConfig().URLs[0]) {
		bad("elasticsearch: set urls or cloud_id, not both")
	}
	for _, u := range c.URLs {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad("elasticsearch.urls: %q is not an http(s) URL, e.g. https://es1.example.com:9200", u)
		} else if p.User != nil {
			bad("elasticsearch.urls: %q carries credentials; use username/password (from env: or file:) instead", redactURL(p))
		}
	}
	n := 0
	for _, set := range []bool{c.Username != "" || !c.Password.IsZero(), !c.APIKey.IsZero(), !c.ServiceToken.IsZero()} {
		if set {
			n++
		}
	}
	if n > 1 {
		bad("elasticsearch: choose one of username/password, api_key and service_token")
	}
	if (c.Username == "") != c.Password.IsZero() {
		bad("elasticsearch: username and password go together")
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		bad("elasticsearch.tls: cert_file and key_file go together")
	}
	if fp := c.TLS.CAFingerprint; fp != "" {
		if _, err := parseFingerprint(fp); err != nil {
			bad("elasticsearch.tls.ca_fingerprint: %v", err)
		}
	}
	if c.Timeout <= 0 {
		bad("elasticsearch.timeout must be > 0, e.g. 90s")
	}
	if c.DialTimeout <= 0 {
		bad("elasticsearch.dial_timeout must be > 0, e.g. 10s")
	}
	if c.BulkMaxDocs < 1 {
		bad("elasticsearch.bulk_max_docs must be >= 1, e.g. 1600")
	}
	if c.BulkMaxBytes < 1024 {
		bad("elasticsearch.bulk_max_bytes must be >= 1024, e.g. 10485760")
	}
	if c.Workers < 1 || c.Workers > 64 {
		bad("elasticsearch.workers must be between 1 and 64, e.g. 2")
	}
	if c.FlushInterval <= 0 {
		bad("elasticsearch.flush_interval must be > 0, e.g. 1s")
	}
	if c.Retry.Backoff <= 0 || c.Retry.MaxBackoff < c.Retry.Backoff {
		bad("elasticsearch.retry: backoff must be > 0 and max_backoff >= backoff, e.g. 1s and 60s")
	}
	if c.Retry.Attempts < 1 {
		bad("elasticsearch.retry.attempts must be >= 1, e.g. 3")
	}
	switch c.Index.Mode {
	case ModeDataStream, ModeIndex:
	default:
		bad("elasticsearch.index.mode %q is not known: use %s or %s", c.Index.Mode, ModeDataStream, ModeIndex)
	}
	if !nameRE.MatchString(c.Index.Prefix) {
		bad("elasticsearch.index.prefix %q must be lower-case letters, digits, '-', '_' or '.', e.g. borderwatch", c.Index.Prefix)
	}
	if !nameRE.MatchString(c.Index.Namespace) || strings.Contains(c.Index.Namespace, "-") {
		bad("elasticsearch.index.namespace %q must be lower-case letters, digits and '_' (no '-'), e.g. default", c.Index.Namespace)
	}
	if c.Index.Shards < 1 || c.Index.Replicas < 0 {
		bad("elasticsearch.index: shards must be >= 1 and replicas >= 0")
	}
	if c.Index.RefreshInterval < 0 {
		bad("elasticsearch.index.refresh_interval must be >= 0 (0 keeps the cluster default), e.g. 30s")
	}
	switch c.Index.TranslogDurability {
	case DurabilityRequest, DurabilityAsync:
	default:
		bad("elasticsearch.index.translog_durability %q: use request or async", c.Index.TranslogDurability)
	}
	if c.Index.AlertsRefreshInterval < 0 {
		bad("elasticsearch.index.alerts_refresh_interval must be >= 0 (0 follows refresh_interval), e.g. 1s")
	}
	if c.Index.ILM.Enabled {
		if !nameRE.MatchString(c.Index.ILM.Policy) {
			bad("elasticsearch.index.ilm.policy %q is not a valid name, e.g. borderwatch", c.Index.ILM.Policy)
		}
		if c.Index.ILM.RolloverAge <= 0 || c.Index.ILM.RolloverGB <= 0 {
			bad("elasticsearch.index.ilm: rollover_age and rollover_gb must be > 0, e.g. 24h and 50")
		}
		if c.Index.ILM.DeleteAfter < 0 {
			bad("elasticsearch.index.ilm.delete_after must be >= 0 (0 keeps data), e.g. 2160h for 90 days")
		}
	}
	if c.DeadLetter.Index != "" && !nameRE.MatchString(c.DeadLetter.Index) {
		bad("elasticsearch.dead_letter.index %q is not a valid index name, e.g. borderwatch-deadletter", c.DeadLetter.Index)
	}
	if err := c.Spool.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("elasticsearch.%w", err))
	}
	return errors.Join(errs...)
}

func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User("REDACTED")
	}
	return c.String()
}

// Secret is a credential given as "env:NAME" (read from the environment), "file:/path" (read
// from a file, trailing newline removed) or literally. It is a string type so that YAML and
// BORDERWATCH_* environment variables set it like any other key, and it never prints its
// value: String, MarshalYAML and LogValue give "[redacted]" for literal values. The zero value
// is "not set".
type Secret string

// NewSecret returns a Secret from its spec.
func NewSecret(spec string) Secret { return Secret(spec) }

// IsZero reports whether the secret is unset.
func (s Secret) IsZero() bool { return s == "" }

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString hides the value from %#v too.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// MarshalYAML hides literal values and keeps env: and file: references.
func (s Secret) MarshalYAML() (any, error) {
	if strings.HasPrefix(string(s), "env:") || strings.HasPrefix(string(s), "file:") || s == "" {
		return string(s), nil
	}
	return "[redacted]", nil
}

// Resolve returns the secret's value.
func (s Secret) Resolve() (string, error) {
	spec := string(s)
	switch {
	case spec == "":
		return "", nil
	case strings.HasPrefix(spec, "env:"):
		name := strings.TrimPrefix(spec, "env:")
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		return v, nil
	case strings.HasPrefix(spec, "file:"):
		path := strings.TrimPrefix(spec, "file:")
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("secret file: %w", err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("secret file %s is empty", path)
		}
		return v, nil
	default:
		return spec, nil
	}
}
