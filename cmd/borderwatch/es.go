package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/sink/elasticsearch"
)

func esCommand() *cli.Command {
	return &cli.Command{
		Name:  "es",
		Usage: "prepare and inspect the Elasticsearch cluster borderwatch writes to",
		Subcommands: []*cli.Command{
			{
				Name:  "setup",
				Usage: "install the ILM policy, component templates and index templates (idempotent)",
				Description: `Installs what the elasticsearch output writes into: an ILM policy (rollover and deletion
after elasticsearch.index.ilm.delete_after, where the cluster has ILM), component templates
with the ECS mappings and index settings, one composable index template per kind
(<prefix>-sessions-*, <prefix>-auth-*, <prefix>-alerts-*) and one for the dead-letter index.
Each object is written only when it is missing or differs; every step is reported as created,
updated, unchanged, kept (differs, elasticsearch.setup.overwrite is off) or skipped. A cluster
without ILM gets a warning, not a failure. The output also runs this at start unless
elasticsearch.setup.on_start is false.

Connection settings come from the elasticsearch section of the configuration and from
BORDERWATCH_ELASTICSEARCH_* variables (e.g. BORDERWATCH_ELASTICSEARCH_PASSWORD=file:/run/secrets/es).`,
				Flags: []cli.Flag{
					&cli.StringSliceFlag{Name: "url", Usage: "Elasticsearch node `URL` (repeatable); overrides elasticsearch.urls"},
					&cli.BoolFlag{Name: "insecure", Usage: "do not verify the server's TLS certificate (logs a warning; for tests only)"},
				},
				Action: func(c *cli.Context) error {
					cfg, e, err := setup(c, func(cfg *Config) error {
						if c.IsSet("url") {
							cfg.Elasticsearch.URLs, cfg.Elasticsearch.CloudID = c.StringSlice("url"), ""
						}
						if c.IsSet("insecure") {
							cfg.Elasticsearch.TLS.InsecureSkipVerify = c.Bool("insecure")
						}
						return nil
					})
					if err != nil {
						return err
					}
					return runESSetup(c.Context, cfg, e)
				},
			},
		},
	}
}

// runESSetup installs the templates and policy and prints one line per step.
func runESSetup(ctx context.Context, cfg *Config, e *env) error {
	log := e.log.With("component", "elasticsearch")
	client, err := elasticsearch.NewClient(cfg.Elasticsearch, log)
	if err != nil {
		return usageError(err)
	}
	steps, err := elasticsearch.Setup(ctx, client, cfg.Elasticsearch, log)
	for _, st := range steps {
		fmt.Fprintln(e.stdout, st)
	}
	if err != nil {
		return &exitError{code: exitRuntime, err: fmt.Errorf("es setup: %w", err)}
	}
	counts := map[string]int{}
	for _, st := range steps {
		counts[st.Result]++
	}
	fmt.Fprintf(e.stdout, "es setup: %d created, %d updated, %d unchanged", counts[elasticsearch.Created], counts[elasticsearch.Updated], counts[elasticsearch.Unchanged])
	if n := counts[elasticsearch.Kept]; n > 0 {
		fmt.Fprintf(e.stdout, ", %d kept (different, overwrite off)", n)
	}
	if n := counts[elasticsearch.Skipped]; n > 0 {
		fmt.Fprintf(e.stdout, ", %d skipped (cluster without ILM)", n)
	}
	fmt.Fprintln(e.stdout)
	return nil
}

// newESSink opens the Elasticsearch output (running setup first unless disabled).
func newESSink(ctx context.Context, cfg *Config, e *env) (borderwatch.Sink, error) {
	s, err := elasticsearch.New(ctx, cfg.Elasticsearch, e.log.With("component", "elasticsearch"))
	if err != nil {
		return nil, fmt.Errorf("output elasticsearch: %w", err)
	}
	return s, nil
}

// esAuditSource reads the authentication events of [since, until) back from Elasticsearch in
// time order, so that audit judges the events of every sensor together, and rules that compare
// users (many accounts behind one address) see them as they happened.
func esAuditSource(cfg *Config, e *env, since, until time.Time) (borderwatch.Source, error) {
	log := e.log.With("component", "elasticsearch-reader")
	client, err := elasticsearch.NewClient(cfg.Elasticsearch, log)
	if err != nil {
		return nil, fmt.Errorf("audit: --from-elasticsearch: %w", err)
	}
	q := elasticsearch.Query{Since: since, Until: until, Order: elasticsearch.OrderTime}
	return elasticsearch.NewReader(client, cfg.Elasticsearch, q, log), nil
}
