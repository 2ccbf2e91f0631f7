package sharedsource

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/rules"
)

// maxAddrsPerGroup bounds the addresses remembered per subnet (a /24 holds 256); past it the
// least recently seen one is dropped and counted as evicted.
const maxAddrsPerGroup = 256

// groupKey is a subnet: its masked address (IPv4 in its IPv6-mapped form) and length. It holds
// no pointer, so the table's keys stay inside the table.
type groupKey struct {
	addr [16]byte
	bits uint8
	v4   bool
}

func groupKeyOf(p netip.Prefix) groupKey {
	return groupKey{addr: p.Addr().As16(), bits: uint8(p.Bits()), v4: p.Addr().Is4()}
}

func (k groupKey) prefix() netip.Prefix {
	a := netip.AddrFrom16(k.addr)
	if k.v4 {
		a = a.Unmap()
	}
	return netip.PrefixFrom(a, int(k.bits))
}

// part is the state of one address or of the subnet, with its own last-seen time.
type part struct {
	seen int64 // Unix nanoseconds
	live bool
	st   keyState
}

type addrPart struct {
	ip netip.Addr
	part
}

// group is everything the rule keeps for one subnet: the subnet's own count and the count of
// each address in it. One lookup finds both; nearly every subnet has one address, kept inline.
type group struct {
	net   part
	first addrPart
	more  []addrPart
}

// groups is the rule's table: subnets, each with its addresses. The table holds at most
// max_entries subnets (least recently seen evicted first), each at most maxAddrsPerGroup
// addresses; every address or subnet state dropped is counted.
type groups struct {
	tab      *rules.KeyedTable[groupKey, group]
	ttl      int64
	entries  int
	evicted  uint64
	expired  uint64
	bitsV4   int
	bitsV6   int
	maxAddrs int
}

func newGroups(maxEntries int, ttl time.Duration, bitsV4, bitsV6 int) *groups {
	g := &groups{tab: rules.NewKeyedTable[groupKey, group](maxEntries, ttl), ttl: int64(ttl),
		bitsV4: bitsV4, bitsV6: bitsV6, maxAddrs: maxAddrsPerGroup}
	g.tab.OnDrop = g.dropGroup
	return g
}

func (g *groups) dropGroup(v *group, expired bool) {
	v.each(func(_ string, p *part) { g.dropPart(p, expired) })
}

func (g *groups) dropPart(p *part, expired bool) {
	if !p.live {
		return
	}
	if expired {
		g.expired++
	} else {
		g.evicted++
	}
	g.entries--
	*p = part{}
}

// subnet is the group an address belongs to.
func (g *groups) subnet(ip netip.Addr) netip.Prefix {
	bits := g.bitsV4
	if ip.Is6() {
		bits = g.bitsV6
	}
	p, _ := ip.Prefix(bits)
	return p
}

func (g *groups) counts() rules.TableCounts {
	return rules.TableCounts{Entries: g.entries, Evicted: g.evicted, Expired: g.expired}
}

// get returns the group of subnet pfx, marked seen at now.
func (g *groups) get(pfx netip.Prefix, now time.Time) *group {
	return g.tab.Upsert(groupKeyOf(pfx), now)
}

// use returns the part's state, clearing it first when it is past the TTL, marked seen at now.
func (g *groups) use(p *part, now int64) *keyState {
	if p.live && g.ttl > 0 && now-p.seen > g.ttl {
		g.dropPart(p, true)
	}
	if !p.live {
		p.live, p.seen = true, now
		g.entries++
	} else if now > p.seen {
		p.seen = now
	}
	return &p.st
}

// netState returns the subnet's own state.
func (g *groups) netState(gr *group, now time.Time) *keyState {
	return g.use(&gr.net, rules.UnixNano(now))
}

// addrState returns the state of address ip in its group.
func (g *groups) addrState(gr *group, ip netip.Addr, now time.Time) *keyState {
	n := rules.UnixNano(now)
	if gr.first.live && gr.first.ip == ip {
		return g.use(&gr.first.part, n)
	}
	for i := range gr.more {
		if a := &gr.more[i]; a.live && a.ip == ip {
			return g.use(&a.part, n)
		}
	}
	a := g.freeAddr(gr, n)
	a.ip = ip
	return g.use(&a.part, n)
}

// freeAddr returns an empty place for a new address: an unused one, an expired one, a new one
// within the bound, else the least recently seen (evicted).
func (g *groups) freeAddr(gr *group, now int64) *addrPart {
	if !gr.first.live {
		return &gr.first
	}
	oldest := &gr.first
	for i := range gr.more {
		a := &gr.more[i]
		if !a.live {
			return a
		}
		if g.ttl > 0 && now-a.seen > g.ttl {
			g.dropPart(&a.part, true)
			return a
		}
		if a.seen < oldest.seen {
			oldest = a
		}
	}
	if g.ttl > 0 && now-gr.first.seen > g.ttl {
		g.dropPart(&gr.first.part, true)
		return &gr.first
	}
	if 1+len(gr.more) < g.maxAddrs {
		gr.more = append(gr.more, addrPart{})
		return &gr.more[len(gr.more)-1]
	}
	g.dropPart(&oldest.part, false)
	return oldest
}

// each calls fn for every live part with its saved key ("ip:<address>", "net:<prefix>"),
// the subnet's given by the caller's prefix.
func (gr *group) each(fn func(addr string, p *part)) {
	if gr.net.live {
		fn("", &gr.net)
	}
	if gr.first.live {
		fn(gr.first.ip.String(), &gr.first.part)
	}
	for i := range gr.more {
		if a := &gr.more[i]; a.live {
			fn(a.ip.String(), &a.part)
		}
	}
}

// savedPart is a part as saved: the format of a rules.Table entry.
type savedPart struct {
	Seen  time.Time `json:"seen"`
	Value keyState  `json:"v"`
}

// save writes every address and subnet state as "ip:<address>" and "net:<prefix>", in key
// order, each expiring at last seen + TTL.
func (g *groups) save(put func(key string, value []byte, expires time.Time) error) error {
	type item struct {
		key string
		p   *part
	}
	var all []item
	g.tab.Each(func(k groupKey, gr *group) {
		gr.each(func(addr string, p *part) {
			if addr == "" {
				all = append(all, item{"net:" + k.prefix().String(), p})
			} else {
				all = append(all, item{"ip:" + addr, p})
			}
		})
	})
	slices.SortFunc(all, func(a, b item) int { return strings.Compare(a.key, b.key) })
	for _, it := range all {
		seen := time.Unix(0, it.p.seen).UTC()
		raw, err := json.Marshal(&savedPart{Seen: seen, Value: it.p.st})
		if err != nil {
			return fmt.Errorf("encode %s: %w", it.key, err)
		}
		var exp time.Time
		if g.ttl > 0 {
			exp = seen.Add(time.Duration(g.ttl))
		}
		if err := put(it.key, raw, exp); err != nil {
			return err
		}
	}
	return nil
}

// load restores one state written by save.
func (g *groups) load(key string, raw []byte) error {
	var sp savedPart
	if err := json.Unmarshal(raw, &sp); err != nil {
		return fmt.Errorf("shared_source: decode %s: %w", key, err)
	}
	var p *part
	switch {
	case strings.HasPrefix(key, "ip:"):
		ip, err := netip.ParseAddr(key[3:])
		if err != nil {
			return fmt.Errorf("shared_source: state key %q: %w", key, err)
		}
		ip = ip.Unmap()
		gr := g.get(g.subnet(ip), sp.Seen)
		g.addrState(gr, ip, sp.Seen)
		p = g.findAddr(gr, ip)
	case strings.HasPrefix(key, "net:"):
		pfx, err := netip.ParsePrefix(key[4:])
		if err != nil {
			return fmt.Errorf("shared_source: state key %q: %w", key, err)
		}
		gr := g.get(pfx.Masked(), sp.Seen)
		g.netState(gr, sp.Seen)
		p = &gr.net
	default:
		return fmt.Errorf("shared_source: unknown state key %q", key)
	}
	p.seen, p.st = rules.UnixNano(sp.Seen), sp.Value
	return nil
}

func (g *groups) findAddr(gr *group, ip netip.Addr) *part {
	if gr.first.live && gr.first.ip == ip {
		return &gr.first.part
	}
	for i := range gr.more {
		if a := &gr.more[i]; a.live && a.ip == ip {
			return &a.part
		}
	}
	return nil
}
