package pdns

import (
	"net/netip"
	"testing"
	"time"
)

func TestCache(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := netip.MustParseAddr("192.0.2.1")
	b := netip.MustParseAddr("2001:db8::1")
	tests := []struct {
		name   string
		cfg    Config
		puts   func(c *Cache)
		addr   netip.Addr
		at     time.Time
		want   string
		wantOK bool
	}{
		{"hit", Config{MaxEntries: 4, MinTTL: 0, MaxTTL: time.Hour}, func(c *Cache) { c.Put(a, "x.example", 60, t0) }, a, t0.Add(59 * time.Second), "x.example", true},
		{"expired", Config{MaxEntries: 4, MinTTL: 0, MaxTTL: time.Hour}, func(c *Cache) { c.Put(a, "x.example", 60, t0) }, a, t0.Add(61 * time.Second), "", false},
		{"min ttl floor", Config{MaxEntries: 4, MinTTL: 5 * time.Minute, MaxTTL: time.Hour}, func(c *Cache) { c.Put(a, "x.example", 1, t0) }, a, t0.Add(4 * time.Minute), "x.example", true},
		{"max ttl cap", Config{MaxEntries: 4, MinTTL: 0, MaxTTL: time.Minute}, func(c *Cache) { c.Put(a, "x.example", 86400, t0) }, a, t0.Add(2 * time.Minute), "", false},
		{"v4-mapped lookup", Config{MaxEntries: 4, MaxTTL: time.Hour}, func(c *Cache) { c.Put(a, "x.example", 60, t0) }, netip.MustParseAddr("::ffff:192.0.2.1"), t0, "x.example", true},
		{"latest name wins", Config{MaxEntries: 4, MaxTTL: time.Hour}, func(c *Cache) { c.Put(b, "old.example", 60, t0); c.Put(b, "new.example", 60, t0) }, b, t0, "new.example", true},
		{"evicted oldest", Config{MaxEntries: 2, MaxTTL: time.Hour}, func(c *Cache) {
			c.Put(a, "a.example", 60, t0)
			c.Put(b, "b.example", 60, t0)
			c.Put(netip.MustParseAddr("192.0.2.3"), "c.example", 60, t0)
		}, a, t0, "", false},
		{"kept newer", Config{MaxEntries: 2, MaxTTL: time.Hour}, func(c *Cache) {
			c.Put(a, "a.example", 60, t0)
			c.Put(b, "b.example", 60, t0)
			c.Put(netip.MustParseAddr("192.0.2.3"), "c.example", 60, t0)
		}, b, t0, "b.example", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(tt.cfg)
			tt.puts(c)
			got, ok := c.Get(tt.addr, tt.at)
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("Get = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestCacheBound(t *testing.T) {
	c := New(Config{MaxEntries: 100, MaxTTL: time.Hour})
	t0 := time.Unix(1e9, 0)
	for i := 0; i < 1000; i++ {
		c.Put(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), "n.example", 60, t0)
	}
	s := c.Stats()
	if s.Entries != 100 || s.Evicted != 900 {
		t.Fatalf("entries %d evicted %d; want 100 and 900", s.Entries, s.Evicted)
	}
	if _, ok := c.Get(netip.AddrFrom4([4]byte{10, 0, 3, 231}), t0); !ok {
		t.Fatal("newest entry missing")
	}
}

func TestNilCache(t *testing.T) {
	var c *Cache
	c.Put(netip.MustParseAddr("192.0.2.1"), "x", 1, time.Now())
	if _, ok := c.Get(netip.MustParseAddr("192.0.2.1"), time.Now()); ok {
		t.Fatal("nil cache returned a name")
	}
}
