package enrich

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/enrich/allowlist"
	"github.com/borderwatch/borderwatch/enrich/geoip"
	"github.com/borderwatch/borderwatch/enrich/internal/addrcache"
	"github.com/borderwatch/borderwatch/enrich/iprange"
	"github.com/borderwatch/borderwatch/enrich/netdir"
)

// Result is everything known about one address. A Result returned by Chain.Lookup is shared
// with the cache and with every event it enriched: treat it and what it points to as read-only.
type Result struct {
	IP                netip.Addr         `json:"ip"`
	Public            bool               `json:"public"`    // globally routable; only public addresses are looked up in GeoIP
	Direction         string             `json:"direction"` // internal or external, for the address alone
	Geo               *borderwatch.Geo   `json:"geo,omitempty"`
	AS                *borderwatch.AS    `json:"as,omitempty"`
	RegisteredCountry string             `json:"registered_country,omitempty"`
	GeoNetwork        netip.Prefix       `json:"geo_network,omitzero"`
	Intel             *borderwatch.Intel `json:"intel,omitempty"` // nil when nothing beyond geo and AS is known
	Err               string             `json:"error,omitempty"` // a GeoIP decode error, when one happened
	gen               uint64
}

// Stats are the Chain's counters.
type Stats struct {
	CacheHits, CacheMisses, CacheEvictions uint64
	CacheLen                               int
	GeoErrors                              uint64 // lookups a database failed to decode
	Reloads, ReloadErrors                  uint64
	// RecordCache* count the GeoIP caches of decoded records (keyed by record, not address).
	RecordCacheHits, RecordCacheMisses, RecordCacheEvictions uint64
}

// Chain is the enrichment stage. It is safe for concurrent use; lookups never wait for a
// reload. Build it with New and Close it when done. The zero value is not usable.
type Chain struct {
	cfg    Config
	log    *slog.Logger
	geo    *geoip.DB
	ranges *iprange.Loader
	nets   *netdir.Networks
	allow  *allowlist.Set
	cache  *addrcache.Cache[netip.Addr, *Result]

	gen                   atomic.Uint64 // bumped by every reload that changed something
	hits, misses          atomic.Uint64
	reloads, reloadErrors atomic.Uint64
	stop                  chan struct{}
	done                  chan struct{}
	closeOnce             sync.Once
}

var (
	_ borderwatch.Enricher = (*Chain)(nil)
	_ io.Closer            = (*Chain)(nil)
)

// New opens the GeoIP databases, loads the range lists and, when cfg.Reload > 0, starts
// watching their files. Configuration errors and unusable GeoIP files are errors; a range
// list whose file is missing is only logged.
func New(cfg Config, log *slog.Logger) (*Chain, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Chain{cfg: cfg, log: log}
	var err error
	if c.geo, err = geoip.Open(cfg.GeoIP, log.With("part", "geoip")); err != nil {
		return nil, err
	}
	if c.ranges, err = iprange.NewLoader(cfg.Ranges, log.With("part", "ranges")); err != nil {
		return nil, err
	}
	if c.nets, err = netdir.New(cfg.Networks); err != nil {
		return nil, err
	}
	if c.allow, err = allowlist.New(cfg.Allowlists); err != nil {
		return nil, err
	}
	c.cache = addrcache.New[netip.Addr, *Result](cfg.CacheSize)
	if cfg.Reload > 0 {
		c.stop, c.done = make(chan struct{}), make(chan struct{})
		go c.watch(cfg.Reload)
	}
	return c, nil
}

// GeoIP returns the GeoIP databases in use.
func (c *Chain) GeoIP() *geoip.DB { return c.geo }

// Lists describes the loaded range lists.
func (c *Chain) Lists() []iprange.List { return c.ranges.Table().Lists() }

// Networks returns the internal networks.
func (c *Chain) Networks() *netdir.Networks { return c.nets }

// Allowlists returns the allowlists.
func (c *Chain) Allowlists() *allowlist.Set { return c.allow }

func (c *Chain) watch(every time.Duration) {
	defer close(c.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.Reload()
		}
	}
}

// Reload checks every database and list file now and swaps in those that were replaced.
// Cached results made before the swap are not used afterwards.
func (c *Chain) Reload() (bool, error) {
	g, gerr := c.geo.Reload()
	r, rerr := c.ranges.Reload()
	err := errors.Join(gerr, rerr)
	if err != nil {
		c.reloadErrors.Add(1)
		c.log.Warn("reload", "error", err)
	}
	if g || r {
		c.gen.Add(1)
		c.reloads.Add(1)
	}
	return g || r, err
}

// Lookup returns everything known about a. It is cached: a hit does not allocate.
func (c *Chain) Lookup(a netip.Addr) *Result {
	a = a.Unmap()
	gen := c.gen.Load()
	if r, ok := c.cache.Get(a); ok && r.gen == gen {
		c.hits.Add(1)
		return r
	}
	c.misses.Add(1)
	r := c.lookup(a, gen)
	c.cache.Add(a, r)
	return r
}

func (c *Chain) lookup(a netip.Addr, gen uint64) *Result {
	// A NAT64 address stands for the IPv4 peer it embeds: look that one up everywhere.
	ga := netdir.GeoAddr(a)
	r := Result{IP: a, Public: netdir.IsPublic(ga), gen: gen, Direction: borderwatch.DirectionExternal}
	rec, err := c.geo.Lookup(a)
	if err != nil {
		r.Err = err.Error()
		// A corrupt database fails the same way for many addresses: log the first failure
		// and then every 1000th; Stats.GeoErrors counts them all.
		if n := c.geo.Errors(); n == 1 || n%1000 == 0 {
			c.log.Warn("geoip lookup failed; the event keeps what the other databases knew", "addr", a, "error", err, "failures", n)
		}
	}
	r.Geo, r.AS, r.RegisteredCountry, r.GeoNetwork = rec.Geo, rec.AS, rec.RegisteredCountry, rec.Network
	var asn uint32
	if rec.AS != nil {
		asn = rec.AS.Number
	}
	hits := c.ranges.Table().Lookup(ga, asn)
	in := borderwatch.Intel{
		Internal:    c.nets.Internal(a),
		Lists:       hits.Lists,
		Categories:  hits.Categories,
		Anonymous:   rec.Anonymous,
		Allowlisted: c.allow.Addr(ga, asn),
	}
	if in.Internal {
		r.Direction = borderwatch.DirectionInternal
	}
	if cats := geoip.AnonymousCategories(rec.Anonymous); len(cats) > 0 {
		in.Categories = slices.Clone(in.Categories)
		for _, cat := range cats {
			if !slices.Contains(in.Categories, cat) {
				in.Categories = append(in.Categories, cat)
			}
		}
		slices.Sort(in.Categories)
	}
	if in.Internal || len(in.Lists) > 0 || len(in.Anonymous) > 0 || len(in.Allowlisted) > 0 {
		// The result and its intel in one allocation; a result without intel is smaller.
		both := &resultWithIntel{Result: r, intel: in}
		both.Intel = &both.intel
		return &both.Result
	}
	p := new(Result)
	*p = r
	return p
}

// resultWithIntel holds a Result and the Intel it points to.
type resultWithIntel struct {
	Result
	intel borderwatch.Intel
}

// Enrich fills source and destination geo, as and borderwatch.source/destination, and
// network.direction for network events. Fields a parser already set (e.g. a vendor's AS) are
// kept. It never fails; a GeoIP decode error is counted (Stats.GeoErrors) and the event goes
// on with what was known.
//
// The Geo, AS and Intel values it sets are shared with the cache and with other events, so
// that a cache hit does not allocate: later stages must treat them as read-only and replace
// them with a copy to change them.
func (c *Chain) Enrich(_ context.Context, ev *borderwatch.Event) error {
	if ev.Source.IP.IsValid() {
		c.endpoint(&ev.Source, &ev.Borderwatch.Source)
	}
	if ev.Destination.IP.IsValid() {
		c.endpoint(&ev.Destination, &ev.Borderwatch.Destination)
	}
	if c.allow.Len() > 0 {
		c.allowUser(ev)
	}
	if ev.Network.Direction == "" && ev.HasCategory(borderwatch.CategoryNetwork) &&
		ev.Source.IP.IsValid() && ev.Destination.IP.IsValid() {
		ev.Network.Direction = c.nets.Direction(ev.Source.IP, ev.Destination.IP)
	}
	return nil
}

func (c *Chain) endpoint(ep *borderwatch.Endpoint, intel **borderwatch.Intel) {
	r := c.Lookup(ep.IP)
	if ep.Geo == nil {
		ep.Geo = r.Geo
	}
	if ep.AS == nil {
		ep.AS = r.AS
	}
	switch {
	case r.Intel == nil:
	case *intel == nil:
		*intel = r.Intel
	default:
		// Another stage (passive DNS) got here first: merge into a copy of its own.
		m := **intel
		m.Internal = m.Internal || r.Intel.Internal
		m.Lists = mergeHits(m.Lists, r.Intel.Lists)
		m.Categories = mergeStrings(m.Categories, r.Intel.Categories)
		m.Anonymous = mergeStrings(m.Anonymous, r.Intel.Anonymous)
		m.Allowlisted = mergeStrings(m.Allowlisted, r.Intel.Allowlisted)
		*intel = &m
	}
}

// allowUser records user allowlists on the source side, where the acting user is.
func (c *Chain) allowUser(ev *borderwatch.Event) {
	names := c.allow.User(ev.User.Name)
	if ev.User.Email != "" && ev.User.Email != ev.User.Name {
		names = mergeStrings(names, c.allow.User(ev.User.Email))
	}
	if len(names) == 0 {
		return
	}
	var m borderwatch.Intel
	if ev.Borderwatch.Source != nil {
		m = *ev.Borderwatch.Source
	}
	m.Allowlisted = mergeStrings(m.Allowlisted, names)
	ev.Borderwatch.Source = &m
}

func mergeStrings(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func mergeHits(a, b []borderwatch.ListHit) []borderwatch.ListHit {
	if len(b) == 0 {
		return a
	}
	out := slices.Clone(a)
	for _, h := range b {
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// Stats returns the counters.
func (c *Chain) Stats() Stats {
	rc := c.geo.RecordCacheStats()
	return Stats{
		CacheHits: c.hits.Load(), CacheMisses: c.misses.Load(), CacheEvictions: c.cache.Evictions(),
		CacheLen: c.cache.Len(), GeoErrors: c.geo.Errors(),
		Reloads: c.reloads.Load(), ReloadErrors: c.reloadErrors.Load(),
		RecordCacheHits: rc.Hits, RecordCacheMisses: rc.Misses, RecordCacheEvictions: rc.Evictions,
	}
}

// Close stops watching files and releases the databases. Safe to call more than once.
func (c *Chain) Close() error {
	c.closeOnce.Do(func() {
		if c.stop != nil {
			close(c.stop)
			<-c.done
		}
		s := c.Stats()
		c.log.Debug("enrichment stats", "cache_hits", s.CacheHits, "cache_misses", s.CacheMisses,
			"cache_evictions", s.CacheEvictions, "geo_errors", s.GeoErrors, "reloads", s.Reloads)
	})
	return nil
}
