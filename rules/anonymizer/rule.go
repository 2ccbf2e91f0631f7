package anonymizer

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

func init() {
	rules.Register(rules.Definition{
		Name:        "anonymizer_login",
		ID:          "bw-anonymizer-login-001",
		Description: "A successful login from a Tor exit, residential proxy, anonymous VPN, proxy or hosting address.",
		Version:     "1.0.0",
		Category:    "anonymizer",
		Severity:    rules.Medium,
		Suppression: 7 * 24 * time.Hour,
		Enabled:     true,
		Threat:      rules.Threat("TA0011", "Command and Control", "T1090", "Proxy"),
		Params:      func() any { p := DefaultParams(); return &p },
		New:         func(env rules.Env, p any) (rules.Detector, error) { return New(env, *p.(*Params)), nil },
	})
}

// Params are the rule's settings.
type Params struct {
	// Weights gives the risk score (0-100) per enrichment category; categories not listed are
	// ignored. The highest matching weight wins.
	Weights map[string]float64 `yaml:"weights"`
	// ProviderBonus adds to the score for named providers (lowercase labels).
	ProviderBonus map[string]float64 `yaml:"provider_bonus"`
	VendorProxy   float64            `yaml:"vendor_proxy"` // score when only the log vendor says "proxy" (0 ignores it)
	// GeoMismatch is the score when the log vendor's own geolocation (client.geo) puts the
	// login in another country than our GeoIP does: a tunnel the vendor saw through (0 ignores it).
	GeoMismatch     float64 `yaml:"geo_mismatch"`
	IncludeFailures bool    `yaml:"include_failures"`
}

// DefaultParams returns the defaults: Tor and residential proxies above named anonymous VPNs,
// those above hosting, iCloud Private Relay informational.
func DefaultParams() Params {
	return Params{
		Weights: map[string]float64{
			"tor": 85, "residential_proxy": 80, "anonymous": 70, "vpn": 65, "proxy": 65,
			"hosting": 50, "relay": 20,
		},
		ProviderBonus: map[string]float64{"astrill": 20},
		VendorProxy:   55,
		GeoMismatch:   45,
	}
}

// Validate checks the settings.
func (p *Params) Validate() error {
	for k, v := range p.Weights {
		if v < 0 || v > 100 {
			return fmt.Errorf("weights.%s must be between 0 and 100, got %g", k, v)
		}
	}
	return nil
}

// Rule is the configured anonymizer_login rule. It keeps no state.
type Rule struct{ p Params }

// New builds the rule.
func New(_ rules.Env, p Params) *Rule { return &Rule{p: p} }

// Evaluate implements rules.Detector.
func (r *Rule) Evaluate(ev *borderwatch.Event, emit func(rules.Finding)) {
	if !rules.IsAuthentication(ev) {
		return
	}
	if ev.Event.Outcome != borderwatch.OutcomeSuccess && !(r.p.IncludeFailures && ev.Event.Outcome == borderwatch.OutcomeFailure) {
		return
	}
	in := rules.Intel(ev, true)
	if in != nil && (len(in.Allowlisted) > 0 || in.Internal || slices.Contains(in.Categories, "corporate")) {
		return
	}
	var (
		best    float64
		kind    string
		matched []string
		reasons []string
	)
	if in != nil {
		cats := append([]string(nil), in.Categories...)
		for _, l := range in.Lists {
			if !slices.Contains(cats, l.Category) {
				cats = append(cats, l.Category)
			}
		}
		sort.Strings(cats)
		for _, c := range cats {
			w, ok := r.p.Weights[c]
			if !ok {
				continue
			}
			matched = append(matched, "category:"+c)
			if w > best {
				best, kind = w, c
			}
		}
		for _, l := range in.Lists {
			if _, ok := r.p.Weights[l.Category]; ok {
				s := "list:" + l.Name
				if l.Provider != "" {
					s += "/" + l.Provider
				}
				matched = append(matched, s)
			}
		}
		for _, f := range in.Anonymous {
			reasons = append(reasons, "GeoIP anonymous-IP flag "+f)
		}
	}
	if v := ev.Borderwatch.Vendor; v != nil {
		if v.IsProxy != nil && *v.IsProxy && r.p.VendorProxy > 0 {
			matched = append(matched, "vendor:is_proxy")
			reasons = append(reasons, "the log vendor flags the address as a proxy")
			if r.p.VendorProxy > best {
				best, kind = r.p.VendorProxy, "proxy"
			}
		}
		for _, tun := range v.Tunnels {
			matched = append(matched, "vendor_tunnel:"+tun)
			reasons = append(reasons, "the log vendor saw tunnel "+tun)
			if best < r.p.VendorProxy && r.p.VendorProxy > 0 {
				best, kind = r.p.VendorProxy, "vpn"
			}
		}
	}
	if r.p.GeoMismatch > 0 {
		if gc, vc := rules.Country(&ev.Source), rules.Country(ev.Client); gc != "" && vc != "" && gc != vc {
			matched = append(matched, "vendor_geo:"+vc)
			reasons = append(reasons, fmt.Sprintf("the log vendor places the login in %s, GeoIP in %s: a tunnel between them", vc, gc))
			if r.p.GeoMismatch > best {
				best, kind = r.p.GeoMismatch, "tunnel"
			}
		}
	}
	if best == 0 {
		return
	}
	score := best
	providers := rules.Providers(in)
	if v := ev.Borderwatch.Vendor; v != nil {
		for _, tun := range v.Tunnels {
			for p := range r.p.ProviderBonus {
				if strings.Contains(strings.ToLower(tun), p) && !slices.Contains(providers, p) {
					providers = append(providers, p)
				}
			}
		}
	}
	for _, p := range providers {
		if b, ok := r.p.ProviderBonus[p]; ok {
			score += b
			reasons = append(reasons, fmt.Sprintf("provider %s (+%g)", p, b))
		}
	}
	reasons = append([]string{fmt.Sprintf("source %s is a %s address (weight %g)", ev.Source.IP, label(kind), best)}, reasons...)
	via := label(kind)
	if len(providers) > 0 {
		via += " (" + strings.Join(providers, ", ") + ")"
	}
	outcome := "logged in"
	if ev.Event.Outcome == borderwatch.OutcomeFailure {
		outcome = "tried to log in"
	}
	var countries []string
	if c := rules.Country(&ev.Source); c != "" {
		countries = []string{c}
	}
	emit(rules.Finding{
		Event: ev, Key: rules.UserKey(ev) + "|" + via, Score: min(score, 100),
		Message: fmt.Sprintf("%s %s through a %s from %s.", rules.DisplayUser(ev), outcome, via, rules.DescribeEndpoint(&ev.Source)),
		Reasons: reasons, Matched: matched, Countries: countries, Users: []string{rules.DisplayUser(ev)},
	})
}

func label(kind string) string {
	switch kind {
	case "tor":
		return "Tor exit"
	case "residential_proxy":
		return "residential proxy"
	case "anonymous":
		return "anonymizing service"
	case "vpn":
		return "VPN"
	case "hosting":
		return "hosting provider"
	case "relay":
		return "privacy relay"
	case "tunnel":
		return "tunnel (vendor and GeoIP disagree on the country)"
	}
	return strings.ReplaceAll(kind, "_", " ")
}
