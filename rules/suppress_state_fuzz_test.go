package rules

import (
	"testing"
	"time"
)

// FuzzLoadSuppression feeds arbitrary saved windows to the suppressor: a damaged state file
// gives an error, never a panic, and whatever loads keeps folding, expiring and saving.
func FuzzLoadSuppression(f *testing.F) {
	f.Add("watched_country/al|RU", []byte(`{"end":"2026-03-02T10:10:00Z","first":"2026-03-02T09:00:00Z","last":"2026-03-02T09:10:00Z","count":2,"folded":1,"max_severity":73,"refs":["a","b"],"alert":{"@timestamp":"2026-03-02T09:00:00Z","message":"m","borderwatch":{"alert":{"key":"al|RU","count":1}}}}`))
	f.Add("watched_country/x", []byte(`{"end":"2026-03-02T10:10:00Z","count":1,"alert":{"borderwatch":{"alert":{}}}}`))
	f.Add("nope/x", []byte(`{}`))
	f.Add("x", []byte(`{`))
	f.Fuzz(func(t *testing.T, key string, raw []byte) {
		r := &ruleRun{resolved: &resolved{def: Definition{Name: "watched_country"}, suppression: time.Hour}}
		s := newSuppressor(4, 3)
		ok, err := s.load(map[string]*ruleRun{"watched_country": r}, key, raw)
		if err != nil && ok {
			t.Fatal("loaded and failed")
		}
		if !ok {
			return
		}
		w := s.open[supKey{"watched_country", key[len("watched_country/"):]}]
		if w == nil || len(w.refs) > 3 {
			t.Fatalf("loaded window: %+v", w)
		}
		out := s.checkpoint(nil)
		out = s.expire(w.end, out)
		out = s.expire(time.Time{}, out)
		_ = out
		if err := s.save(func(string, []byte, time.Time) error { return nil }); err != nil {
			t.Fatal(err)
		}
	})
}
