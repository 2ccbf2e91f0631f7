package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/borderwatch/borderwatch/enrich/iprange"
)

func rangesCommand() *cli.Command {
	return &cli.Command{
		Name:  "ranges",
		Usage: "manage the IP range lists (VPN, proxy, Tor, hosting, cloud, corporate, custom)",
		Subcommands: []*cli.Command{
			{
				Name:      "fetch",
				Usage:     "download the configured lists that have a url to their path",
				ArgsUsage: "[LIST...]",
				Description: `Downloads each list of enrich.ranges.lists that has a url (or only the named ones) with
a conditional request (ETag / If-Modified-Since), checks that the download parses in the list's
format, and replaces the file atomically. A running sensor picks the new file up at its next
reload check. A failed download keeps the previous file; the exit status is 1 if any failed.

Example (cron):
   17 */6 * * *  borderwatch --config /etc/borderwatch.yaml ranges fetch`,
				Action: func(c *cli.Context) error {
					cfg, e, err := setup(c, nil)
					if err != nil {
						return err
					}
					return runRangesFetch(c.Context, cfg, e, c.Args().Slice())
				},
			},
			{
				Name:  "list",
				Usage: "load the configured lists and print what each gave",
				Action: func(c *cli.Context) error {
					cfg, e, err := setup(c, nil)
					if err != nil {
						return err
					}
					return runRangesList(cfg, e)
				},
			},
		},
	}
}

// runRangesFetch downloads the lists named in only (all with a url when empty).
func runRangesFetch(ctx context.Context, cfg *Config, e *env, only []string) error {
	lists := cfg.Enrich.Ranges.Lists
	for _, name := range only {
		if !slices.ContainsFunc(lists, func(l iprange.ListConfig) bool { return l.Name == name }) {
			return usageErrorf("ranges fetch: no list named %q in enrich.ranges.lists", name)
		}
	}
	if len(only) > 0 {
		lists = slices.DeleteFunc(slices.Clone(lists), func(l iprange.ListConfig) bool { return !slices.Contains(only, l.Name) })
	}
	f := &iprange.Fetcher{Config: cfg.Enrich.Ranges.Fetch}
	failed := 0
	withURL := 0
	for _, r := range f.FetchAll(ctx, lists) {
		switch r.Status {
		case iprange.FetchNoURL:
			continue
		case iprange.FetchUpdated:
			fmt.Fprintf(e.stdout, "%-24s updated       %s (%d bytes, %d prefixes, %d ASNs, %d bad lines)\n", r.List, r.Path, r.Bytes, r.Prefixes, r.ASNs, r.Bad)
		case iprange.FetchNotModified:
			fmt.Fprintf(e.stdout, "%-24s not modified  %s\n", r.List, r.Path)
		case iprange.FetchFailed:
			failed++
			fmt.Fprintf(e.stdout, "%-24s FAILED        %v\n", r.List, r.Err)
		}
		withURL++
	}
	if withURL == 0 {
		fmt.Fprintln(e.stdout, "no list in enrich.ranges.lists has a url")
	}
	if failed > 0 {
		return fmt.Errorf("ranges fetch: %d of %d downloads failed; the previous files are kept", failed, withURL)
	}
	return nil
}

// runRangesList loads every list and prints its counts.
func runRangesList(cfg *Config, e *env) error {
	l, err := iprange.NewLoader(cfg.Enrich.Ranges, e.log.With("component", "ranges"))
	if err != nil {
		return usageError(err)
	}
	lists := l.Table().Lists()
	if len(lists) == 0 {
		fmt.Fprintln(e.stdout, "no range lists configured (enrich.ranges.lists)")
		return nil
	}
	fmt.Fprintf(e.stdout, "%-24s %-18s %-12s %-8s %8s %8s %6s %5s  %s\n", "LIST", "CATEGORY", "PROVIDER", "FORMAT", "IPV4", "IPV6", "ASNS", "BAD", "PATH")
	for _, li := range lists {
		c := li.Config
		status := c.Path
		if li.Err != "" {
			status += "  (" + strings.TrimSpace(li.Err) + ")"
		}
		fmt.Fprintf(e.stdout, "%-24s %-18s %-12s %-8s %8d %8d %6d %5d  %s\n", c.Name, c.Category, c.Provider, li.Format, li.Prefixes4, li.Prefixes6, li.ASNs, li.Bad, status)
	}
	fmt.Fprintf(e.stdout, "%d distinct prefixes in the table\n", l.Table().Size())
	return nil
}
