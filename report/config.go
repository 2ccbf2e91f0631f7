package report

import (
	"fmt"
	"strings"
)

// Config bounds what a Collector keeps and names the watched countries. The zero value is not
// usable; start from DefaultConfig.
type Config struct {
	Title            string   `yaml:"title"`             // heading of the HTML report
	WatchedCountries []string `yaml:"watched_countries"` // ISO codes whose activity gets its own table
	TopN             int      `yaml:"top_n"`             // rows in the top users / countries tables
	MaxUsers         int      `yaml:"max_users"`         // users counted individually
	MaxLocations     int      `yaml:"max_locations"`     // distinct map points
	MaxAlerts        int      `yaml:"max_alerts"`        // alerts listed with their details
	MaxRows          int      `yaml:"max_rows"`          // rows of the watched-country and remote-access tables
	TimelineUsers    int      `yaml:"timeline_users"`    // users whose recent events are kept for timelines
	TimelineEvents   int      `yaml:"timeline_events"`   // recent events kept per user before an alert
	AlertedTimelines int      `yaml:"alerted_timelines"` // alerted users whose timelines are shown
	AlertedEvents    int      `yaml:"alerted_events"`    // events kept per alerted user
}

// DefaultConfig returns bounds that keep a Collector under about 64 MiB.
func DefaultConfig() Config {
	return Config{
		Title:            "borderwatch audit",
		WatchedCountries: []string{"CN", "RU", "KP"},
		TopN:             10,
		MaxUsers:         100_000,
		MaxLocations:     5_000,
		MaxAlerts:        2_000,
		MaxRows:          1_000,
		TimelineUsers:    5_000,
		TimelineEvents:   16,
		AlertedTimelines: 100,
		AlertedEvents:    200,
	}
}

// Validate checks the bounds.
func (c *Config) Validate() error {
	pos := []struct {
		name string
		v    int
		eg   string
	}{
		{"top_n", c.TopN, "10"}, {"max_users", c.MaxUsers, "100000"}, {"max_locations", c.MaxLocations, "5000"},
		{"max_alerts", c.MaxAlerts, "2000"}, {"max_rows", c.MaxRows, "1000"}, {"timeline_users", c.TimelineUsers, "5000"},
		{"timeline_events", c.TimelineEvents, "16"}, {"alerted_timelines", c.AlertedTimelines, "100"},
		{"alerted_events", c.AlertedEvents, "200"},
	}
	for _, p := range pos {
		if p.v <= 0 {
			return fmt.Errorf("report.%s must be > 0, e.g. %s (got %d)", p.name, p.eg, p.v)
		}
	}
	if c.AlertedEvents < c.TimelineEvents {
		return fmt.Errorf("report.alerted_events (%d) must be >= report.timeline_events (%d)", c.AlertedEvents, c.TimelineEvents)
	}
	for i, cc := range c.WatchedCountries {
		if len(cc) != 2 || strings.ToUpper(cc) != cc {
			return fmt.Errorf("report.watched_countries[%d] = %q: use upper-case ISO 3166-1 alpha-2 codes such as CN", i, cc)
		}
	}
	return nil
}
