package offhours_test

import (
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
	_ "github.com/borderwatch/borderwatch/rules/offhours"
	. "github.com/borderwatch/borderwatch/rules/rulestest"
)

// Monday 2026-03-02.
var monday = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// workdays returns one login per weekday for n weeks at the given UTC hours.
func workdays(user string, weeks int, p Place, hoursUTC ...int) []*borderwatch.Event {
	var out []*borderwatch.Event
	for d := range weeks * 7 {
		day := monday.Add(time.Duration(d) * 24 * time.Hour)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for _, h := range hoursUTC {
			out = append(out, Login(day.Add(time.Duration(h)*time.Hour), user, "198.51.100.1", p, "success"))
		}
	}
	return out
}

func TestOffHours(t *testing.T) {
	roster := "user,country,timezone\nkim,US,America/Chicago\nann,US,America/Chicago\n"
	noTZ := Chicago
	noTZ.Timezone = ""
	tests := []struct {
		name, want, wantMsg string
		roster              bool
		evs                 []*borderwatch.Event
	}{
		// 01:00-09:00 UTC is 19:00-03:00 in Chicago and Beijing's working day (09:00-17:00).
		{"night work for the claimed zone, centred on UTC+8", "high", "kim works at night for their claimed timezone America/Chicago", true, workdays("kim", 3, Chicago, 1, 3, 5, 7, 9)},
		{"office hours for the claimed zone", "", "", true, workdays("ann", 3, Chicago, 15, 16, 18, 20)},
		{"without a roster the observed zone is used", "medium", "observed timezone America/Chicago", false, workdays("kim", 1, Chicago, 2, 3, 4)},
		{"no timezone, no judgement", "", "", false, workdays("kim", 2, noTZ, 2, 3, 4)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := rules.DefaultConfig()
			if tc.roster {
				cfg.Roster = Roster(t, roster)
			}
			alerts := Run(t, cfg, []string{"off_hours"}, tc.evs)
			if tc.want == "" {
				if len(alerts) != 0 {
					t.Fatalf("want none, got %d: %v", len(alerts), Messages(alerts)[0])
				}
				return
			}
			if len(alerts) == 0 {
				t.Fatal("no alert")
			}
			// Suppression folds the rest of a day: one alert per user per 24 h window, plus summaries.
			var top string
			for _, a := range alerts {
				if a.Borderwatch.Alert.Severity == tc.want {
					top = a.Message
				}
			}
			if top == "" || !strings.Contains(top, tc.wantMsg) {
				t.Fatalf("want a %s alert containing %q, got %v", tc.want, tc.wantMsg, Messages(alerts)[:1])
			}
		})
	}
}

// Without a roster, a user who has always worked nights is normal once the profile is trusted:
// alerts stop after the profile has learned the hours (each hour-of-week slot seen on three
// days; the US clock change on 8 March moves the slots once).
func TestOffHoursLearnedProfile(t *testing.T) {
	evs := workdays("nia", 6, Chicago, 4, 5)
	alerts := Run(t, rules.DefaultConfig(), []string{"off_hours"}, evs)
	if len(alerts) == 0 {
		t.Fatal("no alert while the profile was young; the test proves nothing")
	}
	for _, a := range alerts {
		if a.Borderwatch.Alert.LastSeen.After(monday.Add(29 * 24 * time.Hour)) {
			t.Errorf("alert after the profile learned the hours: %s", a.Message)
		}
	}
}

// The profile survives a restart: a state file written by one run is read by the next, and the
// sparse slot encoding round-trips.
func TestOffHoursStateRoundTrip(t *testing.T) {
	cfg := rules.DefaultConfig()
	cfg.State.Path = t.TempDir() + "/state.db"
	evs := workdays("nia", 6, Chicago, 4, 5)
	cut := len(evs) / 2
	first := Run(t, cfg, []string{"off_hours"}, evs[:cut])
	second := Run(t, cfg, []string{"off_hours"}, evs[cut:])
	all := Run(t, rules.DefaultConfig(), []string{"off_hours"}, evs)
	// Suppression windows are not persisted, so compare the findings' first alerts per day, not
	// every summary: the last alert of the split run must match the continuous run's.
	if len(first) == 0 || len(all) == 0 {
		t.Fatal("no alerts")
	}
	last := func(as []*borderwatch.Event) time.Time {
		var t time.Time
		for _, a := range as {
			if a.Borderwatch.Alert.LastSeen.After(t) {
				t = a.Borderwatch.Alert.LastSeen
			}
		}
		return t
	}
	if got, want := last(append(first, second...)), last(all); !got.Equal(want) {
		t.Fatalf("split run's last alert at %v, continuous run's at %v: the profile was not restored", got, want)
	}
}
