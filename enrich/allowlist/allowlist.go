package allowlist

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gaissmai/bart"

	"github.com/borderwatch/borderwatch/enrich/netdir"
)

// Config is one allowlist (an element of enrich.allowlists).
type Config struct {
	Name  string   `yaml:"name"`  // e.g. corporate_egress
	IPs   []string `yaml:"ips"`   // addresses and CIDRs
	ASNs  []string `yaml:"asns"`  // "AS58546" or "58546"
	Users []string `yaml:"users"` // user.name or user.email, compared case-insensitively
}

// Validate checks every allowlist.
func Validate(lists []Config) error {
	var errs []error
	seen := map[string]bool{}
	for i, l := range lists {
		where := fmt.Sprintf("enrich.allowlists[%d]", i)
		if l.Name == "" {
			errs = append(errs, fmt.Errorf("%s: name is required, e.g. corporate_egress", where))
		} else if seen[l.Name] {
			errs = append(errs, fmt.Errorf("%s: name %q is used twice", where, l.Name))
		}
		seen[l.Name] = true
		for j, s := range l.IPs {
			if _, err := netdir.ParsePrefix(s); err != nil {
				errs = append(errs, fmt.Errorf("%s.ips[%d]: %w", where, j, err))
			}
		}
		for j, s := range l.ASNs {
			if _, err := ParseASN(s); err != nil {
				errs = append(errs, fmt.Errorf("%s.asns[%d]: %w", where, j, err))
			}
		}
		if len(l.IPs)+len(l.ASNs)+len(l.Users) == 0 {
			errs = append(errs, fmt.Errorf("%s: lists nothing: give ips, asns or users", where))
		}
	}
	return errors.Join(errs...)
}

// ParseASN reads "AS9009", "as9009" or "9009".
func ParseASN(s string) (uint32, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(strings.TrimPrefix(t, "AS"), "as")
	n, err := strconv.ParseUint(t, 10, 32)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not an AS number, e.g. AS9009", s)
	}
	return uint32(n), nil
}

// Set answers which allowlists contain an address, an ASN or a user. It is immutable and
// safe for concurrent use; the zero value (and nil) allowlists nothing.
type Set struct {
	ips   *bart.Table[[]string] // a prefix's names include those of its supernets
	asns  map[uint32][]string
	users map[string][]string
	n     int
}

// New builds a Set.
func New(lists []Config) (*Set, error) {
	if err := Validate(lists); err != nil {
		return nil, err
	}
	s := &Set{ips: new(bart.Table[[]string]), asns: map[uint32][]string{}, users: map[string][]string{}, n: len(lists)}
	own := map[netip.Prefix][]string{}
	for _, l := range lists {
		for _, ip := range l.IPs {
			p, _ := netdir.ParsePrefix(ip)
			own[p] = appendUnique(own[p], l.Name)
		}
		for _, a := range l.ASNs {
			n, _ := ParseASN(a)
			s.asns[n] = appendUnique(s.asns[n], l.Name)
		}
		for _, u := range l.Users {
			k := strings.ToLower(strings.TrimSpace(u))
			s.users[k] = appendUnique(s.users[k], l.Name)
		}
	}
	keys := make([]netip.Prefix, 0, len(own))
	for p := range own {
		keys = append(keys, p)
	}
	slices.SortFunc(keys, func(a, b netip.Prefix) int { return a.Bits() - b.Bits() })
	for _, p := range keys {
		names := own[p]
		if p.Bits() > 0 {
			if _, parent, ok := s.ips.LookupPrefixLPM(netip.PrefixFrom(p.Addr(), p.Bits()-1)); ok {
				for _, n := range parent {
					names = appendUnique(names, n)
				}
			}
		}
		s.ips.Insert(p, names)
	}
	return s, nil
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// Len is the number of allowlists.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return s.n
}

// Addr returns the names of the allowlists that contain a by address or by its asn (0:
// unknown). The result may be shared: do not modify it.
func (s *Set) Addr(a netip.Addr, asn uint32) []string {
	if s == nil || s.ips == nil {
		return nil
	}
	byIP, _ := s.ips.Lookup(a.Unmap())
	byASN := s.asns[asn]
	if len(byASN) == 0 {
		return byIP
	}
	if len(byIP) == 0 {
		return byASN
	}
	out := slices.Clone(byIP)
	for _, n := range byASN {
		out = appendUnique(out, n)
	}
	return out
}

// User returns the names of the allowlists that contain the user name or e-mail.
func (s *Set) User(name string) []string {
	if s == nil || name == "" || len(s.users) == 0 {
		return nil
	}
	return s.users[strings.ToLower(name)]
}
