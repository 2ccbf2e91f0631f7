package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/borderwatch/borderwatch/internal/config"
)

// globalFlags apply to every command.
func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Aliases: []string{"c"}, EnvVars: []string{"BORDERWATCH_CONFIG"},
			Usage: "YAML configuration `FILE` (see `borderwatch config dump` for every key and its default)"},
		&cli.StringFlag{Name: "log-level", Value: "info", EnvVars: []string{"BORDERWATCH_LOG_LEVEL"},
			Usage: "diagnostic log level on stderr: debug, info, warn or error"},
		&cli.StringFlag{Name: "log-format", Value: "text", EnvVars: []string{"BORDERWATCH_LOG_FORMAT"},
			Usage: "diagnostic log format on stderr: text or json"},
	}
}

// outputFlags are shared by the commands that run the pipeline (logs, capture, audit).
func outputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "output", Aliases: []string{"o"},
			Usage: "where alerts and events go: pretty (alert summary on stdout), ndjson (ECS, one document per line), elasticsearch; repeat or comma-separate for several"},
		&cli.StringFlag{Name: "output-file", Usage: "write ndjson to `FILE` (appended) instead of stdout"},
		&cli.BoolFlag{Name: "alerts-only", Usage: "ndjson: write alerts only, not every event"},
		&cli.StringFlag{Name: "dead-letter", Usage: "keep rejected input records in `FILE` (JSON lines with file:line, reason and the raw record)"},
	}
}

// env holds the process-level dependencies a command needs, so that tests can run commands
// in-process with their own streams.
type env struct {
	stdout, stderr io.Writer
	log            *slog.Logger
	configPath     string // the --config file, re-read on SIGHUP ("" = none)
}

// setup loads the configuration (defaults → file → environment → the flags the command
// applies) and builds the logger. Configuration problems are usage errors (exit code 2).
func setup(c *cli.Context, applyFlags func(*Config) error) (*Config, *env, error) {
	log, err := newLogger(c.App.ErrWriter, c.String("log-level"), c.String("log-format"))
	if err != nil {
		return nil, nil, usageError(err)
	}
	cfg, err := loadConfig(c.String("config"))
	if err != nil {
		return nil, nil, usageError(err)
	}
	applyOutputFlags(c, &cfg)
	if applyFlags != nil {
		if err := applyFlags(&cfg); err != nil {
			return nil, nil, usageError(err)
		}
	}
	if err := config.Validate(&cfg); err != nil {
		return nil, nil, usageError(err)
	}
	return &cfg, &env{stdout: c.App.Writer, stderr: c.App.ErrWriter, log: log, configPath: c.String("config")}, nil
}

// loadConfig layers the defaults, the file at path (if any) and the BORDERWATCH_* environment.
func loadConfig(path string) (Config, error) {
	cfg := defaultConfig()
	if path != "" {
		if err := config.LoadFile(path, &cfg); err != nil {
			return cfg, err
		}
	}
	if err := config.ApplyEnv("BORDERWATCH", &cfg, os.Environ()); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func applyOutputFlags(c *cli.Context, cfg *Config) {
	if c.IsSet("output") {
		var sinks []string
		for _, v := range c.StringSlice("output") {
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					sinks = append(sinks, s)
				}
			}
		}
		cfg.Output.Sinks = sinks
	}
	if c.IsSet("output-file") {
		cfg.Output.File = c.String("output-file")
		// --output-file alone implies ndjson, the only file format.
		if !c.IsSet("output") {
			cfg.Output.Sinks = []string{"ndjson"}
		}
	}
	if c.IsSet("alerts-only") {
		cfg.Output.AlertsOnly = c.Bool("alerts-only")
	}
	if c.IsSet("dead-letter") {
		cfg.Output.DeadLetter = c.String("dead-letter")
	}
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}

// isUsageError recognizes the parse errors urfave/cli returns as plain errors.
func isUsageError(err error) bool {
	msg := err.Error()
	for _, s := range []string{"flag provided but not defined", "invalid value", "Required flag", "No help topic", "flag needs an argument"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
