package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/sink/deadletter"
)

// stages are the parts of a pipeline built from the configuration, shared by every command
// that runs one (logs, capture, audit, rules test).
type stages struct {
	enrichers []borderwatch.Enricher
	rules     []borderwatch.Rule
	sinks     []borderwatch.Sink
	dead      *deadletter.File
	closers   []io.Closer
}

// buildStages opens enrichment, rules, sinks and the dead-letter file from cfg.
func buildStages(ctx context.Context, cfg *Config, e *env) (st *stages, err error) {
	st = &stages{}
	defer func() {
		if err != nil {
			st.close()
			st = nil
		}
	}()
	if err := buildEnrichRules(cfg, e, st); err != nil {
		return st, err
	}
	if cfg.Output.DeadLetter != "" {
		d, err := deadletter.Open(cfg.Output.DeadLetter)
		if err != nil {
			return st, err
		}
		st.dead = d
	}
	sinks, err := buildSinks(ctx, cfg, e)
	if err != nil {
		return st, err
	}
	st.sinks = sinks
	return st, nil
}

// close releases what the pipeline does not close itself (sinks are closed by the pipeline).
func (st *stages) close() error {
	var errs []error
	for i := len(st.closers) - 1; i >= 0; i-- {
		errs = append(errs, st.closers[i].Close())
	}
	if st.dead != nil {
		errs = append(errs, st.dead.Close())
	}
	return errors.Join(errs...)
}

// runPipeline runs sources through the stages, prints a summary on stderr and maps the
// outcome to an error with the right exit code.
func runPipeline(ctx context.Context, cfg *Config, e *env, st *stages, sources ...borderwatch.Source) (*borderwatch.StatsSnapshot, error) {
	p := &borderwatch.Pipeline{
		Sources:   sources,
		Enrichers: st.enrichers,
		Rules:     st.rules,
		Sinks:     st.sinks,
		Logger:    e.log.With("component", "pipeline"),
		QueueSize: cfg.Pipeline.QueueSize,
		BatchSize: cfg.Pipeline.BatchSize,
	}
	if st.dead != nil {
		p.DeadLetter = st.dead
	}
	stopOps, err := startOps(cfg, e, p) // metrics server, SIGHUP reload (ops.go)
	if err != nil {
		for _, s := range p.Sinks {
			s.Close(ctx)
		}
		st.close()
		return nil, err
	}
	defer stopOps()
	runErr := p.Run(ctx)
	closeErr := st.close()
	snap := p.Stats.Snapshot()
	fmt.Fprintln(e.stderr, summary(&snap, cfg))
	if err := errors.Join(runErr, closeErr); err != nil {
		return &snap, &exitError{code: exitRuntime, err: err}
	}
	if snap.Rejected > 0 || snap.SourceErrors > 0 {
		return &snap, &exitError{code: exitBadInput, err: fmt.Errorf("%d input records rejected%s", snap.Rejected, deadLetterHint(cfg))}
	}
	return &snap, nil
}

func deadLetterHint(cfg *Config) string {
	if cfg.Output.DeadLetter == "" {
		return " (keep them with --dead-letter FILE)"
	}
	return " (kept in " + cfg.Output.DeadLetter + ")"
}

// summary renders the counters as one line for a person.
func summary(s *borderwatch.StatsSnapshot, cfg *Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "borderwatch: %d events read, %d alerts", s.Read, s.Alerts)
	if len(s.AlertsByRule) > 0 {
		b.WriteString(" (" + countsByKey(s.AlertsByRule) + ")")
	}
	fmt.Fprintf(&b, ", %d rejected", s.Rejected)
	if len(s.RejectedByFormat) > 0 {
		b.WriteString(" (" + countsByKey(s.RejectedByFormat) + ")")
	}
	if s.Dropped > 0 {
		fmt.Fprintf(&b, ", %d dropped", s.Dropped)
	}
	if s.EnrichErrors > 0 || s.RuleErrors > 0 {
		fmt.Fprintf(&b, ", %d enrichment and %d rule errors", s.EnrichErrors, s.RuleErrors)
	}
	fmt.Fprintf(&b, ", %d written to %s", s.Written, strings.Join(cfg.Output.Sinks, "+"))
	return b.String()
}

func countsByKey(m map[string]uint64) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		name := k
		if name == "" {
			name = "unknown"
		}
		parts[i] = fmt.Sprintf("%s %d", name, m[k])
	}
	return strings.Join(parts, ", ")
}
