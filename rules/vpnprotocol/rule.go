package vpnprotocol

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules"
)

func init() {
	rules.Register(rules.Definition{
		Name:        "vpn_protocol",
		ID:          "bw-vpn-protocol-001",
		Description: "A VPN protocol (WireGuard, OpenVPN, IKE/IPsec, Astrill) leaving the network from a host that is not a sanctioned VPN client.",
		Version:     "1.0.0",
		Category:    "anonymizer",
		Severity:    rules.Medium,
		Suppression: 24 * time.Hour,
		Enabled:     true,
		Threat:      rules.Threat("TA0011", "Command and Control", "T1572", "Protocol Tunneling"),
		Params:      func() any { p := DefaultParams(); return &p },
		New:         func(env rules.Env, p any) (rules.Detector, error) { return New(env, *p.(*Params)) },
	})
}

// Params are the rule's settings.
type Params struct {
	SanctionedClients []string `yaml:"sanctioned_clients"` // CIDRs or addresses of hosts allowed to run VPN clients
	SanctionedServers []string `yaml:"sanctioned_servers"` // CIDRs or addresses of the organization's VPN gateways
	SanctionedApps    []string `yaml:"sanctioned_apps"`    // app names allowed anywhere, e.g. "globalprotect"
	HighApps          []string `yaml:"high_apps"`          // app or provider names that are high on sight
}

// DefaultParams returns the defaults.
func DefaultParams() Params { return Params{HighApps: []string{"astrill"}} }

func parsePrefixes(key string, ss []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range ss {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is neither an address nor a CIDR (e.g. 10.8.0.0/16)", key, s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Validate checks the settings.
func (p *Params) Validate() error {
	if _, err := parsePrefixes("sanctioned_clients", p.SanctionedClients); err != nil {
		return err
	}
	_, err := parsePrefixes("sanctioned_servers", p.SanctionedServers)
	return err
}

// Rule is the configured vpn_protocol rule. It keeps no state.
type Rule struct {
	p                Params
	clients, servers []netip.Prefix
	watched          rules.CountrySet
}

// New builds the rule.
func New(env rules.Env, p Params) (*Rule, error) {
	c, err := parsePrefixes("sanctioned_clients", p.SanctionedClients)
	if err != nil {
		return nil, err
	}
	s, err := parsePrefixes("sanctioned_servers", p.SanctionedServers)
	if err != nil {
		return nil, err
	}
	return &Rule{p: p, clients: c, servers: s, watched: env.Watched}, nil
}

func in(ps []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Evaluate implements rules.Detector.
func (r *Rule) Evaluate(ev *borderwatch.Event, emit func(rules.Finding)) {
	if !rules.IsNetwork(ev) || rules.InternalSide(ev) != "source" {
		return
	}
	name := ""
	var evidence []string
	if a := ev.Borderwatch.App; a != nil && a.Category == "vpn" {
		name = strings.ToLower(a.Name)
		evidence = a.Evidence
	}
	dst := rules.Intel(ev, false)
	for _, p := range rules.Providers(dst) {
		if slices.Contains(r.p.HighApps, p) && rules.HasCategory(dst, "vpn") {
			if name == "" {
				name = p
			}
			evidence = append(evidence, "destination in the "+p+" range list")
		}
	}
	if name == "" {
		return
	}
	if slices.Contains(r.p.SanctionedApps, name) || in(r.clients, ev.Source.IP) || in(r.servers, ev.Destination.IP) {
		return
	}
	score := 50.0
	reasons := []string{fmt.Sprintf("%s from %s, which is not a sanctioned VPN client", name, ev.Source.IP)}
	if len(evidence) > 0 {
		reasons = append(reasons, "evidence: "+strings.Join(evidence, ", "))
	}
	if slices.Contains(r.p.HighApps, name) || slices.ContainsFunc(rules.Providers(dst), func(p string) bool { return slices.Contains(r.p.HighApps, p) }) {
		score = 80
		reasons = append(reasons, name+" is the VPN favoured by sanctioned remote workers")
	}
	c := rules.Country(&ev.Destination)
	if r.watched.Has(c) {
		score += 25
		reasons = append(reasons, "the VPN server is in watched country "+c)
	}
	var countries []string
	if c != "" {
		countries = []string{c}
	}
	emit(rules.Finding{
		Event: ev, Key: ev.Source.IP.String() + "|" + name, Score: min(score, 100),
		Message: fmt.Sprintf("Internal host %s opened a VPN tunnel (%s) to %s; it is not a sanctioned VPN client.",
			ev.Source.IP, name, rules.DescribeEndpoint(&ev.Destination)),
		Reasons: reasons, Countries: countries, Matched: []string{"vpn:" + name},
	})
}
