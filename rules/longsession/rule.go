package longsession

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

func init() {
	rules.Register(rules.Definition{
		Name:        "long_session",
		ID:          "bw-long-session-001",
		Description: "A VPN, remote-access or login session lasting a day or more (an always-on account or tunnel).",
		Version:     "1.0.0",
		Category:    "behaviour",
		Severity:    rules.Medium,
		Suppression: 24 * time.Hour,
		Enabled:     true,
		Threat:      rules.Threat("TA0003", "Persistence", "T1133", "External Remote Services"),
		Params:      func() any { p := DefaultParams(); return &p },
		New:         func(env rules.Env, p any) (rules.Detector, error) { return New(env, *p.(*Params)), nil },
	})
}

// Params are the rule's settings.
type Params struct {
	MinDuration   time.Duration `yaml:"min_duration"`
	AppCategories []string      `yaml:"app_categories"` // network sessions of these borderwatch.app categories
	// HostingTLS also counts single TLS flows to hosting ranges (a StealthVPN-like tunnel).
	HostingTLS bool `yaml:"hosting_tls"`
	Logins     bool `yaml:"logins"` // authentication sessions (event.category session) with a duration
}

// DefaultParams returns the defaults.
func DefaultParams() Params {
	return Params{MinDuration: 24 * time.Hour, AppCategories: []string{"vpn", "remote_access"}, HostingTLS: true, Logins: true}
}

// Validate checks the settings.
func (p *Params) Validate() error {
	if p.MinDuration < time.Hour {
		return fmt.Errorf("min_duration must be >= 1h, e.g. 24h")
	}
	return nil
}

// Rule is the configured long_session rule. It keeps no state (suppression folds the periodic
// reports of one session).
type Rule struct{ p Params }

// New builds the rule.
func New(_ rules.Env, p Params) *Rule { return &Rule{p: p} }

func duration(ev *borderwatch.Event) time.Duration {
	if ev.Event.Duration > 0 {
		return time.Duration(ev.Event.Duration)
	}
	if !ev.Event.Start.IsZero() && !ev.Event.End.IsZero() {
		return ev.Event.End.Sub(ev.Event.Start)
	}
	return 0
}

// Evaluate implements rules.Detector.
func (r *Rule) Evaluate(ev *borderwatch.Event, emit func(rules.Finding)) {
	d := duration(ev)
	if d < r.p.MinDuration || ev.Event.Kind == borderwatch.KindAlert {
		return
	}
	var what, key string
	score := 50.0
	switch {
	case rules.IsNetwork(ev):
		app := ev.Borderwatch.App
		switch {
		case app != nil && slices.Contains(r.p.AppCategories, app.Category):
			what = strings.ReplaceAll(app.Category, "_", "-") + " session (" + app.Name + ")"
			if app.Category == "remote_access" {
				score = 60
			}
		case r.p.HostingTLS && ev.Destination.Port == 443 && rules.HasCategory(rules.Intel(ev, false), "hosting", "vpn"):
			what = "single TLS flow to a hosting range (a tunnel)"
		default:
			return
		}
		key = ev.Network.CommunityID
		if key == "" {
			key = ev.Source.IP.String() + "|" + ev.Destination.IP.String()
		}
		key += "|" + ev.Event.Start.Format(time.RFC3339)
	case r.p.Logins && ev.HasCategory(borderwatch.CategorySession) && rules.IsAuthentication(ev):
		what = "login session"
		if a := ev.Borderwatch.Auth; a != nil && a.SessionID != "" {
			key = a.SessionID
		} else {
			key = rules.UserKey(ev) + "|" + ev.Event.Start.Format(time.RFC3339)
		}
	default:
		return
	}
	if d >= 3*r.p.MinDuration {
		score += 10
	}
	who := rules.DisplayUser(ev)
	if ev.User.Name == "" && ev.User.Email == "" {
		who = "Host " + ev.Source.IP.String()
	}
	emit(rules.Finding{
		Event: ev, Key: key, Score: score,
		Message: fmt.Sprintf("%s kept a %s open for %s (since %s) with %s.", who, what, fmtDur(d),
			ev.Event.Start.Format("2006-01-02 15:04 MST"), rules.DescribeEndpoint(&ev.Destination)),
		Reasons: []string{fmt.Sprintf("%s lasted %s (threshold %s)", what, fmtDur(d), fmtDur(r.p.MinDuration))},
		Matched: []string{"duration>=" + fmtDur(r.p.MinDuration)},
	})
}

func fmtDur(d time.Duration) string {
	h := int(d.Hours())
	if h >= 48 {
		return fmt.Sprintf("%d days %d h", h/24, h%24)
	}
	return fmt.Sprintf("%d h %d min", h, int(d.Minutes())%60)
}
