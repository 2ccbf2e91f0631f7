package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/enrich"
)

func lookupCommand() *cli.Command {
	return &cli.Command{
		Name:      "lookup",
		Usage:     "print everything enrichment knows about IP addresses",
		ArgsUsage: "IP... (- reads addresses from stdin)",
		Description: `Looks each address up the way events are enriched: GeoIP location with accuracy radius,
ASN, Anonymous-IP flags, every range list that contains it (name, category, provider),
whether it is internal, and the allowlists that name it.

Examples:
   borderwatch lookup 89.238.128.10 2600:1700::10
   borderwatch --config borderwatch.yaml lookup --json 175.45.176.10 | jq .geo
   cut -d' ' -f1 access.log | sort -u | borderwatch lookup --json -`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object per address"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageErrorf("lookup: give at least one IP address")
			}
			addrs, err := lookupArgs(c.Args().Slice(), c.App.Reader)
			if err != nil {
				return usageError(err)
			}
			cfg, e, err := setup(c, nil)
			if err != nil {
				return err
			}
			return runLookup(c.Context, cfg, e, addrs, c.Bool("json"))
		},
	}
}

// lookupArgs parses the addresses to look up; "-" reads whitespace-separated addresses from
// stdin ('#' starts a comment).
func lookupArgs(args []string, stdin io.Reader) ([]netip.Addr, error) {
	var addrs []netip.Addr
	add := func(s, where string) error {
		a, err := netip.ParseAddr(strings.Trim(s, "[]"))
		if err != nil {
			return fmt.Errorf("lookup: %s%q is not an IP address", where, s)
		}
		addrs = append(addrs, a)
		return nil
	}
	for _, s := range args {
		if s != "-" {
			if err := add(s, ""); err != nil {
				return nil, err
			}
			continue
		}
		sc := bufio.NewScanner(stdin)
		for n := 1; sc.Scan(); n++ {
			line, _, _ := strings.Cut(sc.Text(), "#")
			for _, f := range strings.Fields(line) {
				if err := add(f, fmt.Sprintf("stdin:%d: ", n)); err != nil {
					return nil, err
				}
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("lookup: stdin: %w", err)
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("lookup: no address given")
	}
	return addrs, nil
}

// lookupJSON is the --json form of one answer.
type lookupJSON struct {
	*enrich.Result
	Databases []string `json:"databases,omitempty"`
}

// runLookup builds the enrichment chain from cfg and prints what it knows about addrs.
func runLookup(_ context.Context, cfg *Config, e *env, addrs []netip.Addr, asJSON bool) error {
	ch, err := enrich.New(cfg.Enrich, e.log.With("component", "enrich"))
	if err != nil {
		return usageError(fmt.Errorf("lookup: %w", err))
	}
	defer ch.Close()
	var dbs []string
	for _, s := range ch.GeoIP().Sources() {
		dbs = append(dbs, fmt.Sprintf("%s %s (%s)", s.Kind, s.DatabaseType, s.Path))
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		for _, a := range addrs {
			if err := enc.Encode(lookupJSON{Result: ch.Lookup(a), Databases: dbs}); err != nil {
				return err
			}
		}
		return nil
	}
	for i, a := range addrs {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		printLookup(e.stdout, ch.Lookup(a))
	}
	fmt.Fprintln(e.stdout)
	switch {
	case len(dbs) == 0:
		fmt.Fprintln(e.stdout, "GeoIP: none in use: set enrich.geoip.city and enrich.geoip.asn")
	case ch.GeoIP().Demo():
		fmt.Fprintln(e.stdout, "GeoIP: bundled demo data, which knows only the demo's addresses; set enrich.geoip.city and enrich.geoip.asn for real databases")
	default:
		for _, s := range ch.GeoIP().Sources() {
			fmt.Fprintf(e.stdout, "GeoIP %s: %s, %s (built %s)\n", s.Kind, s.DatabaseType, s.Path, s.BuildTime.Format(time.DateOnly))
		}
	}
	if n := len(ch.Lists()); n > 0 {
		fmt.Fprintf(e.stdout, "range lists: %d (borderwatch ranges list shows them)\n", n)
	}
	return nil
}

func printLookup(w io.Writer, r *enrich.Result) {
	fmt.Fprintln(w, r.IP)
	row := func(k, v string) { fmt.Fprintf(w, "  %-12s %s\n", k, v) }
	if !r.Public {
		row("scope", "not public (private, reserved or documentation): not looked up in GeoIP")
	}
	row("location", describeGeo(r.Geo, r.RegisteredCountry))
	if r.GeoNetwork.IsValid() {
		row("geo network", r.GeoNetwork.String())
	}
	if r.AS != nil {
		as := fmt.Sprintf("AS%d", r.AS.Number)
		if r.AS.Organization.Name != "" {
			as += " " + r.AS.Organization.Name
		}
		row("as", as)
	} else {
		row("as", "unknown")
	}
	in := r.Intel
	if in == nil {
		in = &borderwatch.Intel{}
	}
	if len(in.Anonymous) > 0 {
		row("anonymous", strings.Join(in.Anonymous, ", "))
	}
	if len(in.Lists) == 0 {
		row("lists", "none")
	}
	for i, l := range in.Lists {
		k := ""
		if i == 0 {
			k = "lists"
		}
		v := fmt.Sprintf("%s (%s", l.Name, l.Category)
		if l.Provider != "" {
			v += ", " + l.Provider
		}
		row(k, v+")")
	}
	if len(in.Categories) > 0 {
		row("categories", strings.Join(in.Categories, ", "))
	}
	row("direction", r.Direction)
	if len(in.Allowlisted) > 0 {
		row("allowlisted", strings.Join(in.Allowlisted, ", "))
	}
	if r.Err != "" {
		row("error", r.Err)
	}
}

func describeGeo(g *borderwatch.Geo, registered string) string {
	if g == nil {
		if registered != "" {
			return "unknown (registered to " + registered + ")"
		}
		return "unknown"
	}
	var parts []string
	for _, s := range []string{g.CityName, g.RegionName, g.CountryName} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	s := strings.Join(parts, ", ")
	if g.CountryISOCode != "" {
		s += " (" + g.CountryISOCode + ")"
	}
	if g.Location != nil {
		s += fmt.Sprintf("  %.4f, %.4f", g.Location.Lat, g.Location.Lon)
		if g.AccuracyRadius > 0 {
			s += fmt.Sprintf(" ±%d km", g.AccuracyRadius)
		}
	}
	if g.CountryOnly {
		s += "  [country only]"
	}
	if g.Timezone != "" {
		s += "  " + g.Timezone
	}
	return strings.TrimSpace(s)
}
