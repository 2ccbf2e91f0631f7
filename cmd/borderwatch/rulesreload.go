package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sync"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

// reloadableRules is the rule engine behind a lock, so that SIGHUP can replace it with one
// built from the re-read configuration while the pipeline runs. Alerts the old engine still
// held (suppression summaries) are handed on with the next evaluation.
type reloadableRules struct {
	mu      sync.Mutex
	eng     *rules.Engine // nil only if a reload failed and the old settings could not be restored
	cfg     rules.Config
	load    func() (rules.Config, error)
	log     *slog.Logger
	pending []*borderwatch.Event
}

var (
	_ borderwatch.Rule    = (*reloadableRules)(nil)
	_ borderwatch.Flusher = (*reloadableRules)(nil)
	_ io.Closer           = (*reloadableRules)(nil)
)

func newReloadableRules(cfg rules.Config, load func() (rules.Config, error), log *slog.Logger) (*reloadableRules, error) {
	eng, err := rules.New(cfg, log)
	if err != nil {
		return nil, err
	}
	return &reloadableRules{eng: eng, cfg: cfg, load: load, log: log}, nil
}

func (r *reloadableRules) Evaluate(ctx context.Context, ev *borderwatch.Event) ([]*borderwatch.Event, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.eng == nil {
		return r.takePending(), errors.New("rules: no engine after a failed reload; fix the configuration and send SIGHUP again")
	}
	alerts, err := r.eng.Evaluate(ctx, ev)
	if len(r.pending) > 0 {
		alerts = append(r.takePending(), alerts...)
	}
	return alerts, err
}

func (r *reloadableRules) takePending() []*borderwatch.Event {
	p := r.pending
	r.pending = nil
	return p
}

func (r *reloadableRules) Flush(ctx context.Context) ([]*borderwatch.Event, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.eng == nil {
		return r.takePending(), nil
	}
	alerts, err := r.eng.Flush(ctx)
	return append(r.takePending(), alerts...), err
}

func (r *reloadableRules) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.eng == nil {
		return nil
	}
	return r.eng.Close()
}

// StageName keeps the engine's name in metrics and logs.
func (r *reloadableRules) StageName() string { return "rules" }

// Stats exports the current engine's per-rule counters (for /metrics).
func (r *reloadableRules) Stats() map[string]rules.RuleStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.eng == nil {
		return nil
	}
	return r.eng.Stats()
}

// Reload re-reads the rules configuration. An invalid configuration changes nothing. A valid,
// different one replaces the engine: the old one is flushed and closed (its state saved), the
// new one opens the same state. If the new engine cannot be built, the old settings are
// restored.
func (r *reloadableRules) Reload() (bool, error) {
	cfg, err := r.load()
	if err != nil {
		return false, fmt.Errorf("rules: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return false, fmt.Errorf("rules: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if reflect.DeepEqual(cfg, r.cfg) {
		return false, nil
	}
	if r.eng != nil {
		held, err := r.eng.Flush(context.Background())
		r.pending = append(r.pending, held...)
		if err != nil {
			r.log.Warn("rules flush before reload", "err", err)
		}
		if err := r.eng.Close(); err != nil {
			r.log.Warn("rules close before reload", "err", err)
		}
		r.eng = nil
	}
	eng, err := rules.New(cfg, r.log)
	if err != nil {
		if old, oldErr := rules.New(r.cfg, r.log); oldErr == nil {
			r.eng = old
			return false, fmt.Errorf("rules: %w; the previous settings stay in force", err)
		}
		return false, fmt.Errorf("rules: %w; the previous settings could not be restored either", err)
	}
	r.eng, r.cfg = eng, cfg
	return true, nil
}
