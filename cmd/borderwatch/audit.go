package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/internal/gzsize"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/report"
	"github.com/borderwatch/borderwatch/report/ledger"
	"github.com/borderwatch/borderwatch/sink/elasticsearch"
)

func auditCommand() *cli.Command {
	return &cli.Command{
		Name:      "audit",
		Usage:     "judge a time window of VPN and SSO logs with the rules and write a report (for cron)",
		ArgsUsage: "PATH...",
		Description: `Reads the log files (globs, directories, gzip) given as arguments, or logs.paths and
logs.inputs from the configuration, keeps the events inside the window, runs the rules with
their persisted state (rules.state.path), writes alerts to the configured outputs and writes a
report: a summary on stdout, and with --report-html / --report-json a self-contained HTML page
(world map with impossible-travel arcs, per-user timelines, watched-country and remote-access
tables) and a JSON document.

Re-running the same window adds no duplicate alerts: a ledger (--ledger, by default next to
the rules' state file) remembers which events earlier runs evaluated and which alerts they
delivered; the report still lists every alert of the window.

Exit codes: 0 no alert at or above --fail-on; 3 alerts at or above --fail-on (also when an
earlier run over the same window delivered them); 4 some input was rejected; 2 usage or
configuration error; 1 runtime error. 1 and 2 take precedence over 3, and 3 over 4.

Examples:
   borderwatch audit --last 24h --fail-on high --report-html /srv/reports/today.html /var/log/vpn
   borderwatch audit --since 2026-03-14 --until 2026-03-15 --report-json day.json okta/*.json.gz`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "since", Usage: "start of the window (inclusive): RFC 3339 `TIME` or a date (2026-03-14, UTC)"},
			&cli.StringFlag{Name: "until", Usage: "end of the window (exclusive): RFC 3339 `TIME` or a date; default now when --last is given"},
			&cli.DurationFlag{Name: "last", Usage: "window of this `DURATION` ending at --until (or now), e.g. 24h"},
			&cli.StringFlag{Name: "fail-on", Value: "low", Usage: "exit 3 when alerts of this `SEVERITY` or higher are found: low, medium, high, critical, or none"},
			&cli.StringFlag{Name: "report-html", Usage: "write the HTML report to `FILE`"},
			&cli.StringFlag{Name: "report-json", Usage: "write the JSON report to `FILE`"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not print the summary on stdout"},
			&cli.StringFlag{Name: "ledger", Usage: "ledger `FILE` of evaluated events and delivered alerts (default: audit-ledger.db beside rules.state.path; none without it)"},
			&cli.DurationFlag{Name: "ledger-retain", Value: 30 * 24 * time.Hour, Usage: "forget ledger days older than this `DURATION`"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "parse every input as `FORMAT` instead of detecting it"},
			&cli.StringFlag{Name: "timezone", Usage: "read time stamps without a zone in `ZONE` (IANA name, default UTC)"},
			&cli.BoolFlag{Name: "from-elasticsearch", Usage: "also read the window's authentication events of every sensor back from Elasticsearch (elasticsearch.* settings)"},
		}, append(progressFlags(), outputFlags()...)...),
		Action: func(c *cli.Context) error {
			opts, err := auditOptionsFrom(c, time.Now())
			if err != nil {
				return err
			}
			cfg, e, err := setup(c, func(cfg *Config) error {
				if c.IsSet("format") {
					cfg.Logs.Format = c.String("format")
				}
				if c.IsSet("timezone") {
					cfg.Logs.Timezone = c.String("timezone")
				}
				if c.NArg() > 0 {
					cfg.Logs.Paths, cfg.Logs.Inputs = c.Args().Slice(), nil
				}
				return nil
			})
			if err != nil {
				return err
			}
			if len(cfg.Logs.Paths) == 0 && len(cfg.Logs.Inputs) == 0 && !opts.FromES {
				return usageErrorf("audit: give at least one PATH (a file, glob or directory) or set logs.paths")
			}
			return runAudit(c.Context, cfg, e, opts)
		},
	}
}

// auditOptions are the audit command's flags.
type auditOptions struct {
	Since, Until     time.Time // zero: open
	FailOn           string    // "" = never fail on alerts
	HTML, JSON       string
	Quiet            bool
	Ledger           string
	LedgerRetain     time.Duration
	Progress         string // bar | log | none
	ProgressInterval time.Duration
	FromES           bool // read authentication events back from Elasticsearch too
	Version          string
	Now              time.Time
}

func auditOptionsFrom(c *cli.Context, now time.Time) (auditOptions, error) {
	o := auditOptions{HTML: c.String("report-html"), JSON: c.String("report-json"), Quiet: c.Bool("quiet"),
		Ledger: c.String("ledger"), LedgerRetain: c.Duration("ledger-retain"), FromES: c.Bool("from-elasticsearch"),
		Version: version + " (" + commit + ")", Now: now.UTC()}
	var err error
	if s := c.String("since"); s != "" {
		if o.Since, err = parseWhen(s); err != nil {
			return o, usageErrorf("audit: --since: %v", err)
		}
	}
	if s := c.String("until"); s != "" {
		if o.Until, err = parseWhen(s); err != nil {
			return o, usageErrorf("audit: --until: %v", err)
		}
	}
	if c.IsSet("last") {
		d := c.Duration("last")
		if d <= 0 {
			return o, usageErrorf("audit: --last must be > 0, e.g. 24h")
		}
		if c.IsSet("since") {
			return o, usageErrorf("audit: give --since or --last, not both")
		}
		if o.Until.IsZero() {
			o.Until = o.Now
		}
		o.Since = o.Until.Add(-d)
	}
	if !o.Since.IsZero() && !o.Until.IsZero() && !o.Since.Before(o.Until) {
		return o, usageErrorf("audit: --since (%s) must be before --until (%s)", o.Since.Format(time.RFC3339), o.Until.Format(time.RFC3339))
	}
	switch f := c.String("fail-on"); f {
	case "none":
	case "low", "medium", "high", "critical":
		o.FailOn = f
	default:
		return o, usageErrorf("audit: --fail-on %q: use low, medium, high, critical or none", f)
	}
	if o.LedgerRetain <= 0 {
		return o, usageErrorf("audit: --ledger-retain must be > 0, e.g. 720h")
	}
	if o.Progress, o.ProgressInterval, err = progressOptions(c, "audit"); err != nil {
		return o, err
	}
	return o, nil
}

// parseWhen reads an RFC 3339 time, a date-time without zone (UTC) or a date (midnight UTC).
func parseWhen(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC 3339 (2026-03-14T08:00:00Z) or a date (2026-03-14)", s)
}

// runAudit runs the pipeline over the window and writes the reports.
func runAudit(ctx context.Context, cfg *Config, e *env, o auditOptions) error {
	lc := cfg.Logs
	lc.Follow, lc.Listen = false, nil
	for i := range lc.Inputs {
		lc.Inputs[i].Listen = nil
	}
	scs, err := lc.SourceConfigs(e.log.With("component", "logs"))
	if err != nil {
		return usageError(err)
	}
	var paths []string
	win := &window{since: o.Since, until: o.Until}
	var sources []borderwatch.Source
	for _, sc := range scs {
		if len(sc.Paths) == 0 {
			continue
		}
		paths = append(paths, sc.Paths...)
		src, err := logs.NewSource(sc)
		if err != nil {
			return usageError(fmt.Errorf("audit: %w", err))
		}
		sources = append(sources, &windowSource{Source: src, w: win})
	}
	if o.FromES {
		src, err := esAuditSource(cfg, e, o.Since, o.Until)
		if err != nil {
			return usageError(err)
		}
		sources = append(sources, src)
	}
	if len(sources) == 0 {
		return usageErrorf("audit: no file inputs configured (listeners are not read by audit)")
	}

	ledgerPath := o.Ledger
	if ledgerPath == "" && cfg.Rules.State.Path != "" {
		ledgerPath = filepath.Join(filepath.Dir(cfg.Rules.State.Path), "audit-ledger.db")
	}
	if cfg.Rules.State.Path == "" {
		e.log.Warn("rules.state.path is not set: baselines are not kept from one audit to the next")
	}
	var led *ledger.Ledger
	if ledgerPath != "" {
		if led, err = ledger.Open(ledgerPath, o.LedgerRetain, o.Now, e.log.With("component", "ledger")); err != nil {
			return &exitError{code: exitRuntime, err: fmt.Errorf("audit: %w", err)}
		}
	} else {
		e.log.Warn("no ledger (set rules.state.path or --ledger): re-running a window repeats its alerts in file outputs")
	}

	collector, err := report.NewCollector(cfg.Report, e.log.With("component", "report"))
	if err != nil {
		if led != nil {
			led.Close()
		}
		return usageError(err)
	}
	st, err := buildStages(ctx, cfg, e)
	if err != nil {
		if led != nil {
			led.Close()
		}
		return err
	}
	if o.FromES && len(paths) == 0 {
		// Every event came from the cluster: only the alerts are new to it.
		for i, s := range st.sinks {
			if es, ok := s.(*elasticsearch.Sink); ok {
				st.sinks[i] = &alertsOnlySink{Sink: es}
			}
		}
	}
	prog := &auditProgress{}
	st.enrichers = append([]borderwatch.Enricher{prog}, st.enrichers...)
	display := &progressDisplay{name: "audit", unit: "events", mode: o.Progress, interval: o.ProgressInterval,
		total: inputBytes(paths), stderr: e.stderr, log: e.log, count: prog.count}
	if led != nil {
		st.rules = []borderwatch.Rule{&ledgerRules{rules: st.rules, led: led}}
		st.sinks = []borderwatch.Sink{&ledgerSink{sinks: st.sinks, led: led}}
	}
	st.sinks = append([]borderwatch.Sink{collector}, st.sinks...)

	stopProgress := display.start()
	snap, runErr := runPipeline(ctx, cfg, e, st, sources...)
	stopProgress()

	var ledgerErr error
	if led != nil {
		// Alerts an earlier run delivered for this window belong in its report.
		old, err := led.Alerts(o.Since, o.Until)
		if err == nil && len(old) > 0 {
			err = collector.Publish(ctx, old)
		}
		ls := led.Stats()
		e.log.Info("audit ledger", "path", ledgerPath, "events_evaluated", ls.Evaluated, "events_seen_before", ls.Repeated,
			"alerts_delivered", ls.Delivered, "alerts_delivered_before", ls.Duplicates+uint64(len(old)))
		ledgerErr = errors.Join(err, led.Close())
	}
	if n := win.outside.Load(); n > 0 {
		e.log.Info("events outside the window skipped", "count", n, "since", o.Since, "until", o.Until)
	}

	r := collector.Report(report.Meta{Generated: o.Now, Since: o.Since, Until: o.Until, Inputs: paths,
		Version: o.Version, FailOn: o.FailOn, Pipeline: snap})
	if err := writeReports(r, e, o); err != nil {
		return &exitError{code: exitRuntime, err: errors.Join(err, runErr, ledgerErr)}
	}
	if ledgerErr != nil {
		return &exitError{code: exitRuntime, err: errors.Join(ledgerErr, runErr)}
	}
	var ee *exitError
	if runErr != nil && (!errors.As(runErr, &ee) || ee.ExitCode() != exitBadInput) {
		return runErr
	}
	if o.FailOn != "" {
		if n := r.CountAtLeast(o.FailOn); n > 0 {
			return &exitError{code: exitAlerts, err: fmt.Errorf("audit: %d alerts at or above %s", n, o.FailOn)}
		}
	}
	return runErr
}

func writeReports(r *report.Report, e *env, o auditOptions) error {
	if !o.Quiet {
		if err := r.WriteText(e.stdout); err != nil {
			return fmt.Errorf("audit: summary: %w", err)
		}
	}
	write := func(path string, render func(io.Writer) error) error {
		if path == "" {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		defer os.Remove(tmp.Name())
		if err := render(tmp); err != nil {
			tmp.Close()
			return fmt.Errorf("audit: %s: %w", path, err)
		}
		if err := tmp.Chmod(0o640); err != nil {
			tmp.Close()
			return fmt.Errorf("audit: %w", err)
		}
		if err := tmp.Close(); err != nil {
			return fmt.Errorf("audit: %s: %w", path, err)
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		e.log.Info("report written", "path", path)
		return nil
	}
	return errors.Join(write(o.HTML, r.WriteHTML), write(o.JSON, r.WriteJSON))
}

// window keeps the events with a time in [since, until); zero bounds are open.
type window struct {
	since, until time.Time
	outside      atomic.Uint64
}

func (w *window) keep(ev *borderwatch.Event) bool {
	if w.since.IsZero() && w.until.IsZero() {
		return true
	}
	t := ev.Timestamp
	if t.IsZero() || !w.since.IsZero() && t.Before(w.since) || !w.until.IsZero() && !t.Before(w.until) {
		w.outside.Add(1)
		return false
	}
	return true
}

// windowSource passes on only the events of its source inside the window.
type windowSource struct {
	borderwatch.Source
	w *window
}

// Paced implements borderwatch.Paced for the source it wraps.
func (s *windowSource) Paced() bool {
	p, ok := s.Source.(borderwatch.Paced)
	return ok && p.Paced()
}

func (s *windowSource) Run(ctx context.Context, out borderwatch.Emitter) error {
	return s.Source.Run(ctx, &windowEmitter{Emitter: out, w: s.w})
}

type windowEmitter struct {
	borderwatch.Emitter
	w *window
}

func (e *windowEmitter) Emit(ctx context.Context, ev *borderwatch.Event) error {
	if !e.w.keep(ev) {
		return nil
	}
	return e.Emitter.Emit(ctx, ev)
}

func (e *windowEmitter) TryEmit(ev *borderwatch.Event) bool {
	if !e.w.keep(ev) {
		return true
	}
	return e.Emitter.TryEmit(ev)
}

// ledgerRules runs the rules only on events no earlier audit evaluated, so that the rules'
// persisted state does not see an event twice (and does not alert on it again).
type ledgerRules struct {
	rules []borderwatch.Rule
	led   *ledger.Ledger
}

var (
	_ borderwatch.Rule    = (*ledgerRules)(nil)
	_ borderwatch.Flusher = (*ledgerRules)(nil)
)

func (r *ledgerRules) Evaluate(ctx context.Context, ev *borderwatch.Event) ([]*borderwatch.Event, error) {
	ok, err := r.led.Evaluate(ev.DocumentID(), ev.Timestamp)
	if err != nil || !ok {
		return nil, err
	}
	var out []*borderwatch.Event
	var errs []error
	for _, rule := range r.rules {
		alerts, err := rule.Evaluate(ctx, ev)
		errs = append(errs, err)
		out = append(out, alerts...)
	}
	return out, errors.Join(errs...)
}

func (r *ledgerRules) Flush(ctx context.Context) ([]*borderwatch.Event, error) {
	var out []*borderwatch.Event
	var errs []error
	for _, rule := range r.rules {
		if f, ok := rule.(borderwatch.Flusher); ok {
			alerts, err := f.Flush(ctx)
			errs = append(errs, err)
			out = append(out, alerts...)
		}
	}
	return out, errors.Join(errs...)
}

// ledgerSink hands its sinks only what no earlier audit delivered: events that run evaluated
// and alerts that run delivered are left out; new alerts are recorded once written.
type ledgerSink struct {
	sinks []borderwatch.Sink
	led   *ledger.Ledger
	buf   []*borderwatch.Event
}

var _ borderwatch.Sink = (*ledgerSink)(nil)

// CopiesEvents reports whether all of its sinks copy events (the ledger keeps only document
// ids, which events own apart from any lent memory).
func (s *ledgerSink) CopiesEvents() bool { return borderwatch.CopiesEvents(s.sinks...) }

func (s *ledgerSink) Publish(ctx context.Context, evs []*borderwatch.Event) error {
	s.buf = s.buf[:0]
	var alerts []*borderwatch.Event
	for _, ev := range evs {
		if ev.Event.Kind == borderwatch.KindAlert {
			if !s.led.Delivered(ev.DocumentID(), ev.Timestamp) {
				s.buf = append(s.buf, ev)
				alerts = append(alerts, ev)
			}
			continue
		}
		if !s.led.SeenEarlier(ev.DocumentID(), ev.Timestamp) {
			s.buf = append(s.buf, ev)
		}
	}
	if len(s.buf) == 0 {
		return nil
	}
	for _, sink := range s.sinks {
		if err := sink.Publish(ctx, s.buf); err != nil {
			return err
		}
	}
	_, err := s.led.Deliver(alerts)
	return err
}

func (s *ledgerSink) Close(ctx context.Context) error {
	var errs []error
	for _, sink := range s.sinks {
		errs = append(errs, sink.Close(ctx))
	}
	return errors.Join(errs...)
}

// inputBytes estimates the bytes the audit will read: file sizes, with gzip files counted by
// their uncompressed size (from the gzip trailer).
func inputBytes(paths []string) int64 {
	var total int64
	add := func(p string) {
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			return
		}
		total += gzsize.Of(p, fi.Size())
	}
	for _, p := range paths {
		matches, err := filepath.Glob(p)
		if err != nil || len(matches) == 0 {
			matches = []string{p}
		}
		for _, m := range matches {
			fi, err := os.Stat(m)
			if err != nil {
				continue
			}
			if !fi.IsDir() {
				add(m)
				continue
			}
			filepath.WalkDir(m, func(path string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					add(path)
				}
				return nil
			})
		}
	}
	return total
}

// auditProgress counts what processing takes off the queue: events and the bytes of their
// records.
type auditProgress struct {
	events atomic.Uint64
	bytes  atomic.Int64
}

var _ borderwatch.Enricher = (*auditProgress)(nil)

func (p *auditProgress) Enrich(_ context.Context, ev *borderwatch.Event) error {
	p.events.Add(1)
	p.bytes.Add(int64(len(ev.Event.Original)) + 1)
	return nil
}

func (p *auditProgress) count() (int64, uint64) { return p.bytes.Load(), p.events.Load() }

// alertsOnlySink passes only alerts to its sink: audit uses it for an Elasticsearch output when
// every event was read back from that cluster, so the events are not sent again as duplicates.
type alertsOnlySink struct {
	*elasticsearch.Sink
	alerts []*borderwatch.Event // reused by each Publish
}

var _ borderwatch.Sink = (*alertsOnlySink)(nil)

// StageName keeps the sink's metrics under its own name.
func (*alertsOnlySink) StageName() string { return "elasticsearch" }

func (s *alertsOnlySink) Publish(ctx context.Context, evs []*borderwatch.Event) error {
	s.alerts = s.alerts[:0]
	for _, ev := range evs {
		if ev.Event.Kind == borderwatch.KindAlert {
			s.alerts = append(s.alerts, ev)
		}
	}
	if len(s.alerts) == 0 {
		return nil
	}
	return s.Sink.Publish(ctx, s.alerts)
}
