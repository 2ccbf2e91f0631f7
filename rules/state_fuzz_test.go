package rules_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
)

// FuzzLoadState feeds arbitrary saved entries to every stateful rule: a corrupt or foreign
// state file must give an error, never a panic.
func FuzzLoadState(f *testing.F) {
	f.Add("alice", []byte(`{"seen":"2026-03-02T09:00:00Z","v":{"base":{"t":"2026-03-02T09:00:00Z","ip":"198.51.100.1","lat":41.9,"lon":-87.6,"r":20}}}`))
	f.Add("alice", []byte(`{"seen":"2026-03-02T09:00:00Z","v":{"first":"2026-03-02T09:00:00Z","slots":[[0,3,20500],[167,1,20501]],"week":[],"utc":[]}}`))
	f.Add("ip:198.51.100.20", []byte(`{"seen":"2026-03-02T09:00:00Z","v":{"users":{"ann":{"t":"2026-03-02T09:00:00Z","ref":"x","ip":"198.51.100.20"}}}}`))
	f.Add("alice", []byte(`{"v":{"slots":[[999,1,1]]}}`))
	f.Add("net:198.51.100.0/24", []byte(`{"seen":"2026-03-02T09:00:00Z","v":{"user":"ann","seen":{"t":"2026-03-02T09:00:00Z","ref":"x","ip":"198.51.100.7"}}}`))
	f.Add("alice", []byte(`{"seen":"2026-03-02T09:00:00Z","v":{"first":"2026-03-02T09:00:00Z","logins":3,"countries":{"US":{"first":"2026-03-02T09:00:00Z","n":2},"XKX":{"first":"2026-03-02T10:00:00Z","n":1}}}}`))
	f.Add("alice", []byte(`{"seen":"2026-03-02T09:00:00Z","v":{"recent":[{"t":"2026-03-02T09:00:00Z","ip":"198.51.100.1"},{"t":"2026-03-02T09:10:00Z","ip":"203.0.113.7"}]}}`))
	f.Add("x", []byte(`{`))
	env := rules.Env{Log: slog.New(slog.DiscardHandler), Watched: rules.NewCountrySet([]string{"CN"}), TTL: 1 << 62, MaxEntries: 64}
	f.Fuzz(func(t *testing.T, key string, raw []byte) {
		for _, d := range rules.Definitions() {
			var p any
			if d.Params != nil {
				p = d.Params()
			}
			det, err := d.New(env, p)
			if err != nil {
				t.Fatal(err)
			}
			sd, ok := det.(rules.StatefulDetector)
			if !ok {
				continue
			}
			if sd.LoadState(func(fn func(string, []byte) error) error { return fn(key, raw) }) != nil {
				continue
			}
			// Whatever was loaded, the rule keeps working on it.
			for _, ev := range []*borderwatch.Event{
				Login(t0, key, "198.51.100.20", Chicago, "success"),
				Login(t0.Add(time.Hour), key, "203.0.113.7", Beijing, "success"),
			} {
				sd.Evaluate(ev, func(rules.Finding) {})
			}
			if fd, ok := sd.(rules.FlushingDetector); ok {
				fd.Flush(func(rules.Finding) {})
			}
			_ = sd.SaveState(func(string, []byte, time.Time) error { return nil })
		}
	})
}
