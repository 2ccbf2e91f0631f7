package claimedlocation

import (
	"errors"
	"fmt"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

func init() {
	rules.Register(rules.Definition{
		Name:        "claimed_location",
		ID:          "bw-claimed-location-001",
		Description: "A successful login from a country other than the one the employee claims in the roster.",
		Version:     "1.0.0",
		Category:    "location",
		Severity:    rules.Medium,
		Suppression: 7 * 24 * time.Hour,
		Enabled:     true,
		Threat:      rules.Threat("TA0001", "Initial Access", "T1078", "Valid Accounts"),
		Params:      func() any { p := DefaultParams(); return &p },
		New: func(env rules.Env, p any) (rules.Detector, error) {
			return New(env, *p.(*Params))
		},
	})
}

// Params are the rule's settings.
type Params struct {
	// Logins from these categories do not show where the user is and are skipped
	// (anonymizer_login reports them).
	SkipCategories []string `yaml:"skip_categories"`
	VendorGeo      bool     `yaml:"vendor_geo"` // also compare the log vendor's geolocation (client.geo)
}

// DefaultParams returns the defaults.
func DefaultParams() Params {
	return Params{SkipCategories: []string{"vpn", "relay", "satellite", "tor", "proxy", "residential_proxy", "anonymous"}, VendorGeo: true}
}

// Rule is the configured claimed_location rule. It keeps no state; without a roster it
// does nothing.
type Rule struct {
	p       Params
	roster  *rules.Roster
	watched rules.CountrySet
}

// New builds the rule.
func New(env rules.Env, p Params) (*Rule, error) {
	if env.Roster == nil {
		env.Log.Debug("no roster configured (rules.roster); claimed_location stays quiet")
	} else if env.Roster.Len() == 0 {
		return nil, errors.New("the roster has no entries")
	}
	return &Rule{p: p, roster: env.Roster, watched: env.Watched}, nil
}

// Evaluate implements rules.Detector.
func (r *Rule) Evaluate(ev *borderwatch.Event, emit func(rules.Finding)) {
	if r.roster == nil || !rules.IsSuccessfulLogin(ev) {
		return
	}
	user := rules.UserKey(ev)
	claim, ok := r.roster.Lookup(user)
	if !ok || claim.Country == "" {
		return
	}
	in := rules.Intel(ev, true)
	if in != nil && (in.Internal || len(in.Allowlisted) > 0) {
		return
	}
	for _, c := range r.p.SkipCategories {
		if rules.HasCategory(in, c) {
			return
		}
	}
	observed := rules.Country(&ev.Source)
	src := "GeoIP"
	if observed == "" || observed == claim.Country {
		if !r.p.VendorGeo {
			return
		}
		if vc := rules.Country(ev.Client); vc != "" && vc != claim.Country {
			observed, src = vc, "the log vendor's geolocation"
		} else {
			return
		}
	}
	score := 55.0
	reasons := []string{fmt.Sprintf("roster: %s works from %s; %s places this login in %s", user, claim.Country, src, observed)}
	if r.watched.Has(observed) {
		score = 85
		reasons = append(reasons, observed+" is a watched country")
	}
	emit(rules.Finding{
		Event: ev, Key: user + "|" + observed, Score: score,
		Message: fmt.Sprintf("%s, who claims to work from %s, logged in from %s; %s places the login in %s.",
			rules.DisplayUser(ev), claim.Country, rules.DescribeEndpoint(&ev.Source), src, observed),
		Reasons: reasons, Countries: []string{claim.Country, observed}, Users: []string{rules.DisplayUser(ev)},
		Matched: []string{"claimed:" + claim.Country, "observed:" + observed},
	})
}
