package remoteaccess

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
		Name:        "remote_access_tool",
		ID:          "bw-remote-access-001",
		Description: "A remote-access tool session from or to an internal host; higher for a second tool on one host or a peer in a watched country or anonymizer.",
		Version:     "1.0.0",
		Category:    "remote_access",
		Severity:    rules.Medium,
		Suppression: 24 * time.Hour,
		Enabled:     true,
		Threat:      rules.Threat("TA0011", "Command and Control", "T1219", "Remote Access Software"),
		Params:      func() any { p := DefaultParams(); return &p },
		New:         func(env rules.Env, p any) (rules.Detector, error) { return New(env, *p.(*Params)), nil },
	})
}

// Params are the rule's settings.
type Params struct {
	// SanctionedTools are the organization's own remote-access tools (app names, e.g.
	// "teamviewer"): alone they raise nothing, but they count towards "two tools on one host".
	SanctionedTools []string      `yaml:"sanctioned_tools"`
	MultiToolWindow time.Duration `yaml:"multi_tool_window"` // two different tools on one host within this window
	MaxToolsPerHost int           `yaml:"max_tools_per_host"`
}

// DefaultParams returns the defaults.
func DefaultParams() Params {
	return Params{MultiToolWindow: 30 * 24 * time.Hour, MaxToolsPerHost: 16}
}

// Validate checks the settings.
func (p *Params) Validate() error {
	if p.MultiToolWindow <= 0 || p.MaxToolsPerHost < 2 {
		return fmt.Errorf("multi_tool_window must be > 0 (e.g. 720h) and max_tools_per_host >= 2")
	}
	return nil
}

type hostState struct {
	Tools map[string]time.Time `json:"tools"`
}

// Rule is the configured remote_access_tool rule. Not safe for concurrent use.
type Rule struct {
	p       Params
	watched rules.CountrySet
	hosts   *rules.Table[hostState]
}

// New builds the rule.
func New(env rules.Env, p Params) *Rule {
	for i, t := range p.SanctionedTools {
		p.SanctionedTools[i] = strings.ToLower(t)
	}
	return &Rule{p: p, watched: env.Watched, hosts: rules.NewTable[hostState](env.MaxEntries, max(env.TTL, p.MultiToolWindow))}
}

// Evaluate implements rules.Detector.
func (r *Rule) Evaluate(ev *borderwatch.Event, emit func(rules.Finding)) {
	app := ev.Borderwatch.App
	if !rules.IsNetwork(ev) || app == nil || app.Category != "remote_access" || app.Name == "" {
		return
	}
	tool := strings.ToLower(app.Name)
	side := rules.InternalSide(ev)
	host, peer, peerIsSrc := &ev.Source, &ev.Destination, false
	if side == "destination" {
		host, peer, peerIsSrc = &ev.Destination, &ev.Source, true
	}
	if !host.IP.IsValid() {
		return
	}
	hk := host.IP.String()
	t := ev.Timestamp
	st := r.hosts.Upsert(hk, t)
	if st.Tools == nil {
		st.Tools = map[string]time.Time{}
	}
	var others []string
	for name, last := range st.Tools {
		if t.Sub(last) > r.p.MultiToolWindow {
			delete(st.Tools, name)
			continue
		}
		if name != tool {
			others = append(others, name)
		}
	}
	sort.Strings(others)
	if _, ok := st.Tools[tool]; ok || len(st.Tools) < r.p.MaxToolsPerHost {
		st.Tools[tool] = t
	}
	sanctioned := slices.Contains(r.p.SanctionedTools, tool)
	score := 45.0
	var reasons []string
	reasons = append(reasons, fmt.Sprintf("%s session (%s)", tool, strings.Join(app.Evidence, ", ")))
	key := hk + "|" + tool
	if len(others) > 0 {
		score = 70
		key = hk + "|multi"
		reasons = append(reasons, fmt.Sprintf("host %s also used %s within %s: a second remote-access tool next to the first", hk, strings.Join(others, ", "), fmtDays(r.p.MultiToolWindow)))
	} else if sanctioned {
		return
	}
	c := rules.Country(peer)
	if r.watched.Has(c) {
		score += 30
		reasons = append(reasons, "the peer "+peer.IP.String()+" is in watched country "+c)
	}
	if in := rules.Intel(ev, peerIsSrc); rules.HasCategory(in, "vpn", "proxy", "tor", "residential_proxy", "anonymous") {
		score += 10
		reasons = append(reasons, "the peer is an anonymizer ("+strings.Join(in.Categories, ", ")+")")
	}
	if peerIsSrc {
		score += 15
		reasons = append(reasons, "inbound: controlled from outside")
	}
	dir := "to"
	if peerIsSrc {
		dir = "from"
	}
	msg := fmt.Sprintf("Internal host %s ran a remote-access session (%s) %s %s.", hk, tool, dir, rules.DescribeEndpoint(peer))
	if len(others) > 0 {
		msg = fmt.Sprintf("Internal host %s used a second remote-access tool, %s, %s %s, after %s.", hk, tool, dir, rules.DescribeEndpoint(peer), strings.Join(others, ", "))
	}
	var countries []string
	if c != "" {
		countries = []string{c}
	}
	emit(rules.Finding{
		Event: ev, Key: key, Score: min(score, 100), Message: msg, Reasons: reasons, Countries: countries,
		Matched: append([]string{"tool:" + tool}, prefixed("tool:", others)...),
	})
}

func prefixed(p string, xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = p + x
	}
	return out
}

func fmtDays(d time.Duration) string { return fmt.Sprintf("%d days", int(d.Hours()/24)) }

// LoadState implements rules.StatefulDetector.
func (r *Rule) LoadState(each func(fn func(key string, value []byte) error) error) error {
	return each(r.hosts.Load)
}

// SaveState implements rules.StatefulDetector.
func (r *Rule) SaveState(put func(key string, value []byte, expires time.Time) error) error {
	return r.hosts.Save("", put)
}

// TableCounts implements rules.TableCounter.
func (r *Rule) TableCounts() rules.TableCounts { return r.hosts.Counts() }
