package elasticsearch

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string // "" = valid; otherwise a part of the error
	}{
		{"defaults", func(*Config) {}, ""},
		{"translog async", func(c *Config) { c.Index.TranslogDurability = DurabilityAsync }, ""},
		{"translog unknown", func(c *Config) { c.Index.TranslogDurability = "sometimes" }, `translog_durability "sometimes"`},
		{"translog empty", func(c *Config) { c.Index.TranslogDurability = "" }, "translog_durability"},
		{"no nodes", func(c *Config) { c.URLs = nil }, "give at least one node"},
		{"not a URL", func(c *Config) { c.URLs = []string{"es1:9200"} }, "is not an http(s) URL"},
		{"credentials in URL", func(c *Config) { c.URLs = []string{"https://u:secret@es1:9200"} }, "carries credentials"},
		{"negative refresh", func(c *Config) { c.Index.RefreshInterval = -time.Second }, "refresh_interval must be >= 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("no error, want one containing %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func TestIndexSettingsTranslog(t *testing.T) {
	c := DefaultConfig()
	idx := indexSettings(c, false)["index"].(map[string]any)
	if got := idx["translog.durability"]; got != DurabilityRequest {
		t.Errorf("default translog.durability %v, want request", got)
	}
	c.Index.TranslogDurability = DurabilityAsync
	idx = indexSettings(c, false)["index"].(map[string]any)
	if got := idx["translog.durability"]; got != DurabilityAsync {
		t.Errorf("translog.durability %v, want async", got)
	}
}
