package rules

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch"
)

// SuppressionBucket is the state file bucket that holds the open suppression windows, so that
// a condition which lasts across runs (a nightly audit, a restarted sensor) is not alerted again.
// Keys are "<rule>/<alert key>"; each entry expires when its window ends.
const SuppressionBucket = "suppression"

// savedWindow is one open suppression window as persisted.
type savedWindow struct {
	End    time.Time          `json:"end"`
	First  time.Time          `json:"first"`
	Last   time.Time          `json:"last"`
	Count  int                `json:"count"`
	Folded int                `json:"folded,omitempty"`
	MaxSev int                `json:"max_severity"`
	Refs   []string           `json:"refs,omitempty"`
	Alert  *borderwatch.Event `json:"alert"`
}

// save writes every open window through put, in key order, expiring at the window's end.
func (s *suppressor) save(put func(key string, value []byte, expires time.Time) error) error {
	keys := make([]supKey, 0, len(s.open))
	for k := range s.open {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b supKey) int {
		if c := strings.Compare(a.rule, b.rule); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	for _, k := range keys {
		w := s.open[k]
		raw, err := json.Marshal(savedWindow{End: w.end, First: w.first, Last: w.last, Count: w.count,
			Folded: w.folded, MaxSev: int(w.maxSev), Refs: w.refs, Alert: w.alert})
		if err != nil {
			return fmt.Errorf("encode suppression window %s/%s: %w", k.rule, k.key, err)
		}
		if err := put(k.rule+"/"+k.key, raw, w.end); err != nil {
			return err
		}
	}
	return nil
}

// load restores one saved window for the enabled rules in byName. A window of a rule that is
// disabled or no longer suppresses is skipped; so is one that does not fit in the table (counted
// in evicted). An entry that does not decode is an error naming its key.
func (s *suppressor) load(byName map[string]*ruleRun, key string, raw []byte) (loaded bool, err error) {
	name, akey, ok := strings.Cut(key, "/")
	if !ok || name == "" {
		return false, fmt.Errorf("suppression window %q: key is not <rule>/<alert key>", key)
	}
	var sw savedWindow
	if err := json.Unmarshal(raw, &sw); err != nil {
		return false, fmt.Errorf("suppression window %q: %w", key, err)
	}
	if sw.Alert == nil || sw.Alert.Borderwatch.Alert == nil || sw.End.IsZero() || sw.Count < 1 || sw.Folded < 0 {
		return false, fmt.Errorf("suppression window %q: incomplete (no alert, end or count)", key)
	}
	r := byName[name]
	if r == nil || r.suppression <= 0 {
		return false, nil
	}
	k := supKey{rule: name, key: akey}
	if _, dup := s.open[k]; dup {
		return false, nil
	}
	if len(s.open) >= s.max {
		s.evicted++
		return false, nil
	}
	if len(sw.Refs) > s.maxRefs {
		sw.Refs = sw.Refs[:s.maxRefs]
	}
	s.open[k] = &window{rule: r, end: sw.End, first: sw.First, last: sw.Last, count: sw.Count,
		folded: sw.Folded, maxSev: Severity(sw.MaxSev), alert: sw.Alert, refs: sw.Refs}
	s.pushEnd(sw.End, k)
	return true, nil
}

// checkpoint emits a summary for every open window that folded repeats since its last alert or
// summary, and keeps the windows open (for the state file): the run's output is complete, and
// the next run still folds the condition's repeats.
func (s *suppressor) checkpoint(out []*borderwatch.Event) []*borderwatch.Event {
	for _, k := range s.keysByEnd() {
		w := s.open[k]
		if w.folded == 0 {
			continue
		}
		out = append(out, s.summary(w))
		w.folded = 0
		w.refs = nil
	}
	return out
}
