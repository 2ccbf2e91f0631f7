package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the terminal summary: totals, alerts per rule and severity, top users and
// top countries, and what the collector's bounds left out.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	p := func(format string, args ...any) { fmt.Fprintf(ew, format, args...) }
	p("%s\n", r.Title)
	if !r.Since.IsZero() || !r.Until.IsZero() {
		p("window     %s .. %s\n", fmtTime(r.Since), fmtTime(r.Until))
	}
	if !r.Totals.First.IsZero() {
		p("seen       %s .. %s\n", fmtTime(r.Totals.First), fmtTime(r.Totals.Last))
	}
	t := r.Totals
	p("events     %d (authentication %d, failed %d; network %d)\n", t.Events, t.Authentication, t.Failures, t.Network)
	p("users      %d (%d alerted)   countries %d\n", t.Users, t.AlertedUsers, t.Countries)
	var sev []string
	for i := len(Severities) - 1; i >= 0; i-- {
		sev = append(sev, fmt.Sprintf("%s %d", Severities[i], r.BySeverity[Severities[i]]))
	}
	p("alerts     %d (%s)\n", t.Alerts, strings.Join(sev, ", "))
	if s := r.Pipeline; s != nil && (s.Rejected > 0 || s.Dropped > 0 || s.RuleErrors > 0 || s.EnrichErrors > 0 || s.SinkErrors > 0) {
		p("problems   rejected %d, dropped %d, enrich errors %d, rule errors %d, sink errors %d\n",
			s.Rejected, s.Dropped, s.EnrichErrors, s.RuleErrors, s.SinkErrors)
	}

	if len(r.Rules) > 0 {
		p("\nAlerts by rule\n")
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  RULE\tTOTAL\tCRITICAL\tHIGH\tMEDIUM\tLOW\n")
		for _, rc := range r.Rules {
			name := rc.ID
			if name == "" {
				name = "(no rule id)"
			}
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t%d\n", name, rc.Total, rc.BySeverity["critical"], rc.BySeverity["high"],
				rc.BySeverity["medium"], rc.BySeverity["low"])
		}
		tw.Flush()
	}
	if len(r.TopUsers) > 0 {
		p("\nTop users\n")
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  USER\tALERTS\tMAX\tEVENTS\tFAILED\tIPS\tCOUNTRIES\n")
		for _, u := range r.TopUsers {
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%d\t%d\t%d\t%s\n", u.Name, u.Alerts, dash(u.Severity), u.Events, u.Failures, u.IPs,
				dash(strings.Join(u.Countries, " ")))
		}
		tw.Flush()
	}
	if len(r.TopCountries) > 0 {
		p("\nTop countries\n")
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  COUNTRY\tEVENTS\tUSERS\tALERTS\t\n")
		for _, c := range r.TopCountries {
			mark := ""
			if c.Watched {
				mark = "watched"
			}
			fmt.Fprintf(tw, "  %s %s\t%d\t%d\t%d\t%s\n", c.ISO, c.Name, c.Events, c.Users, c.Alerts, mark)
		}
		tw.Flush()
	}
	if n := len(r.Alerts); n > 0 {
		shown := min(n, 10)
		p("\nTop alerts (showing %d of %d)\n", shown, t.Alerts)
		for _, a := range r.Alerts[:shown] {
			p("  %-8s %s %s %s\n", a.Severity, a.Time.Format(time.RFC3339), a.RuleID, a.Message)
		}
	}
	if len(r.Dropped) > 0 {
		var parts []string
		for _, k := range sortedKeys(r.Dropped) {
			parts = append(parts, fmt.Sprintf("%s %d", k, r.Dropped[k]))
		}
		p("\nleft out by report bounds: %s\n", strings.Join(parts, ", "))
	}
	return ew.err
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
