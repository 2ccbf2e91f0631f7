package rules

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules/state"
)

// Engine runs the configured rules over events and turns their findings into alerts. It
// implements borderwatch.Rule and borderwatch.Flusher; Close saves state and releases the state
// file. An Engine is used by one goroutine at a time (the pipeline's rule stage); Stats may be
// called concurrently (for metrics).
type Engine struct {
	mu    sync.Mutex // guards everything below against Stats readers
	log   *slog.Logger
	cfg   Config
	rules []*ruleRun
	sup   *suppressor
	store *state.Store
	subs  *Subjects

	out        []*borderwatch.Event
	watermark  time.Time // the latest event time seen
	nextSweep  time.Time
	lastSave   time.Time // wall clock
	sinceCheck int
	dirty      bool // events seen since the last save
	saveErrs   int  // failed periodic saves
	closed     bool
}

var (
	_ borderwatch.Rule    = (*Engine)(nil)
	_ borderwatch.Flusher = (*Engine)(nil)
	_ io.Closer           = (*Engine)(nil)
)

type ruleRun struct {
	*resolved
	det   Detector
	emit  func(Finding)
	stats RuleStats
}

// RuleStats counts one rule's work.
type RuleStats struct {
	Findings    uint64 `json:"findings"`    // findings the rule reported
	Alerts      uint64 `json:"alerts"`      // alerts emitted (including suppression summaries)
	Allowlisted uint64 `json:"allowlisted"` // findings dropped by the rule's allowlist
	BelowMin    uint64 `json:"below_min"`   // findings dropped by min_severity
	Suppressed  uint64 `json:"suppressed"`  // findings folded into an open suppression window
	// State is the size of the rule's tables and what they evicted or expired (stateful rules).
	State TableCounts `json:"state"`
}

// New builds the engine: it validates cfg, loads the roster, opens the state file (when
// rules.state.path is set) and builds every enabled rule with its saved state.
func New(cfg Config, log *slog.Logger) (*Engine, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Engine{log: log, cfg: cfg}
	env := Env{
		Log:        log,
		Watched:    NewCountrySet(cfg.WatchedCountries),
		TTL:        cfg.State.TTL,
		MaxEntries: cfg.State.MaxEntries,
		Subjects:   NewSubjects(cfg.State.MaxEntries, cfg.State.TTL),
	}
	e.subs = env.Subjects
	if cfg.Roster != "" {
		r, err := LoadRoster(cfg.Roster)
		if err != nil {
			return nil, fmt.Errorf("rules.roster: %w", err)
		}
		env.Roster = r
	}
	names := Names()
	for _, n := range names {
		res, _, err := cfg.resolve(n)
		if err != nil {
			return nil, err
		}
		if !res.enabled {
			continue
		}
		renv := env
		renv.Log = log.With("rule", n)
		det, err := res.def.New(renv, res.params)
		if err != nil {
			return nil, fmt.Errorf("rules.rule.%s: %w", n, err)
		}
		r := &ruleRun{resolved: res, det: det}
		r.emit = func(f Finding) { e.handle(r, f) }
		e.rules = append(e.rules, r)
	}
	e.sup = newSuppressor(cfg.Suppression.MaxEntries, cfg.Suppression.MaxRefs)
	if cfg.State.Path != "" {
		st, err := state.Open(cfg.State.Path, state.Options{MaxEntries: cfg.State.MaxEntries, LockTimeout: cfg.State.LockTimeout})
		if err != nil {
			return nil, err
		}
		e.store = st
		for _, r := range e.rules {
			sd, ok := r.det.(StatefulDetector)
			if !ok {
				continue
			}
			err := sd.LoadState(func(fn func(string, []byte) error) error {
				return st.Load(r.def.Name, time.Time{}, fn)
			})
			if err != nil {
				st.Close()
				return nil, fmt.Errorf("rules.rule.%s: load state from %s: %w (run `borderwatch state reset %s` to start afresh)", r.def.Name, st.Path(), err, r.def.Name)
			}
		}
		if err := e.loadSuppression(); err != nil {
			st.Close()
			return nil, err
		}
	}
	log.Debug("rules engine ready", "rules", e.Enabled(), "state", cfg.State.Path)
	return e, nil
}

// Enabled returns the names of the rules that run, sorted.
func (e *Engine) Enabled() []string {
	out := make([]string, len(e.rules))
	for i, r := range e.rules {
		out[i] = r.def.Name
	}
	return out
}

// Stats returns each enabled rule's counters by name.
func (e *Engine) Stats() map[string]RuleStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]RuleStats, len(e.rules))
	for _, r := range e.rules {
		s := r.stats
		if tc, ok := r.det.(TableCounter); ok {
			s.State = tc.TableCounts()
		}
		out[r.def.Name] = s
	}
	return out
}

// SuppressionStats returns the number of open suppression windows and how many were closed
// early because the table was full (rules.suppression.max_entries).
func (e *Engine) SuppressionStats() (open int, evicted uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.sup.open), e.sup.evicted
}

// Evaluate runs every enabled rule on ev and returns the alerts raised (possibly for earlier
// events that a rule held back). Alerts are never evaluated.
func (e *Engine) Evaluate(ctx context.Context, ev *borderwatch.Event) ([]*borderwatch.Event, error) {
	if ev == nil || ev.Event.Kind == borderwatch.KindAlert {
		return nil, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if ev.Timestamp.After(e.watermark) {
		e.watermark = ev.Timestamp
	}
	e.dirty = true
	e.subs.Begin(ev)
	for _, r := range e.rules {
		r.det.Evaluate(ev, r.emit)
	}
	e.subs.End()
	if !e.watermark.Before(e.nextSweep) {
		e.out = e.sup.expire(e.watermark, e.out)
		e.nextSweep = e.watermark.Add(time.Minute)
	}
	if e.store != nil && e.cfg.State.SaveEvery > 0 {
		e.sinceCheck++
		if e.sinceCheck >= 4096 { // look at the clock now and then, not per event
			e.sinceCheck = 0
			now := time.Now()
			if e.lastSave.IsZero() {
				e.lastSave = now
			} else if now.Sub(e.lastSave) >= e.cfg.State.SaveEvery {
				// A failed periodic save must not cost the alerts of this event: it is logged,
				// retried at the next period, and reported by Flush and Close if it persists.
				if err := e.save(); err != nil {
					e.saveErrs++
					e.log.Error("periodic state save failed; retrying later", "path", e.cfg.State.Path, "err", err, "failures", e.saveErrs)
					e.dirty = true
				}
				e.lastSave = now
			}
		}
	}
	return e.take(), nil
}

// Flush releases what rules hold back, closes every suppression window (emitting summaries for
// those that folded repeats) and saves state.
func (e *Engine) Flush(ctx context.Context) ([]*borderwatch.Event, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range e.rules {
		if fd, ok := r.det.(FlushingDetector); ok {
			fd.Flush(r.emit)
		}
	}
	var err error
	if e.store != nil {
		// Windows stay open in the state file so that the next run keeps folding a lasting
		// condition; what they folded in this run is summarized now.
		e.out = e.sup.checkpoint(e.out)
		e.dirty = true
		err = e.save()
	} else {
		e.out = e.sup.expire(time.Time{}, e.out)
	}
	return e.take(), err
}

// Close saves state and releases the state file. It is safe to call more than once.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.store == nil {
		e.closed = true
		return nil
	}
	e.closed = true
	return errors.Join(e.save(), e.store.Close())
}

func (e *Engine) take() []*borderwatch.Event {
	if len(e.out) == 0 {
		return nil
	}
	out := e.out
	e.out = nil
	return out
}

func (e *Engine) save() error {
	if !e.dirty {
		return nil
	}
	e.dirty = false
	var errs []error
	for _, r := range e.rules {
		sd, ok := r.det.(StatefulDetector)
		if !ok {
			continue
		}
		if err := e.store.Replace(r.def.Name, e.watermark, sd.SaveState); err != nil {
			errs = append(errs, fmt.Errorf("rules.rule.%s: save state to %s: %w", r.def.Name, e.store.Path(), err))
		}
	}
	if err := e.store.Replace(SuppressionBucket, e.watermark, e.sup.save); err != nil {
		errs = append(errs, fmt.Errorf("rules.suppression: save windows to %s: %w", e.store.Path(), err))
	}
	return errors.Join(errs...)
}

// loadSuppression restores the suppression windows saved by the previous run. Windows that
// ended before this run's first event close at that event (with a summary if they folded
// repeats that were not summarized yet).
func (e *Engine) loadSuppression() error {
	byName := make(map[string]*ruleRun, len(e.rules))
	for _, r := range e.rules {
		byName[r.def.Name] = r
	}
	var loaded, skipped int
	evicted := e.sup.evicted
	err := e.store.Load(SuppressionBucket, time.Time{}, func(k string, v []byte) error {
		ok, err := e.sup.load(byName, k, v)
		if ok {
			loaded++
		} else if err == nil {
			skipped++
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("rules.suppression: load windows from %s: %w (run `borderwatch state reset %s` to start afresh)", e.store.Path(), err, SuppressionBucket)
	}
	if loaded+skipped > 0 {
		e.log.Info("suppression windows restored", "path", e.store.Path(), "open", loaded,
			"skipped", skipped, "over_max_entries", e.sup.evicted-evicted)
	}
	return nil
}

// handle applies the rule's allowlist, severity settings and suppression to one finding.
func (e *Engine) handle(r *ruleRun, f Finding) {
	if f.Event == nil {
		return
	}
	r.stats.Findings++
	if m := r.allow.match(f.Event); m != "" {
		r.stats.Allowlisted++
		return
	}
	sev := f.Severity
	if sev == 0 && f.Score > 0 {
		sev = SeverityForScore(f.Score)
	}
	if sev == 0 {
		sev = r.def.Severity
	}
	if r.severity != 0 {
		sev = r.severity
	}
	if r.minSeverity != 0 && sev < r.minSeverity {
		r.stats.BelowMin++
		return
	}
	f.Severity = sev
	if f.Score == 0 {
		f.Score = float64(sev)
	}
	if f.Key == "" {
		f.Key = UserKey(f.Event)
		if f.Key == "" && f.Event.Source.IP.IsValid() {
			f.Key = f.Event.Source.IP.String()
		}
	}
	alert := e.buildAlert(r, &f)
	before := len(e.out)
	e.out = e.sup.offer(r, f.Event.Timestamp, sev, alert, e.out)
	if len(e.out) == before {
		r.stats.Suppressed++
	}
}

// buildAlert turns a finding into an alert document.
func (e *Engine) buildAlert(r *ruleRun, f *Finding) *borderwatch.Event {
	ev := f.Event
	d := r.def
	refs := append([]string{DocRef(ev)}, f.Refs...)
	a := &borderwatch.Event{
		Timestamp: ev.Timestamp,
		Message:   f.Message,
		Event: borderwatch.EventMeta{
			Kind:      borderwatch.KindAlert,
			Category:  alertCategories(ev),
			Type:      []string{"indicator"},
			Action:    d.Name,
			Dataset:   "borderwatch.alert",
			Module:    "borderwatch",
			Provider:  "borderwatch",
			Severity:  int(f.Severity),
			RiskScore: clampScore(f.Score),
			Start:     ev.Event.Start,
			End:       ev.Event.End,
			Outcome:   ev.Event.Outcome,
		},
		Source:      ev.Source,
		Destination: ev.Destination,
		Client:      ev.Client,
		Network:     ev.Network,
		User:        ev.User,
		UserAgent:   ev.UserAgent,
		Observer:    ev.Observer,
		TLS:         ev.TLS,
		URL:         ev.URL,
		Rule: &borderwatch.RuleInfo{
			ID: d.ID, Name: d.Name, Description: d.Description, Version: d.Version,
			Category: d.Category, Ruleset: "borderwatch",
		},
		Threat: d.Threat,
		Borderwatch: borderwatch.Borderwatch{
			Input:       ev.Borderwatch.Input,
			App:         ev.Borderwatch.App,
			Auth:        ev.Borderwatch.Auth,
			Vendor:      ev.Borderwatch.Vendor,
			Source:      ev.Borderwatch.Source,
			Destination: ev.Borderwatch.Destination,
			Alert: &borderwatch.Alert{
				Severity:     f.Severity.String(),
				Key:          f.Key,
				Count:        1,
				FirstSeen:    ev.Timestamp,
				LastSeen:     ev.Timestamp,
				Reasons:      f.Reasons,
				Refs:         dedupe(refs),
				Countries:    f.Countries,
				Users:        f.Users,
				Matched:      f.Matched,
				DistanceKm:   round1(f.DistanceKm),
				SpeedKmh:     round1(f.SpeedKmh),
				Previous:     f.Previous,
				PreviousTime: f.PreviousTime,
			},
		},
	}
	if a.Message == "" {
		a.Message = fmt.Sprintf("%s: %s", d.Name, d.Description)
	}
	return a
}

func alertCategories(ev *borderwatch.Event) []string {
	out := []string{borderwatch.CategoryThreat}
	for _, c := range ev.Event.Category {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func clampScore(s float64) float64 {
	switch {
	case s < 0:
		return 0
	case s > 100:
		return 100
	}
	return float64(int(s*10+0.5)) / 10
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

func dedupe(s []string) []string {
	out := s[:0]
	for _, x := range s {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// SortAlerts orders alerts by time, then rule and key: for stable output in tests and reports.
func SortAlerts(alerts []*borderwatch.Event) {
	sort.SliceStable(alerts, func(i, j int) bool {
		a, b := alerts[i], alerts[j]
		if !a.Timestamp.Equal(b.Timestamp) {
			return a.Timestamp.Before(b.Timestamp)
		}
		if a.Rule.Name != b.Rule.Name {
			return a.Rule.Name < b.Rule.Name
		}
		return a.Borderwatch.Alert.Key < b.Borderwatch.Alert.Key
	})
}
