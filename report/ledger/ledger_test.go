package ledger

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
)

func alertAt(rule string, ts time.Time) *borderwatch.Event {
	a := &borderwatch.Event{Timestamp: ts, Rule: &borderwatch.RuleInfo{ID: rule}, Message: rule}
	a.Event.Kind = borderwatch.KindAlert
	a.Borderwatch.Alert = &borderwatch.Alert{Key: "alice", FirstSeen: ts}
	borderwatch.Normalize(a)
	return a
}

func TestRerunSkipsEventsAndAlerts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	day1 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	now := day1.Add(24 * time.Hour)

	l, err := Open(path, 30*24*time.Hour, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id   string
		want bool
	}{{"a", true}, {"b", true}, {"a", false}} {
		got, err := l.Evaluate(tc.id, day1)
		if err != nil || got != tc.want {
			t.Fatalf("first run Evaluate(%s) = %v, %v; want %v", tc.id, got, err, tc.want)
		}
	}
	if l.SeenEarlier("a", day1) {
		t.Error("an event of this run counts as seen earlier")
	}
	a1, a2 := alertAt("impossible_travel", day1), alertAt("watched_country", day1.Add(time.Hour))
	fresh, err := l.Deliver([]*borderwatch.Event{a1, a2, a1})
	if err != nil || len(fresh) != 2 {
		t.Fatalf("Deliver = %d fresh, %v; want 2", len(fresh), err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	// The second run over the same window.
	l, err = Open(path, 30*24*time.Hour, now.Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if ok, _ := l.Evaluate("a", day1); ok {
		t.Error("second run evaluates event a again")
	}
	if ok, _ := l.Evaluate("c", day1); !ok {
		t.Error("second run does not evaluate the new event c")
	}
	if !l.SeenEarlier("b", day1) || l.SeenEarlier("c", day1) {
		t.Error("SeenEarlier wrong for b (earlier run) or c (this run)")
	}
	fresh, err = l.Deliver([]*borderwatch.Event{a1, alertAt("anonymizer_login", day1)})
	if err != nil || len(fresh) != 1 || fresh[0].Rule.ID != "anonymizer_login" {
		t.Fatalf("second Deliver = %v, %v; want only the new alert", fresh, err)
	}
	if !l.Delivered(a2.DocumentID(), a2.Timestamp) {
		t.Error("a2 not known as delivered")
	}
	old, err := l.Alerts(day1.Add(-time.Minute), day1.Add(30*time.Minute))
	if err != nil || len(old) != 1 || old[0].Rule.ID != "impossible_travel" || old[0].DocumentID() != a1.DocumentID() {
		t.Fatalf("Alerts in window = %v, %v; want a1 only", old, err)
	}
	st := l.Stats()
	if st.Repeated != 1 || st.Evaluated != 1 || st.Duplicates != 1 || st.Delivered != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestPrunesOldDays(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l, err := Open(path, 24*time.Hour, old, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Evaluate("x", old)
	l.Deliver([]*borderwatch.Event{alertAt("r", old)})
	l.Close()
	l, err = Open(path, 7*24*time.Hour, old.Add(30*24*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Stats().PrunedDays != 1 || l.SeenEarlier("x", old) {
		t.Errorf("old day not pruned: %+v", l.Stats())
	}
	if as, _ := l.Alerts(time.Time{}, time.Time{}); len(as) != 0 {
		t.Errorf("pruned alerts still returned: %d", len(as))
	}
	if _, err := Open(filepath.Join(t.TempDir(), "x.db"), 0, old, nil); err == nil {
		t.Error("zero retention accepted")
	}
}
