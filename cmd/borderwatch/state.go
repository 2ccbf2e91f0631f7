package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/borderwatch/borderwatch/rules"
	"github.com/borderwatch/borderwatch/rules/state"
)

func stateCommand() *cli.Command {
	pathFlag := &cli.StringFlag{Name: "state", Usage: "state file `PATH` (default: rules.state.path from the configuration)"}
	return &cli.Command{
		Name:  "state",
		Usage: "inspect or reset the rules' persisted baselines",
		Subcommands: []*cli.Command{
			{
				Name:      "inspect",
				Usage:     "list the buckets of the state file, or the entries of one",
				ArgsUsage: "[BUCKET]",
				Flags: []cli.Flag{pathFlag,
					&cli.IntFlag{Name: "limit", Value: 20, Usage: "entries to print per bucket (0 = all)"},
					&cli.StringFlag{Name: "key", Usage: "print only the entry `KEY` (a user, an address, ...)"},
				},
				Action: func(c *cli.Context) error {
					cfg, e, err := setup(c, nil)
					if err != nil {
						return err
					}
					path, err := statePath(c, cfg)
					if err != nil {
						return err
					}
					return runStateInspect(path, c.Args().First(), c.String("key"), c.Int("limit"), e.stdout)
				},
			},
			{
				Name:      "reset",
				Usage:     "delete the baselines of the named rules, or of all rules with --all",
				ArgsUsage: "[RULE...]",
				Flags:     []cli.Flag{pathFlag, &cli.BoolFlag{Name: "all", Usage: "delete every rule's state"}},
				Action: func(c *cli.Context) error {
					cfg, e, err := setup(c, nil)
					if err != nil {
						return err
					}
					path, err := statePath(c, cfg)
					if err != nil {
						return err
					}
					if c.Bool("all") == (c.NArg() > 0) {
						return usageErrorf("state reset: name the rules to reset, or give --all")
					}
					return runStateReset(path, c.Args().Slice(), cfg.Rules.State.LockTimeout, e.stdout)
				},
			},
		},
	}
}

func statePath(c *cli.Context, cfg *Config) (string, error) {
	if p := c.String("state"); p != "" {
		return p, nil
	}
	if cfg.Rules.State.Path == "" {
		return "", usageErrorf("no state file: set rules.state.path in the configuration or give --state PATH")
	}
	return cfg.Rules.State.Path, nil
}

// runStateInspect prints the buckets of the state file, or the entries of one bucket.
func runStateInspect(path, bucket, key string, limit int, w io.Writer) error {
	st, err := state.Open(path, state.Options{ReadOnly: true, LockTimeout: time.Second})
	if err != nil {
		return err
	}
	defer st.Close()
	if bucket == "" {
		bs, err := st.Buckets()
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "BUCKET\tENTRIES\tBYTES\tSAVED AT (EVENT TIME)\n")
		for _, b := range bs {
			saved := "-"
			if !b.Saved.IsZero() {
				saved = b.Saved.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", b.Name, b.Entries, b.Bytes, saved)
		}
		return tw.Flush()
	}
	n := 0
	errStop := errors.New("stop")
	err = st.Each(bucket, func(k string, v []byte, exp time.Time) error {
		if key != "" && k != key {
			return nil
		}
		if limit > 0 && n >= limit {
			return errStop
		}
		n++
		e := "never"
		if !exp.IsZero() {
			e = exp.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\texpires %s\n  %s\n", k, e, v)
		return nil
	})
	if errors.Is(err, errStop) {
		fmt.Fprintf(w, "(first %d entries; --limit 0 prints all)\n", limit)
		return nil
	}
	if err == nil && n == 0 && key != "" {
		return fmt.Errorf("state %s: bucket %s has no key %q", path, bucket, key)
	}
	return err
}

// runStateReset deletes the named buckets (all when names is empty). It needs the file's lock:
// it fails clearly while a borderwatch run holds the file.
func runStateReset(path string, names []string, lock time.Duration, w io.Writer) error {
	for _, n := range names {
		if _, ok := rules.Lookup(n); !ok {
			return usageErrorf("state reset: %q is not a rule", n)
		}
	}
	st, err := state.Open(path, state.Options{LockTimeout: lock})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Reset(names...); err != nil {
		return err
	}
	if len(names) == 0 {
		fmt.Fprintf(w, "state %s: every rule's baselines deleted\n", path)
	} else {
		fmt.Fprintf(w, "state %s: baselines of %v deleted\n", path, names)
	}
	return nil
}
