package pdns

import (
	"fmt"
	"net/netip"
	"sync"
	"time"
)

// Config bounds the cache.
type Config struct {
	MaxEntries int           `yaml:"max_entries"` // addresses kept; the oldest insertion is evicted beyond
	MinTTL     time.Duration `yaml:"min_ttl"`     // floor on a record's lifetime (short TTLs outlive their answer in practice)
	MaxTTL     time.Duration `yaml:"max_ttl"`     // cap on a record's lifetime
}

// DefaultConfig keeps 65 536 addresses, each for its TTL but at least 5 minutes and at most a day.
func DefaultConfig() Config {
	return Config{MaxEntries: 65536, MinTTL: 5 * time.Minute, MaxTTL: 24 * time.Hour}
}

// Validate reports settings that cannot work.
func (c *Config) Validate() error {
	if c.MaxEntries < 0 {
		return fmt.Errorf("passive_dns.max_entries must be >= 0 (0 turns passive DNS off), e.g. 65536")
	}
	if c.MinTTL < 0 || c.MaxTTL <= 0 || c.MinTTL > c.MaxTTL {
		return fmt.Errorf("passive_dns.min_ttl (%s) must be >= 0 and <= max_ttl (%s), e.g. 5m and 24h", c.MinTTL, c.MaxTTL)
	}
	return nil
}

type entry struct {
	name    string
	expires int64
	slot    uint32 // position in the ring
}

// Stats count the cache's work.
type Stats struct {
	Inserts, Updates, Hits, Misses, Expired, Evicted uint64
	Entries                                          int
}

// Cache maps addresses to names. A nil *Cache is valid and empty. Methods are safe for
// concurrent use (one mutex: inserts come from DNS answers, lookups once per new flow).
type Cache struct {
	mu    sync.Mutex
	cfg   Config
	m     map[netip.Addr]entry
	ring  []netip.Addr // insertion order, for eviction
	pos   uint32
	stats Stats
}

// New returns a cache, or nil when cfg.MaxEntries is 0.
func New(cfg Config) *Cache {
	if cfg.MaxEntries == 0 {
		return nil
	}
	return &Cache{cfg: cfg, m: make(map[netip.Addr]entry), ring: make([]netip.Addr, 0, min(cfg.MaxEntries, 4096))}
}

// Put records that name resolved to addr with ttl seconds, seen at at.
func (c *Cache) Put(addr netip.Addr, name string, ttl uint32, at time.Time) {
	if c == nil || !addr.IsValid() || name == "" {
		return
	}
	life := min(max(time.Duration(ttl)*time.Second, c.cfg.MinTTL), c.cfg.MaxTTL)
	exp := at.Add(life).UnixNano()
	addr = addr.Unmap()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[addr]; ok {
		e.name, e.expires = name, exp // the latest answer wins
		c.m[addr] = e
		c.stats.Updates++
		return
	}
	c.stats.Inserts++
	if len(c.ring) < c.cfg.MaxEntries {
		c.ring = append(c.ring, addr)
		c.m[addr] = entry{name: name, expires: exp, slot: uint32(len(c.ring) - 1)}
		return
	}
	// full: the ring slot at pos holds the oldest insertion still possibly present
	old := c.ring[c.pos]
	if e, ok := c.m[old]; ok && e.slot == c.pos {
		delete(c.m, old)
		c.stats.Evicted++
	}
	c.ring[c.pos] = addr
	c.m[addr] = entry{name: name, expires: exp, slot: c.pos}
	c.pos = (c.pos + 1) % uint32(len(c.ring))
}

// Get returns the name addr was last resolved from, if that answer is still live at at.
func (c *Cache) Get(addr netip.Addr, at time.Time) (string, bool) {
	if c == nil {
		return "", false
	}
	addr = addr.Unmap()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[addr]
	if !ok {
		c.stats.Misses++
		return "", false
	}
	if at.UnixNano() > e.expires {
		delete(c.m, addr)
		c.stats.Expired++
		c.stats.Misses++
		return "", false
	}
	c.stats.Hits++
	return e.name, true
}

// Stats returns a copy of the counters.
func (c *Cache) Stats() Stats {
	if c == nil {
		return Stats{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries = len(c.m)
	return s
}
