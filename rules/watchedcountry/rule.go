package watchedcountry

import (
	"time"

	"fmt"
	"strings"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

func init() {
	rules.Register(rules.Definition{
		Name:        "watched_country",
		ID:          "bw-watched-country-001",
		Description: "A login from a watched country, or a network session between an internal host and a peer in one.",
		Version:     "1.0.0",
		Category:    "location",
		Severity:    rules.Medium,
		Suppression: time.Hour,
		Enabled:     true,
		Threat:      rules.Threat("TA0001", "Initial Access", "T1078", "Valid Accounts"),
		Params:      func() any { p := DefaultParams(); return &p },
		New:         func(env rules.Env, p any) (rules.Detector, error) { return New(env, *p.(*Params)), nil },
	})
}

// Params are the rule's settings.
type Params struct {
	// Countries overrides rules.watched_countries for this rule; empty uses the global list.
	Countries []string `yaml:"countries"`
	Logins    bool     `yaml:"logins"`     // authentication events whose source is in a watched country
	Outbound  bool     `yaml:"outbound"`   // sessions from an internal host to a watched country
	Inbound   bool     `yaml:"inbound"`    // sessions from a watched country to an internal host
	VendorGeo bool     `yaml:"vendor_geo"` // also trust the log vendor's own geolocation (client.geo)
	// Sessions of at least HighBytes (both directions) are high, of CriticalBytes critical.
	HighBytes     uint64 `yaml:"high_bytes"`
	CriticalBytes uint64 `yaml:"critical_bytes"`
}

// DefaultParams returns the defaults.
func DefaultParams() Params {
	return Params{Logins: true, Outbound: true, Inbound: true, VendorGeo: true,
		HighBytes: 10_000_000, CriticalBytes: 1_000_000_000}
}

// Validate checks the settings.
func (p *Params) Validate() error {
	for _, c := range p.Countries {
		if len(strings.TrimSpace(c)) != 2 {
			return fmt.Errorf("countries: %q is not a two-letter ISO country code (e.g. KP)", c)
		}
	}
	if p.CriticalBytes < p.HighBytes {
		return fmt.Errorf("critical_bytes (%d) must be >= high_bytes (%d)", p.CriticalBytes, p.HighBytes)
	}
	return nil
}

// Rule is the configured watched_country rule. It keeps no state.
type Rule struct {
	p       Params
	watched rules.CountrySet
}

// New builds the rule.
func New(env rules.Env, p Params) *Rule {
	w := env.Watched
	if len(p.Countries) > 0 {
		w = rules.NewCountrySet(p.Countries)
	}
	return &Rule{p: p, watched: w}
}

// Evaluate implements rules.Detector.
func (r *Rule) Evaluate(ev *borderwatch.Event, emit func(rules.Finding)) {
	switch {
	case rules.IsAuthentication(ev):
		if r.p.Logins {
			r.login(ev, emit)
		}
	case rules.IsNetwork(ev):
		r.session(ev, emit)
	}
}

func (r *Rule) login(ev *borderwatch.Event, emit func(rules.Finding)) {
	geoC := rules.Country(&ev.Source)
	vendorC := ""
	if r.p.VendorGeo {
		vendorC = rules.Country(ev.Client)
	}
	var country string
	var reasons, matched []string
	switch {
	case r.watched.Has(geoC):
		country = geoC
		reasons = append(reasons, fmt.Sprintf("source %s geolocates to %s, a watched country", ev.Source.IP, geoName(&ev.Source)))
		matched = append(matched, "geoip:"+geoC)
		if r.watched.Has(vendorC) {
			reasons = append(reasons, "the log vendor's own geolocation agrees ("+vendorC+")")
			matched = append(matched, "vendor_geo:"+vendorC)
		}
	case r.watched.Has(vendorC):
		country = vendorC
		reasons = append(reasons, fmt.Sprintf("the log vendor geolocates the login to %s, a watched country", vendorC))
		if geoC != "" {
			reasons = append(reasons, fmt.Sprintf("GeoIP places %s in %s: a VPN or proxy may hide the real origin", ev.Source.IP, geoC))
		}
		matched = append(matched, "vendor_geo:"+vendorC)
	default:
		return
	}
	score := 50.0
	outcome := "attempted to log in"
	switch ev.Event.Outcome {
	case borderwatch.OutcomeSuccess:
		score = 80
		outcome = "logged in successfully"
		reasons = append(reasons, "the login succeeded")
	case borderwatch.OutcomeFailure:
		score = 45
		outcome = "failed to log in"
		reasons = append(reasons, "the login failed")
	}
	if country == "KP" {
		score += 15
		reasons = append(reasons, "North Korean address space")
	}
	if country != geoC {
		score -= 5 // vendor geolocation only: less certain than our own
	}
	in := rules.Intel(ev, true)
	if rules.HasCategory(in, "vpn", "proxy", "tor", "hosting", "residential_proxy", "anonymous") {
		score += 5
		reasons = append(reasons, "the source is also an anonymizer or hosting range ("+strings.Join(in.Categories, ", ")+")")
	}
	matched = append(matched, listHits(in)...)
	msg := fmt.Sprintf("%s %s from %s in watched country %s.", rules.DisplayUser(ev), outcome, rules.DescribeEndpoint(&ev.Source), country)
	key := rules.UserKey(ev)
	if key == "" {
		key = ev.Source.IP.String()
	}
	emit(rules.Finding{
		Event: ev, Key: key + "|" + country, Score: score, Message: msg, Reasons: reasons,
		Countries: []string{country}, Matched: matched, Users: users(ev),
	})
}

func (r *Rule) session(ev *borderwatch.Event, emit func(rules.Finding)) {
	side := rules.InternalSide(ev)
	var host, peer *borderwatch.Endpoint
	var outbound bool
	switch side {
	case "source":
		if !r.p.Outbound {
			return
		}
		host, peer, outbound = &ev.Source, &ev.Destination, true
	case "destination":
		if !r.p.Inbound {
			return
		}
		host, peer = &ev.Destination, &ev.Source
	default:
		return
	}
	c := rules.Country(peer)
	if !r.watched.Has(c) {
		return
	}
	bytes := rules.SessionBytes(ev)
	score := 50.0
	dir := "inbound session from"
	if outbound {
		score = 55
		dir = "outbound session to"
	}
	reasons := []string{fmt.Sprintf("%s %s, which geolocates to %s, a watched country", dir, peer.IP, geoName(peer))}
	switch {
	case bytes >= r.p.CriticalBytes:
		score = 92
		reasons = append(reasons, fmt.Sprintf("%s transferred (≥ %s)", rules.HumanBytes(bytes), rules.HumanBytes(r.p.CriticalBytes)))
	case bytes >= r.p.HighBytes:
		score = 75
		reasons = append(reasons, fmt.Sprintf("%s transferred (≥ %s)", rules.HumanBytes(bytes), rules.HumanBytes(r.p.HighBytes)))
	case !outbound:
		score = 30
	}
	if c == "KP" && score < 90 {
		score += 15
		reasons = append(reasons, "North Korean address space")
	}
	matched := []string{"geoip:" + c}
	matched = append(matched, listHits(rules.Intel(ev, !outbound))...)
	proto := ev.Network.Protocol
	if proto == "" {
		proto = ev.Network.Transport
	}
	if a := ev.Borderwatch.App; a != nil && a.Name != "" {
		proto = a.Name
		reasons = append(reasons, "application identified as "+a.Name)
	}
	verb := "exchanged"
	if outbound {
		verb = "sent and received"
	}
	msg := fmt.Sprintf("Internal host %s %s %s over %s/%d with %s in watched country %s (%s).",
		host.IP, verb, rules.HumanBytes(bytes), orDash(proto), ev.Destination.Port, rules.DescribeEndpoint(peer), c, strings.TrimSuffix(dir, " to"))
	if !outbound {
		msg = fmt.Sprintf("%s in watched country %s opened a session to internal host %s port %d (%s exchanged).",
			rules.DescribeEndpoint(peer), c, host.IP, ev.Destination.Port, rules.HumanBytes(bytes))
	}
	emit(rules.Finding{
		Event: ev, Key: host.IP.String() + "|" + c, Score: score, Message: msg, Reasons: reasons,
		Countries: []string{c}, Matched: matched, Users: users(ev),
	})
}

func geoName(ep *borderwatch.Endpoint) string {
	g := ep.Geo
	if g == nil {
		return "?"
	}
	name := g.CountryISOCode
	if g.CountryName != "" {
		name = g.CountryName + " (" + g.CountryISOCode + ")"
	}
	if g.CityName != "" {
		name = g.CityName + ", " + name
	}
	return name
}

func listHits(in *borderwatch.Intel) []string {
	if in == nil {
		return nil
	}
	var out []string
	for _, l := range in.Lists {
		s := "list:" + l.Name
		if l.Provider != "" {
			s += "/" + l.Provider
		}
		out = append(out, s)
	}
	return out
}

func users(ev *borderwatch.Event) []string {
	if u := rules.DisplayUser(ev); ev.User.Name != "" || ev.User.Email != "" {
		return []string{u}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
