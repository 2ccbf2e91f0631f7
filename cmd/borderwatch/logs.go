package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

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
		}, outputFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageErrorf("logs: give at least one PATH (a file, glob, directory, or - for stdin)")
			}
			format := c.String("format")
			if format != "" {
				if _, ok := logs.Lookup(format); !ok {
					return usageErrorf("logs: --format %q is not known; use one of: %s", format, formatNames())
				}
			}
			cfg, e, err := setup(c, nil)
			if err != nil {
				return err
			}
			return runLogs(c.Context, cfg, e, c.Args().Slice(), format)
		},
	}
}

// runLogs reads paths through the pipeline.
func runLogs(ctx context.Context, cfg *Config, e *env, paths []string, format string) error {
	src, err := logs.NewSource(logs.SourceConfig{
		Paths:  paths,
		Format: format,
		Logger: e.log.With("component", "logs"),
	})
	if err != nil {
		return usageError(fmt.Errorf("logs: %w", err))
	}
	st, err := buildStages(ctx, cfg, e)
	if err != nil {
		return err
	}
	_, err = runPipeline(ctx, cfg, e, st, src)
	return err
}

func formatNames() string {
	var names []string
	for _, f := range logs.Formats() {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}
