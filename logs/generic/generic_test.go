package generic_test

import (
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/logs"
	_ "github.com/borderwatch/borderwatch/logs/generic"
	"github.com/borderwatch/borderwatch/logs/logstest"
)

func settings(m map[string]any) logs.SourceConfig {
	return logs.SourceConfig{Format: "generic", FormatSettings: map[string]map[string]any{"generic": m}}
}

func TestGoldenJSON(t *testing.T) {
	logstest.GoldenConfig(t, settings(map[string]any{
		"dataset": "myvpn", "vendor": "Example", "product": "Example VPN",
		"fields": map[string]any{
			"timestamp": "ts", "user": "who.login", "source_ip": "net.client", "nat_ip": "net.tunnel",
			"outcome": "event.result", "reason": "event.why", "action": "event.type", "id": "event.id",
			"user_agent": "ua", "session_id": "session", "country": "geo.cc", "city": "geo.city",
		},
	}), "testdata/vpnjson.ndjson")
}

func TestGoldenCSV(t *testing.T) {
	logstest.GoldenConfig(t, settings(map[string]any{
		"type": "csv", "header": true,
		"fields": map[string]any{"timestamp": "time", "time_layout": "unix", "user": "user", "source_ip": "ip",
			"outcome": "status", "country": "country"},
	}), "testdata/vpn.csv")
}

func TestGoldenColumnsZone(t *testing.T) {
	cfg := settings(map[string]any{
		"type": "csv", "delimiter": ";", "columns": []any{"when", "user", "ip", "verdict"},
		"success_values": []any{"ALLOW"}, "failure_values": []any{"BLOCK"},
		"fields": map[string]any{"timestamp": "when", "time_layout": "02/01/2006 15:04:05", "user": "user",
			"source_ip": "ip", "outcome": "verdict"},
	})
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Options.Location = loc
	logstest.GoldenConfig(t, cfg, "testdata/gateway.log")
}

func TestBadSettings(t *testing.T) {
	for _, tt := range []struct {
		m    map[string]any
		want string
	}{
		{nil, "no mapping"},
		{map[string]any{"fields": map[string]any{"user": "u"}}, "fields.timestamp is required"},
		{map[string]any{"type": "xml", "fields": map[string]any{"timestamp": "t"}}, "type \"xml\""},
		{map[string]any{"type": "csv", "fields": map[string]any{"timestamp": "t"}}, "header: true or a columns list"},
		{map[string]any{"fields": map[string]any{"timestamp": "t", "usr": "u"}}, "usr"},
		{map[string]any{"type": "csv", "header": true, "delimiter": "ab", "fields": map[string]any{"timestamp": "t"}}, "delimiter"},
	} {
		cfg := settings(tt.m)
		cfg.Paths = []string{"testdata/vpn.csv"}
		_, err := logs.NewSource(cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("settings %v: error %v, want one naming %q", tt.m, err, tt.want)
		}
	}
}

func TestReadme(t *testing.T) { logstest.CheckReadme(t) }

// FuzzParse feeds JSON and CSV parsers with a full mapping.
func FuzzParse(f *testing.F) {
	logstest.AddSeeds(f, "testdata/vpnjson.ndjson", "testdata/vpn.csv")
	jsonSet := map[string]any{"fields": map[string]any{"timestamp": "ts", "user": "who.login", "source_ip": "net.client",
		"source_port": "port", "outcome": "event.result", "country": "geo.cc"}}
	csvSet := map[string]any{"type": "csv", "columns": []any{"a", "b", "c", "d"},
		"fields": map[string]any{"timestamp": "a", "time_layout": "unix_ms", "user": "b", "source_ip": "c", "source_port": "d"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, set := range []map[string]any{jsonSet, csvSet} {
			logstest.FuzzWith(t, "generic", logs.Options{Settings: set}, data)
		}
	})
}
