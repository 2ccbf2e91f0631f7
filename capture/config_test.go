package capture

import (
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/capture/app"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(c *Config)
		want string
	}{
		{"defaults", func(*Config) {}, ""},
		{"tcp timeout", func(c *Config) { c.Flow.TCPTimeout = 0 }, "flow.tcp_timeout must be > 0, e.g. 480s"},
		{"active timeout", func(c *Config) { c.Flow.ActiveTimeout = time.Millisecond }, "flow.active_timeout must be at least 1s"},
		{"max flows", func(c *Config) { c.Flow.MaxFlows = 0 }, "flow.max_flows must be between 1 and 16777215"},
		{"max flows above the index", func(c *Config) { c.Flow.MaxFlows = 1 << 24 }, "flow.max_flows must be between 1 and 16777215"},
		{"workers", func(c *Config) { c.Workers = 65 }, "workers must be between 1 and 64"},
		{"snaplen", func(c *Config) { c.Snaplen = 10 }, "snaplen must be between 64 and 262144"},
		{"passive dns ttl", func(c *Config) { c.PassiveDNS.MinTTL = 48 * time.Hour }, "passive_dns.min_ttl"},
		{"app category", func(c *Config) { c.Apps = []app.Signature{{Name: "x", Category: "rat"}} }, `apps[0]: x: category "rat" is not known: use remote_access, vpn or proxy`},
		{"several at once", func(c *Config) { c.Workers = 0; c.RingMB = 0 }, "ring_mb must be between 1 and 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.mod(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}
