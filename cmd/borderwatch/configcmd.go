package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/borderwatch/borderwatch/internal/config"
)

func configCommand() *cli.Command {
	return &cli.Command{
		Name:  "config",
		Usage: "show or check the effective configuration",
		Subcommands: []*cli.Command{
			{
				Name:  "dump",
				Usage: "print the effective configuration (defaults, file, BORDERWATCH_* environment) as YAML, secrets redacted",
				Action: func(c *cli.Context) error {
					cfg, e, err := setup(c, nil)
					if err != nil {
						return err
					}
					out, err := config.Dump(cfg)
					if err != nil {
						return fmt.Errorf("config dump: %w", err)
					}
					_, err = e.stdout.Write(out)
					return err
				},
			},
			{
				Name:  "validate",
				Usage: "check the configuration and exit 0 if it is valid, 2 otherwise",
				Action: func(c *cli.Context) error {
					_, e, err := setup(c, nil)
					if err != nil {
						return err
					}
					fmt.Fprintln(e.stdout, "configuration is valid")
					return nil
				},
			},
		},
	}
}
