// Package pretty prints alerts for a person at a terminal: one compact block per alert with
// when, how bad, which rule, who, from where, and why. Events that are not alerts are skipped.
package pretty

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/borderwatch/borderwatch"
)

// Sink writes alert summaries to w. It is not safe for concurrent use.
type Sink struct {
	w      *bufio.Writer
	alerts int
}

var _ borderwatch.Sink = (*Sink)(nil)

// New writes to w; the caller keeps owning w.
func New(w io.Writer) *Sink { return &Sink{w: bufio.NewWriter(w)} }

// Alerts returns how many alerts were printed.
func (s *Sink) Alerts() int { return s.alerts }

// Publish prints the alerts in evs.
func (s *Sink) Publish(_ context.Context, evs []*borderwatch.Event) error {
	for _, ev := range evs {
		if ev.Event.Kind != borderwatch.KindAlert {
			continue
		}
		s.alerts++
		Format(s.w, ev)
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("pretty: %w", err)
	}
	return nil
}

// CopiesEvents reports true: Publish prints alerts and keeps nothing of them.
func (s *Sink) CopiesEvents() bool { return true }

// Close flushes.
func (s *Sink) Close(context.Context) error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("pretty: %w", err)
	}
	return nil
}

// Format writes one alert block:
//
//	2026-11-20 08:14:03Z  HIGH  watched_country  alice@example.com
//	    Successful login from Russia, a watched country.
//	    from  95.24.0.10  Moscow, Russia  AS3216 PJSC "Vimpelcom"
//	    why   country RU is on the watched list (CN, RU, KP)
func Format(w io.Writer, ev *borderwatch.Event) {
	sev, rule := "", ""
	if a := ev.Borderwatch.Alert; a != nil {
		sev = strings.ToUpper(a.Severity)
	}
	if ev.Rule != nil {
		rule = ev.Rule.Name
		if rule == "" {
			rule = ev.Rule.ID
		}
	}
	who := ev.User.Email
	if who == "" {
		who = ev.User.Name
	}
	if who == "" && ev.Source.IP.IsValid() {
		who = ev.Source.IP.String()
	}
	fmt.Fprintf(w, "%s  %-8s  %s  %s\n", ev.Timestamp.UTC().Format("2006-01-02 15:04:05Z"), sev, rule, who)
	if ev.Message != "" {
		fmt.Fprintf(w, "    %s\n", ev.Message)
	}
	if ev.Source.IP.IsValid() {
		fmt.Fprintf(w, "    from  %s\n", describe(&ev.Source))
	}
	if ev.Destination.IP.IsValid() {
		fmt.Fprintf(w, "    to    %s\n", describe(&ev.Destination))
	}
	if a := ev.Borderwatch.Alert; a != nil {
		if a.Previous != nil && a.Previous.IP.IsValid() {
			fmt.Fprintf(w, "    prev  %s at %s\n", describe(a.Previous), a.PreviousTime.UTC().Format("2006-01-02 15:04:05Z"))
		}
		for _, r := range a.Reasons {
			fmt.Fprintf(w, "    why   %s\n", r)
		}
		if a.Count > 1 {
			fmt.Fprintf(w, "    seen  %d times, %s .. %s\n", a.Count,
				a.FirstSeen.UTC().Format("2006-01-02 15:04:05Z"), a.LastSeen.UTC().Format("2006-01-02 15:04:05Z"))
		}
	}
	fmt.Fprintln(w)
}

// describe renders an endpoint as "ip[:port]  domain  City, Country  ASn Org  [lists]".
func describe(e *borderwatch.Endpoint) string {
	parts := []string{e.IP.String()}
	if e.Port != 0 {
		parts[0] = fmt.Sprintf("%s port %d", e.IP, e.Port)
	}
	if e.Domain != "" {
		parts = append(parts, e.Domain)
	}
	if g := e.Geo; g != nil {
		var place []string
		if g.CityName != "" {
			place = append(place, g.CityName)
		}
		switch {
		case g.CountryName != "":
			place = append(place, g.CountryName)
		case g.CountryISOCode != "":
			place = append(place, g.CountryISOCode)
		}
		if len(place) > 0 {
			parts = append(parts, strings.Join(place, ", "))
		}
	}
	if as := e.AS; as != nil && as.Number != 0 {
		s := fmt.Sprintf("AS%d", as.Number)
		if as.Organization.Name != "" {
			s += " " + as.Organization.Name
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "  ")
}
