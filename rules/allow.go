package rules

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/borderwatch/borderwatch"
)

// Allowlist is a rule's exceptions as configured: an alert whose triggering event matches any
// entry is dropped (and counted). Users match user.name or user.email, case-insensitive; IPs
// (addresses or CIDRs), ASNs and countries match the source or the destination.
type Allowlist struct {
	Users     []string `yaml:"users,omitempty"`
	IPs       []string `yaml:"ips,omitempty"` // 198.51.100.7 or 198.51.100.0/24
	ASNs      []uint32 `yaml:"asns,omitempty"`
	Countries []string `yaml:"countries,omitempty"`
}

type allowMatcher struct {
	users     map[string]struct{}
	prefixes  []netip.Prefix
	asns      map[uint32]struct{}
	countries CountrySet
}

func (a Allowlist) compile() (*allowMatcher, error) {
	if len(a.Users)+len(a.IPs)+len(a.ASNs)+len(a.Countries) == 0 {
		return nil, nil
	}
	m := &allowMatcher{users: map[string]struct{}{}, asns: map[uint32]struct{}{}, countries: NewCountrySet(a.Countries)}
	for _, u := range a.Users {
		m.users[strings.ToLower(strings.TrimSpace(u))] = struct{}{}
	}
	for _, s := range a.IPs {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			m.prefixes = append(m.prefixes, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("allow.ips: %q is neither an address nor a CIDR (e.g. 198.51.100.0/24)", s)
		}
		m.prefixes = append(m.prefixes, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
	}
	for _, n := range a.ASNs {
		m.asns[n] = struct{}{}
	}
	for c := range m.countries {
		if len(c) != 2 {
			return nil, fmt.Errorf("allow.countries: %q is not a two-letter ISO country code", c)
		}
	}
	return m, nil
}

// match returns what matched ("user:alice", "ip:198.51.100.7", ...) or "".
func (m *allowMatcher) match(ev *borderwatch.Event) string {
	if m == nil {
		return ""
	}
	for _, u := range []string{ev.User.Name, ev.User.Email} {
		if u == "" {
			continue
		}
		if _, ok := m.users[strings.ToLower(u)]; ok {
			return "user:" + u
		}
	}
	for _, ep := range []*borderwatch.Endpoint{&ev.Source, &ev.Destination} {
		if ep.IP.IsValid() {
			ip := ep.IP.Unmap()
			for _, p := range m.prefixes {
				if p.Contains(ip) {
					return "ip:" + ip.String()
				}
			}
		}
		if ep.AS != nil {
			if _, ok := m.asns[ep.AS.Number]; ok {
				return "asn:" + itoa(uint64(ep.AS.Number))
			}
		}
		if c := Country(ep); m.countries.Has(c) {
			return "country:" + c
		}
	}
	return ""
}
