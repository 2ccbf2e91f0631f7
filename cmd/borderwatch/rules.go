package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/rules"
	_ "github.com/borderwatch/borderwatch/rules/all" // every detection rule
	"github.com/borderwatch/borderwatch/rules/replay"
)

func rulesCommand() *cli.Command {
	return &cli.Command{
		Name:  "rules",
		Usage: "list, validate and test the detection rules",
		Subcommands: []*cli.Command{
			{
				Name:  "list",
				Usage: "list the rules with their state, severity, suppression window and settings",
				Flags: []cli.Flag{&cli.BoolFlag{Name: "params", Usage: "also print each rule's params as YAML"}},
				Action: func(c *cli.Context) error {
					cfg, e, err := setup(c, nil)
					if err != nil {
						return err
					}
					return runRulesList(cfg, e.stdout, c.Bool("params"))
				},
			},
			{
				Name:  "validate",
				Usage: "check the rules configuration (and roster) and say what would run",
				Action: func(c *cli.Context) error {
					cfg, e, err := setup(c, nil)
					if err != nil {
						return err
					}
					return runRulesValidate(cfg, e)
				},
			},
			{
				Name:      "test",
				Usage:     "run the rules over an NDJSON or log file and show which alerts fire and why",
				ArgsUsage: "PATH...",
				Description: `Reads ECS NDJSON (borderwatch's own --output ndjson, an Elasticsearch export, a scenario
file) or any log format borderwatch parses, runs the configured rules over it and prints every
alert with its reasons and the events behind it, then per rule how many findings were raised,
allowlisted, below min_severity or folded by suppression. The state file is not touched unless
--use-state is given, so tuning runs do not teach production baselines.

Examples:
   borderwatch rules test testdata/scenarios/scenario.ndjson
   borderwatch rules test --rule impossible_travel --rule shared_source okta.json
   borderwatch --config tuned.yaml rules test --json exports/*.ndjson.gz`,
				Flags: []cli.Flag{
					&cli.StringSliceFlag{Name: "rule", Aliases: []string{"r"}, Usage: "run only `NAME` (repeatable)"},
					&cli.StringFlag{Name: "input", Value: "auto", Usage: "ecs | logs | auto (detected from the first file)"},
					&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "log `FORMAT` for --input logs (default: detected)"},
					&cli.BoolFlag{Name: "enrich", Usage: "enrich ECS input again (log input is always enriched)"},
					&cli.BoolFlag{Name: "use-state", Usage: "load and save the configured state file"},
					&cli.BoolFlag{Name: "json", Usage: "print the alerts as ECS NDJSON instead of text"},
					&cli.DurationFlag{Name: "reorder", Usage: "hold logins this long (event time) to evaluate them in time order, for unsorted exports (sets impossible_travel's max_lateness, e.g. 24h)"},
				},
				Action: func(c *cli.Context) error {
					if c.NArg() == 0 {
						return usageErrorf("rules test: give at least one PATH")
					}
					opts := rulesTestOptions{
						Paths: c.Args().Slice(), Only: c.StringSlice("rule"), Input: c.String("input"),
						Format: c.String("format"), Enrich: c.Bool("enrich"), UseState: c.Bool("use-state"), JSON: c.Bool("json"),
						Reorder: c.Duration("reorder"),
					}
					if opts.Reorder < 0 {
						return usageErrorf("rules test: --reorder must not be negative")
					}
					for _, n := range opts.Only {
						if _, ok := rules.Lookup(n); !ok {
							return usageErrorf("rules test: --rule %q is not a rule; rules are: %s", n, strings.Join(rules.Names(), ", "))
						}
					}
					switch opts.Input {
					case "auto", "ecs", "logs":
					default:
						return usageErrorf("rules test: --input %q: use ecs, logs or auto", opts.Input)
					}
					cfg, e, err := setup(c, nil)
					if err != nil {
						return err
					}
					return runRulesTest(c.Context, cfg, e, opts)
				},
			},
		},
	}
}

// runRulesList prints the registered rules as configured.
func runRulesList(cfg *Config, w io.Writer, params bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tENABLED\tSEVERITY\tSUPPRESSION\tCATEGORY\tID\tDESCRIPTION")
	for _, d := range rules.Definitions() {
		rc := cfg.Rules.Rules[d.Name]
		en, sup, sev := d.Enabled, d.Suppression, d.Severity.String()
		if rc.Enabled != nil {
			en = *rc.Enabled
		}
		if rc.Suppression != nil {
			sup = *rc.Suppression
		}
		if rc.Severity != "" {
			sev = rc.Severity + " (forced)"
		}
		fmt.Fprintf(tw, "%s\t%v\t%s\t%s\t%s\t%s\t%s\n", d.Name, en, sev, sup, d.Category, d.ID, d.Description)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !params {
		return nil
	}
	for _, d := range rules.Definitions() {
		out, err := yaml.Marshal(map[string]any{d.Name: cfg.Rules.Rules[d.Name]})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n%s", out)
	}
	return nil
}

// runRulesValidate builds the engine from the configuration without touching the state file.
func runRulesValidate(cfg *Config, e *env) error {
	rc := cfg.Rules
	statePath := rc.State.Path
	rc.State.Path = ""
	eng, err := rules.New(rc, e.log)
	if err != nil {
		return usageError(err)
	}
	defer eng.Close()
	fmt.Fprintf(e.stdout, "rules configuration is valid: %d of %d rules enabled (%s)\n",
		len(eng.Enabled()), len(rules.Names()), strings.Join(eng.Enabled(), ", "))
	fmt.Fprintf(e.stdout, "watched countries: %s\n", strings.Join(rc.WatchedCountries, ", "))
	if rc.Roster != "" {
		r, err := rules.LoadRoster(rc.Roster)
		if err != nil {
			return usageError(err)
		}
		fmt.Fprintf(e.stdout, "roster: %s (%d people)\n", rc.Roster, r.Len())
	} else {
		fmt.Fprintln(e.stdout, "roster: none (claimed_location is quiet; off_hours uses the GeoIP timezone)")
	}
	switch {
	case statePath == "":
		fmt.Fprintln(e.stdout, "state: in memory (set rules.state.path to remember baselines between runs)")
	default:
		if fi, err := os.Stat(statePath); err == nil {
			fmt.Fprintf(e.stdout, "state: %s (%d bytes)\n", statePath, fi.Size())
		} else {
			fmt.Fprintf(e.stdout, "state: %s (created on first run)\n", statePath)
		}
	}
	return nil
}

type rulesTestOptions struct {
	Paths    []string
	Only     []string
	Input    string // ecs | logs | auto
	Format   string
	Enrich   bool
	UseState bool
	JSON     bool
	Reorder  time.Duration // impossible_travel max_lateness for this run; 0 keeps the configured one
}

// alertCollector is a sink that keeps the alerts and counts the events.
type alertCollector struct {
	mu     sync.Mutex
	alerts []*borderwatch.Event
	events int
}

func (a *alertCollector) Publish(_ context.Context, evs []*borderwatch.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ev := range evs {
		if ev.Event.Kind == borderwatch.KindAlert {
			a.alerts = append(a.alerts, ev)
		} else {
			a.events++
		}
	}
	return nil
}

func (a *alertCollector) Close(context.Context) error { return nil }

// runRulesTest runs the rules over files and reports the alerts and why they fired.
func runRulesTest(ctx context.Context, cfg *Config, e *env, o rulesTestOptions) error {
	rc := cfg.Rules
	if !o.UseState {
		rc.State.Path = ""
	}
	rc.Rules = make(map[string]rules.RuleConfig, len(cfg.Rules.Rules))
	for n, r := range cfg.Rules.Rules {
		rc.Rules[n] = r
	}
	if o.Reorder > 0 {
		it := rc.Rules["impossible_travel"]
		params := make(map[string]any, len(it.Settings)+1)
		for k, v := range it.Settings {
			params[k] = v
		}
		params["max_lateness"] = o.Reorder.String()
		it.Settings = params
		rc.Rules["impossible_travel"] = it
	}
	if len(o.Only) > 0 {
		for _, n := range rules.Names() {
			r := rc.Rules[n]
			en := false
			for _, o := range o.Only {
				en = en || o == n
			}
			r.Enabled = &en
			rc.Rules[n] = r
		}
	}
	eng, err := rules.New(rc, e.log.With("component", "rules"))
	if err != nil {
		return usageError(err)
	}
	defer eng.Close()

	ecs := o.Input == "ecs"
	if o.Input == "auto" {
		ecs = sniffECS(o.Paths[0])
	}
	var src borderwatch.Source
	if ecs {
		src = &replay.Source{Paths: o.Paths}
	} else {
		s, err := logs.NewSource(logs.SourceConfig{Paths: o.Paths, Format: o.Format, Logger: e.log.With("component", "logs")})
		if err != nil {
			return usageError(fmt.Errorf("rules test: %w", err))
		}
		src = s
	}
	var enrichers []borderwatch.Enricher
	if !ecs || o.Enrich {
		// The configured enrichment, without a second rules engine or state file.
		ec := *cfg
		ec.Rules.State.Path = ""
		ec.Rules.Rules = map[string]rules.RuleConfig{}
		for _, n := range rules.Names() {
			off := false
			ec.Rules.Rules[n] = rules.RuleConfig{Enabled: &off}
		}
		st := &stages{}
		if err := buildEnrichRules(&ec, e, st); err != nil {
			return err
		}
		defer st.close()
		enrichers = st.enrichers
	}
	col := &alertCollector{}
	p := &borderwatch.Pipeline{
		Sources: []borderwatch.Source{src}, Enrichers: enrichers, Rules: []borderwatch.Rule{eng},
		Sinks: []borderwatch.Sink{col}, Logger: e.log.With("component", "pipeline"),
		QueueSize: cfg.Pipeline.QueueSize, BatchSize: cfg.Pipeline.BatchSize,
	}
	if err := p.Run(ctx); err != nil {
		return err
	}
	if err := eng.Close(); err != nil {
		return err
	}
	rules.SortAlerts(col.alerts)
	if o.JSON {
		enc := json.NewEncoder(e.stdout)
		for _, a := range col.alerts {
			if err := enc.Encode(a); err != nil {
				return err
			}
		}
	} else {
		printAlerts(e.stdout, col.alerts)
	}
	snap := p.Stats.Snapshot()
	fmt.Fprintf(e.stderr, "\n%d events read, %d rejected, %d alerts\n", snap.Read, snap.Rejected, len(col.alerts))
	printRuleStats(e.stderr, eng.Stats())
	if snap.Rejected > 0 {
		return &exitError{code: exitBadInput, err: fmt.Errorf("%d input records were rejected", snap.Rejected)}
	}
	return nil
}

func sniffECS(path string) bool {
	if path == "-" {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, buf)
	buf = buf[:n]
	if len(buf) > 2 && buf[0] == 0x1f && buf[1] == 0x8b {
		return strings.Contains(path, ".ndjson") || strings.Contains(path, ".jsonl")
	}
	return replay.LooksLikeECS(buf)
}

func printAlerts(w io.Writer, alerts []*borderwatch.Event) {
	for _, a := range alerts {
		al := a.Borderwatch.Alert
		fmt.Fprintf(w, "%s  %-8s  %-18s  key=%s", a.Timestamp.Format(time.RFC3339), al.Severity, a.Rule.Name, al.Key)
		if al.Count > 1 {
			fmt.Fprintf(w, "  count=%d (%s .. %s)", al.Count, al.FirstSeen.Format(time.RFC3339), al.LastSeen.Format(time.RFC3339))
		}
		fmt.Fprintf(w, "\n    %s\n", a.Message)
		for _, r := range al.Reasons {
			fmt.Fprintf(w, "    why: %s\n", r)
		}
		if len(al.Matched) > 0 {
			fmt.Fprintf(w, "    matched: %s\n", strings.Join(al.Matched, ", "))
		}
		refs := al.Refs
		more := ""
		if len(refs) > 5 {
			more = fmt.Sprintf(" (+%d more)", len(refs)-5)
			refs = refs[:5]
		}
		fmt.Fprintf(w, "    events: %s%s\n", strings.Join(refs, ", "), more)
	}
}

func printRuleStats(w io.Writer, stats map[string]rules.RuleStats) {
	names := make([]string, 0, len(stats))
	for n := range stats {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "RULE\tFINDINGS\tALERTS\tALLOWLISTED\tBELOW_MIN\tSUPPRESSED\tSTATE\tEVICTED\tEXPIRED\t")
	for _, n := range names {
		s := stats[n]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", n, s.Findings, s.Alerts, s.Allowlisted, s.BelowMin, s.Suppressed,
			s.State.Entries, s.State.Evicted, s.State.Expired)
	}
	tw.Flush()
}
