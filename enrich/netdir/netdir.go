package netdir

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/gaissmai/bart"

	"github.com/borderwatch/borderwatch"
)

// DefaultInternal are the networks treated as internal unless Config.DefaultInternal is off:
// RFC 1918, CGNAT (RFC 6598), IPv6 ULA, and link-local.
var DefaultInternal = []string{
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
	"169.254.0.0/16", "fc00::/7", "fe80::/10",
}

// Config is the enrich.networks section.
type Config struct {
	// Internal lists extra internal networks (your public ranges, a DMZ, ...), as CIDRs or addresses.
	Internal []string `yaml:"internal"`
	// DefaultInternal adds DefaultInternal to Internal.
	DefaultInternal bool `yaml:"default_internal"`
}

// DefaultConfig returns the defaults: the private ranges are internal.
func DefaultConfig() Config { return Config{DefaultInternal: true} }

// Validate checks that every entry is an address or a CIDR.
func (c *Config) Validate() error {
	var errs []error
	for i, s := range c.Internal {
		if _, err := ParsePrefix(s); err != nil {
			errs = append(errs, fmt.Errorf("enrich.networks.internal[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// ParsePrefix parses "10.0.0.0/8" or a bare address (as a host prefix), masking host bits.
func ParsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither an IP address nor a CIDR, e.g. 10.0.0.0/8", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Networks tells internal addresses from external ones. It is immutable and safe for
// concurrent use; the zero value treats every address as external.
type Networks struct {
	table *bart.Lite
}

// New builds Networks from cfg.
func New(cfg Config) (*Networks, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := new(bart.Lite)
	if cfg.DefaultInternal {
		for _, s := range DefaultInternal {
			t.Insert(netip.MustParsePrefix(s))
		}
	}
	for _, s := range cfg.Internal {
		p, _ := ParsePrefix(s)
		t.Insert(p)
	}
	return &Networks{table: t}, nil
}

// Internal reports whether a is in an internal network.
func (n *Networks) Internal(a netip.Addr) bool {
	if n == nil || n.table == nil || !a.IsValid() {
		return false
	}
	return n.table.Lookup(a.Unmap())
}

// Size is the number of internal prefixes.
func (n *Networks) Size() int {
	if n == nil || n.table == nil {
		return 0
	}
	return n.table.Size()
}

// Direction returns the ECS network.direction of a session from src to dst, seen from the
// internal networks: outbound (internal → external), inbound (external → internal), internal,
// external, or unknown when either address is missing. Loopback counts as internal.
func (n *Networks) Direction(src, dst netip.Addr) string {
	if !src.IsValid() || !dst.IsValid() {
		return borderwatch.DirectionUnknown
	}
	si := n.Internal(src) || src.Unmap().IsLoopback()
	di := n.Internal(dst) || dst.Unmap().IsLoopback()
	switch {
	case si && di:
		return borderwatch.DirectionInternal
	case si:
		return borderwatch.DirectionOutbound
	case di:
		return borderwatch.DirectionInbound
	default:
		return borderwatch.DirectionExternal
	}
}
