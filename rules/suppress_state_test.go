package rules_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
	"github.com/borderwatch/borderwatch/rules/state"
)

// runOnce runs one engine over evs from start to Close, as one scheduled run does.
func runOnce(t *testing.T, cfg rules.Config, evs []*borderwatch.Event) []*borderwatch.Event {
	t.Helper()
	e, err := rules.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := run(t, e, evs)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

func moscowLogins(user string, offsets ...time.Duration) []*borderwatch.Event {
	var evs []*borderwatch.Event
	for _, d := range offsets {
		evs = append(evs, Login(t0.Add(d), user, "203.0.113.9", Moscow, "success"))
	}
	return evs
}

// kinds splits alerts into first alerts and suppression summaries, by alert key.
func kinds(alerts []*borderwatch.Event) (firsts, summaries []string) {
	for _, a := range alerts {
		if a.HasTag("suppression_summary") {
			summaries = append(summaries, a.Borderwatch.Alert.Key)
		} else {
			firsts = append(firsts, a.Borderwatch.Alert.Key)
		}
	}
	return firsts, summaries
}

// A suppression window outlives the run: the next run (a restarted sensor, tomorrow's audit)
// folds the condition's repeats instead of alerting again.
func TestSuppressionAcrossRestarts(t *testing.T) {
	m := time.Minute
	tests := []struct {
		name           string
		persist        bool
		secondMax      int // suppression.max_entries of the second run
		first, second  []*borderwatch.Event
		wantFirsts     int    // first alerts of the second run
		wantSummaries  int    // summaries of the second run
		wantCountAfter int    // count in the second run's summary of "al" (0 = none)
		wantFirstKey   string // the key of the second run's first alert, when one is wanted
	}{
		{name: "ongoing condition is folded", persist: true,
			first: moscowLogins("al", 0, 10*m, 20*m), second: moscowLogins("al", 40*m, 50*m),
			wantFirsts: 0, wantSummaries: 1, wantCountAfter: 5},
		{name: "window ended before the next run", persist: true,
			first: moscowLogins("al", 0), second: moscowLogins("al", 3*time.Hour),
			wantFirsts: 1, wantSummaries: 0},
		{name: "without a state file the condition alerts again", persist: false,
			first: moscowLogins("al", 0, 10*m), second: moscowLogins("al", 40*m),
			wantFirsts: 1, wantSummaries: 0},
		{name: "windows over max_entries are not restored", persist: true, secondMax: 1,
			first:  append(moscowLogins("al", 0), moscowLogins("bo", time.Second)...),
			second: append(moscowLogins("al", 30*m), moscowLogins("bo", 31*m)...),
			// Only al's window fits (keys load in order): al is folded, bo alerts again and its
			// new window closes al's early, with al's summary.
			wantFirsts: 1, wantSummaries: 1, wantFirstKey: "bo|RU"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := only(rules.DefaultConfig(), "watched_country")
			if tc.persist {
				cfg.State.Path = filepath.Join(t.TempDir(), "state.db")
			}
			one := runOnce(t, cfg, tc.first)
			if f, _ := kinds(one); len(f) == 0 {
				t.Fatalf("first run raised no alert: %v", Messages(one))
			}
			if tc.secondMax > 0 {
				cfg.Suppression.MaxEntries = tc.secondMax
			}
			two := runOnce(t, cfg, tc.second)
			firsts, sums := kinds(two)
			if len(firsts) != tc.wantFirsts || len(sums) != tc.wantSummaries {
				t.Fatalf("second run: %d first alerts %v and %d summaries %v, want %d and %d: %v",
					len(firsts), firsts, len(sums), sums, tc.wantFirsts, tc.wantSummaries, Messages(two))
			}
			if tc.wantFirstKey != "" && firsts[0] != tc.wantFirstKey {
				t.Errorf("second run alerted %v, want %s", firsts, tc.wantFirstKey)
			}
			if tc.wantCountAfter > 0 {
				al := two[len(two)-1].Borderwatch.Alert
				if al.Count != tc.wantCountAfter || !al.FirstSeen.Equal(t0) || !al.LastSeen.Equal(t0.Add(50*m)) {
					t.Errorf("summary after restart: count %d first %v last %v, want %d from %v to %v",
						al.Count, al.FirstSeen, al.LastSeen, tc.wantCountAfter, t0, t0.Add(50*m))
				}
				if len(al.Refs) != 2 {
					t.Errorf("summary after restart carries refs %v, want the 2 folded in that run", al.Refs)
				}
			}
		})
	}
}

// The first run summarizes what it folded at its end, and saves the window with an expiry at
// its end (the store drops it after that).
func TestSuppressionSavedWithExpiry(t *testing.T) {
	cfg := only(rules.DefaultConfig(), "watched_country")
	cfg.State.Path = filepath.Join(t.TempDir(), "state.db")
	out := runOnce(t, cfg, moscowLogins("al", 0, 10*time.Minute))
	if firsts, sums := kinds(out); len(firsts) != 1 || len(sums) != 1 {
		t.Fatalf("first run: %v", Messages(out))
	}
	st, err := state.Open(cfg.State.Path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var keys []string
	err = st.Each(rules.SuppressionBucket, func(k string, v []byte, exp time.Time) error {
		keys = append(keys, k)
		if want := t0.Add(10*time.Minute + time.Hour); !exp.Equal(want) {
			t.Errorf("window %s expires %v, want %v (its end)", k, exp, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != "watched_country/al|RU" {
		t.Fatalf("saved windows %v, want [watched_country/al|RU]", keys)
	}
}

// A damaged window is an error that names the bucket to reset, never a panic.
func TestSuppressionCorruptWindow(t *testing.T) {
	for _, tc := range []struct{ key, value string }{
		{"watched_country/al|RU", `{`},
		{"watched_country/al|RU", `{"end":"2026-03-02T10:00:00Z","count":1}`},
		{"no-slash", `{}`},
	} {
		path := filepath.Join(t.TempDir(), "state.db")
		st, err := state.Open(path, state.Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = st.Replace(rules.SuppressionBucket, t0, func(put func(string, []byte, time.Time) error) error {
			return put(tc.key, []byte(tc.value), time.Time{})
		})
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		cfg := rules.DefaultConfig()
		cfg.State.Path = path
		e, err := rules.New(cfg, nil)
		if err == nil {
			e.Close()
			t.Fatalf("%s=%s loaded", tc.key, tc.value)
		}
		if !strings.Contains(err.Error(), "state reset suppression") {
			t.Errorf("error %q does not say how to recover", err)
		}
	}
}
