package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
	_ "github.com/borderwatch/borderwatch/logs/all" // every log format
)

func logsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "read VPN and SSO logs, enrich them and raise alerts",
		ArgsUsage: "PATH...",
		Description: `Reads log files, globs, directories, gzip files, or - for stdin. The format of each file is
detected from its content unless --format names it. Records that cannot be parsed are
counted, reported with file:line and kept with --dead-letter.

Examples:
   borderwatch logs /var/log/okta/*.json.gz
   borderwatch logs --format asa --output ndjson --output-file alerts.ndjson asa.log
   cat okta.json | borderwatch logs --format okta -`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"},
				Usage: "parse every input as `FORMAT` instead of detecting it; one of: " + formatNames()},
			&cli.BoolFlag{Name: "follow", Aliases: []string{"F"},
				Usage: "keep reading files as they grow, rotate and appear (like tail -F) until interrupted"},
			&cli.StringSliceFlag{Name: "listen",
				Usage: "receive syslog on `ADDR` (udp://127.0.0.1:5514, tcp://0.0.0.0:6514); repeatable"},
			&cli.StringFlag{Name: "state-dir",
				Usage: "keep read offsets in `DIR` so that a restart neither loses nor repeats lines"},
			&cli.StringFlag{Name: "timezone",
				Usage: "read time stamps without a zone in `ZONE` (IANA name, default UTC)"},
			&cli.IntFlag{Name: "year", DefaultText: "from the file's date",
				Usage: "`YEAR` of syslog stamps without one"},
			&cli.IntFlag{Name: "max-line", DefaultText: "1048576",
				Usage: "reject records longer than `BYTES`"},
		}, outputFlags()...),
		Action: func(c *cli.Context) error {
			format := c.String("format")
			if format != "" {
				if _, ok := logs.Lookup(format); !ok {
					return usageErrorf("logs: --format %q is not known; use one of: %s", format, formatNames())
				}
			}
			cfg, e, err := setup(c, func(cfg *Config) error { return applyLogsFlags(c, &cfg.Logs) })
			if err != nil {
				return err
			}
			if len(cfg.Logs.Paths) == 0 && len(cfg.Logs.Listen) == 0 && len(cfg.Logs.Inputs) == 0 {
				return usageErrorf("logs: give at least one PATH (a file, glob, directory, or - for stdin) or --listen")
			}
			return runLogs(c.Context, cfg, e, nil, "")
		},
	}
}

// runLogs reads the inputs of cfg.Logs (paths, if given, replace its paths; format, if
// given, its format) through the pipeline.
func runLogs(ctx context.Context, cfg *Config, e *env, paths []string, format string) error {
	lc := cfg.Logs
	if len(paths) > 0 {
		lc.Paths = paths
	}
	if format != "" {
		lc.Format = format
	}
	scs, err := lc.SourceConfigs(e.log.With("component", "logs"))
	if err != nil {
		return usageError(err)
	}
	var sources []borderwatch.Source
	for _, sc := range scs {
		src, err := logs.NewSource(sc)
		if err != nil {
			return usageError(fmt.Errorf("logs: %w", err))
		}
		sources = append(sources, src)
	}
	st, err := buildStages(ctx, cfg, e)
	if err != nil {
		return err
	}
	_, err = runPipeline(ctx, cfg, e, st, sources...)
	return err
}

// applyLogsFlags puts the logs command's arguments and flags (only those set) into lc.
func applyLogsFlags(c *cli.Context, lc *logs.Config) error {
	if c.NArg() > 0 {
		lc.Paths = c.Args().Slice()
	}
	if c.IsSet("format") {
		lc.Format = c.String("format")
	}
	if c.IsSet("follow") {
		lc.Follow = c.Bool("follow")
	}
	if c.IsSet("listen") {
		lc.Listen = c.StringSlice("listen")
	}
	if c.IsSet("state-dir") {
		lc.StateDir = c.String("state-dir")
	}
	if c.IsSet("timezone") {
		lc.Timezone = c.String("timezone")
	}
	if c.IsSet("year") {
		lc.Year = c.Int("year")
	}
	if c.IsSet("max-line") {
		lc.MaxLine = c.Int("max-line")
	}
	return nil
}

func formatNames() string {
	var names []string
	for _, f := range logs.Formats() {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}
