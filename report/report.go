package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/borderwatch/borderwatch"
)

// Severities in ascending order, as in borderwatch.alert.severity.
var Severities = []string{"low", "medium", "high", "critical"}

// SeverityRank orders severities: 0 for unknown, 1 low … 4 critical.
func SeverityRank(s string) int {
	for i, x := range Severities {
		if x == s {
			return i + 1
		}
	}
	return 0
}

// severityOf returns an alert's severity word: borderwatch.alert.severity, else derived from
// event.severity (21 low, 47 medium, 73 high, 99 critical).
func severityOf(ev *borderwatch.Event) string {
	if a := ev.Borderwatch.Alert; a != nil && SeverityRank(a.Severity) > 0 {
		return a.Severity
	}
	switch s := ev.Event.Severity; {
	case s >= 99:
		return "critical"
	case s >= 73:
		return "high"
	case s >= 47:
		return "medium"
	default:
		return "low"
	}
}

// Meta describes the run a report covers; the caller fills it.
type Meta struct {
	Title     string                     `json:"title"`
	Generated time.Time                  `json:"generated"`
	Since     time.Time                  `json:"since,omitzero"`
	Until     time.Time                  `json:"until,omitzero"`
	Inputs    []string                   `json:"inputs,omitempty"`
	Version   string                     `json:"version,omitempty"`
	FailOn    string                     `json:"fail_on,omitempty"`
	Pipeline  *borderwatch.StatsSnapshot `json:"pipeline,omitempty"`
}

// Report is a finished audit report: what WriteText, WriteJSON and WriteHTML render. Every
// list is sorted deterministically. A Report is a snapshot and is not shared with its Collector.
type Report struct {
	Meta
	Totals        Totals            `json:"totals"`
	BySeverity    map[string]int    `json:"alerts_by_severity"`
	Rules         []RuleCount       `json:"rules"`
	TopUsers      []UserCount       `json:"top_users"`
	TopCountries  []CountryCount    `json:"top_countries"`
	Alerts        []AlertRow        `json:"alerts"`
	Locations     []Location        `json:"locations"`
	Travels       []Travel          `json:"travels"`
	Timelines     []Timeline        `json:"timelines"`
	WatchedEgress []ActivityRow     `json:"watched_country_activity"`
	RemoteAccess  []SessionRow      `json:"remote_access_sessions"`
	Watched       []string          `json:"watched_countries"`
	Dropped       map[string]uint64 `json:"dropped,omitempty"` // what the collector's bounds left out, by table
}

// Totals counts everything the collector saw.
type Totals struct {
	Events         uint64    `json:"events"`
	Alerts         uint64    `json:"alerts"`
	Authentication uint64    `json:"authentication"`
	Failures       uint64    `json:"authentication_failures"`
	Network        uint64    `json:"network"`
	Users          int       `json:"users"`
	AlertedUsers   int       `json:"alerted_users"`
	Countries      int       `json:"countries"`
	First          time.Time `json:"first,omitzero"`
	Last           time.Time `json:"last,omitzero"`
}

// RuleCount is how many alerts one rule raised, per severity.
type RuleCount struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Total      int            `json:"total"`
	BySeverity map[string]int `json:"by_severity"`
}

// UserCount summarizes one user.
type UserCount struct {
	Name      string    `json:"name"`
	Events    uint64    `json:"events"`
	Failures  uint64    `json:"failures"`
	Alerts    int       `json:"alerts"`
	Severity  string    `json:"max_severity,omitempty"`
	Countries []string  `json:"countries"`
	IPs       int       `json:"distinct_ips"`
	LastSeen  time.Time `json:"last_seen"`
}

// CountryCount summarizes one country.
type CountryCount struct {
	ISO     string `json:"iso_code"`
	Name    string `json:"name,omitempty"`
	Events  uint64 `json:"events"`
	Users   int    `json:"users"`
	Alerts  int    `json:"alerts"`
	Watched bool   `json:"watched,omitempty"`
}

// AlertRow is one alert as listed in the report.
type AlertRow struct {
	ID       string    `json:"id"`
	Time     time.Time `json:"time"`
	Severity string    `json:"severity"`
	RuleID   string    `json:"rule_id"`
	RuleName string    `json:"rule_name"`
	User     string    `json:"user,omitempty"`
	SourceIP string    `json:"source_ip,omitempty"`
	Country  string    `json:"country,omitempty"`
	City     string    `json:"city,omitempty"`
	ASOrg    string    `json:"as_organization,omitempty"`
	Message  string    `json:"message"`
	Reasons  []string  `json:"reasons,omitempty"`
	Count    int       `json:"count,omitempty"`
}

// Point is a place on the map.
type Point struct {
	Lat     float64   `json:"lat"`
	Lon     float64   `json:"lon"`
	Country string    `json:"country,omitempty"`
	City    string    `json:"city,omitempty"`
	IP      string    `json:"ip,omitempty"`
	Time    time.Time `json:"time,omitzero"`
}

// Location is a map point where logins (or outbound sessions) were seen.
type Location struct {
	Point
	Kind    string   `json:"kind"` // login | egress
	Count   uint64   `json:"count"`
	Users   []string `json:"users,omitempty"` // the first few users seen there
	Alerted bool     `json:"alerted,omitempty"`
}

// Travel is an impossible- or improbable-travel alert drawn as an arc.
type Travel struct {
	AlertID    string  `json:"alert_id"`
	User       string  `json:"user"`
	Severity   string  `json:"severity"`
	From       Point   `json:"from"`
	To         Point   `json:"to"`
	DistanceKm float64 `json:"distance_km,omitempty"`
	SpeedKmh   float64 `json:"speed_kmh,omitempty"`
}

// Timeline is the recent activity of one alerted user.
type Timeline struct {
	User     string          `json:"user"`
	Alerts   int             `json:"alerts"`
	Severity string          `json:"max_severity"`
	Entries  []TimelineEntry `json:"entries"`
	Dropped  uint64          `json:"dropped,omitempty"` // older entries that did not fit
}

// TimelineEntry is one event or alert in a timeline.
type TimelineEntry struct {
	Time       time.Time `json:"time"`
	Kind       string    `json:"kind"` // event | alert
	Dataset    string    `json:"dataset,omitempty"`
	Action     string    `json:"action,omitempty"`
	Outcome    string    `json:"outcome,omitempty"`
	IP         string    `json:"ip,omitempty"`
	Country    string    `json:"country,omitempty"`
	City       string    `json:"city,omitempty"`
	ASOrg      string    `json:"as_organization,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	Rule       string    `json:"rule,omitempty"`
	Severity   string    `json:"severity,omitempty"`
	Message    string    `json:"message,omitempty"`
}

// ActivityRow aggregates events between one local party and one peer in a watched country.
type ActivityRow struct {
	Party   string    `json:"party"` // the user, or the internal address
	PeerIP  string    `json:"peer_ip"`
	Country string    `json:"country"`
	ASOrg   string    `json:"as_organization,omitempty"`
	Domain  string    `json:"domain,omitempty"`
	Kind    string    `json:"kind"` // login | outbound | inbound
	Count   uint64    `json:"count"`
	Bytes   uint64    `json:"bytes,omitempty"`
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`
}

// SessionRow aggregates remote-access, VPN and proxy sessions of one host to one service.
type SessionRow struct {
	Source      string    `json:"source"`
	Destination string    `json:"destination"`
	App         string    `json:"app"`
	Category    string    `json:"category"`
	Country     string    `json:"country,omitempty"`
	Domain      string    `json:"domain,omitempty"`
	Evidence    []string  `json:"evidence,omitempty"`
	Sessions    uint64    `json:"sessions"`
	Bytes       uint64    `json:"bytes,omitempty"`
	Duration    float64   `json:"duration_seconds,omitempty"`
	First       time.Time `json:"first"`
	Last        time.Time `json:"last"`
}

// WriteJSON writes the report as one indented JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// MaxSeverity returns the highest alert severity in the report, or "" when there is none.
func (r *Report) MaxSeverity() string {
	best := ""
	for s, n := range r.BySeverity {
		if n > 0 && SeverityRank(s) > SeverityRank(best) {
			best = s
		}
	}
	return best
}

// CountAtLeast returns how many alerts have severity sev or higher.
func (r *Report) CountAtLeast(sev string) int {
	n := 0
	for s, c := range r.BySeverity {
		if SeverityRank(s) >= SeverityRank(sev) {
			n += c
		}
	}
	return n
}
