package rules

import (
	"container/heap"
	"fmt"
	"sort"
	"time"

	"github.com/borderwatch/borderwatch"
)

// suppressor folds repeated alerts of one (rule, key) into one: the first alert goes out at
// once; later ones are counted (and emitted at once only when their severity is higher) while
// the condition lasts, that is while repeats come within the rule's window of the previous one,
// for at most maxSpanWindows windows; when the window closes with folded repeats a summary alert
// goes out carrying count, first_seen, last_seen and the refs of the folded events. Windows are
// measured in event time. The table is bounded; the oldest windows are closed early when
// it is full (counted in evicted).
type suppressor struct {
	open    map[supKey]*window
	ends    endHeap // window ends, lazily updated when windows slide
	max     int
	maxRefs int
	evicted uint64
}

type endItem struct {
	end time.Time
	key supKey
}

// endHeap is a min-heap of window ends. Entries go stale when a window slides or closes; expire
// skips or re-pushes them.
type endHeap []endItem

func (h endHeap) Len() int           { return len(h) }
func (h endHeap) Less(i, j int) bool { return h[i].end.Before(h[j].end) }
func (h endHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *endHeap) Push(x any)        { *h = append(*h, x.(endItem)) }
func (h *endHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// maxSpanWindows caps how long one lasting condition is folded: after this many windows it is
// summarized and alerted afresh, so a condition that never stops is still re-reported.
const maxSpanWindows = 7

type supKey struct {
	rule string
	key  string
}

type window struct {
	rule        *ruleRun
	end         time.Time
	first, last time.Time
	count       int // findings in the window
	folded      int // findings not emitted
	maxSev      Severity
	alert       *borderwatch.Event // the latest alert emitted; the summary's template
	refs        []string
}

func newSuppressor(max, maxRefs int) *suppressor {
	return &suppressor{open: make(map[supKey]*window), max: max, maxRefs: maxRefs}
}

// offer applies suppression to one alert built at event time t and appends what goes out.
func (s *suppressor) offer(r *ruleRun, t time.Time, sev Severity, alert *borderwatch.Event, out []*borderwatch.Event) []*borderwatch.Event {
	if r.suppression <= 0 {
		r.stats.Alerts++
		return append(out, alert)
	}
	k := supKey{r.def.Name, alert.Borderwatch.Alert.Key}
	w := s.open[k]
	if w != nil && !t.Before(w.end) {
		out = s.close(k, w, out)
		w = nil
	}
	if w == nil {
		if len(s.open) >= s.max {
			out = s.evictOldest(out)
		}
		s.open[k] = &window{rule: r, end: t.Add(r.suppression), first: t, last: t, count: 1, maxSev: sev,
			alert: alert, refs: append([]string(nil), alert.Borderwatch.Alert.Refs...)}
		s.pushEnd(t.Add(r.suppression), k)
		r.stats.Alerts++
		return append(out, alert)
	}
	w.count++
	if t.After(w.last) {
		w.last = t
	}
	if end := t.Add(r.suppression); end.After(w.end) {
		w.end = end
		if limit := w.first.Add(maxSpanWindows * r.suppression); w.end.After(limit) {
			w.end = limit
		}
	}
	if t.Before(w.first) {
		w.first = t
	}
	for _, ref := range alert.Borderwatch.Alert.Refs {
		if len(w.refs) < s.maxRefs {
			w.refs = append(w.refs, ref)
		}
	}
	if sev > w.maxSev {
		// An escalation is news: it goes out now, carrying what the window has seen so far.
		w.maxSev = sev
		al := alert.Borderwatch.Alert
		al.Count, al.FirstSeen, al.LastSeen = w.count, w.first, w.last
		w.alert = alert
		r.stats.Alerts++
		return append(out, alert)
	}
	w.folded++
	return out
}

// expire closes windows that ended at or before now (all of them when now is zero).
func (s *suppressor) expire(now time.Time, out []*borderwatch.Event) []*borderwatch.Event {
	if now.IsZero() {
		// Close in end order so that summaries come out in a stable order.
		for _, k := range s.keysByEnd() {
			out = s.close(k, s.open[k], out)
		}
		s.ends = s.ends[:0]
		return out
	}
	for len(s.ends) > 0 && !now.Before(s.ends[0].end) {
		it := heap.Pop(&s.ends).(endItem)
		w := s.open[it.key]
		switch {
		case w == nil:
			// closed already (evicted or replaced)
		case w.end.After(it.end):
			heap.Push(&s.ends, endItem{end: w.end, key: it.key}) // the window slid
		case !now.Before(w.end):
			out = s.close(it.key, w, out)
		}
	}
	return out
}

func (s *suppressor) evictOldest(out []*borderwatch.Event) []*borderwatch.Event {
	var (
		oldest supKey
		ow     *window
	)
	// The earliest end; ties broken by opening time, then rule and key, so that the choice
	// does not depend on the map's order.
	for k, w := range s.open {
		if ow == nil || w.end.Before(ow.end) || w.end.Equal(ow.end) && (w.first.Before(ow.first) ||
			w.first.Equal(ow.first) && (k.rule < oldest.rule || k.rule == oldest.rule && k.key < oldest.key)) {
			oldest, ow = k, w
		}
	}
	if ow != nil {
		s.evicted++
		out = s.close(oldest, ow, out)
	}
	return out
}

func (s *suppressor) close(k supKey, w *window, out []*borderwatch.Event) []*borderwatch.Event {
	delete(s.open, k)
	if w.folded == 0 {
		return out
	}
	return append(out, s.summary(w))
}

// keysByEnd returns the open windows' keys ordered by end, rule and key.
func (s *suppressor) keysByEnd() []supKey {
	keys := make([]supKey, 0, len(s.open))
	for k := range s.open {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := s.open[keys[i]], s.open[keys[j]]
		if !a.end.Equal(b.end) {
			return a.end.Before(b.end)
		}
		if keys[i].rule != keys[j].rule {
			return keys[i].rule < keys[j].rule
		}
		return keys[i].key < keys[j].key
	})
	return keys
}

func (s *suppressor) pushEnd(end time.Time, k supKey) { heap.Push(&s.ends, endItem{end: end, key: k}) }

// summary builds the summary alert of a window that folded repeats, and counts it.
func (s *suppressor) summary(w *window) *borderwatch.Event {
	sum := *w.alert
	al := *w.alert.Borderwatch.Alert
	al.Count = w.count
	al.FirstSeen, al.LastSeen = w.first, w.last
	al.Refs = w.refs
	al.Reasons = append(append([]string(nil), al.Reasons...),
		fmt.Sprintf("seen %d times from %s to %s; %d repeats folded into this summary",
			w.count, w.first.Format(time.RFC3339), w.last.Format(time.RFC3339), w.folded))
	sum.Borderwatch.Alert = &al
	sum.Borderwatch.ID = ""
	sum.Timestamp = w.last
	sum.Tags = append(append([]string(nil), sum.Tags...), "suppression_summary")
	sum.Message = fmt.Sprintf("%s (%d times between %s and %s)", trimDot(w.alert.Message), w.count,
		w.first.Format("2006-01-02 15:04"), w.last.Format("2006-01-02 15:04 MST"))
	w.rule.stats.Alerts++
	return &sum
}

func trimDot(s string) string {
	if n := len(s); n > 0 && s[n-1] == '.' {
		return s[:n-1]
	}
	return s
}
