package iprange

import (
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
)

func names(h *Hits) []string {
	var out []string
	for _, l := range h.Lists {
		out = append(out, l.Name)
	}
	return out
}

func TestTableOverlaps(t *testing.T) {
	lists := []ListConfig{
		{Name: "datacenter", Category: "hosting"},
		{Name: "nordvpn", Category: "vpn", Provider: "nordvpn"},
		{Name: "tor", Category: "tor"},
		{Name: "m247_asn", Category: "hosting", Provider: "m247"},
	}
	parsed := []*Parsed{
		{Prefixes: pfxs("89.238.128.0/18", "2a0d:5600::/29")},
		{Prefixes: pfxs("89.238.130.0/24", "89.238.130.7/32")},
		{Prefixes: pfxs("89.238.130.7/32", "185.220.101.1/32")},
		{ASNs: []uint32{9009}},
	}
	tb := Build(lists, parsed)
	tests := []struct {
		addr  string
		asn   uint32
		lists []string
		cats  []string
	}{
		{"89.238.128.1", 0, []string{"datacenter"}, []string{"hosting"}},
		{"89.238.130.1", 0, []string{"datacenter", "nordvpn"}, []string{"hosting", "vpn"}},
		{"89.238.130.7", 0, []string{"datacenter", "nordvpn", "tor"}, []string{"hosting", "tor", "vpn"}},
		{"185.220.101.1", 0, []string{"tor"}, []string{"tor"}},
		{"2a0d:5600::1", 0, []string{"datacenter"}, []string{"hosting"}},
		{"::ffff:89.238.128.1", 0, []string{"datacenter"}, []string{"hosting"}},
		{"8.8.8.8", 0, nil, nil},
		{"8.8.8.8", 9009, []string{"m247_asn"}, []string{"hosting"}},
		{"89.238.130.1", 9009, []string{"datacenter", "nordvpn", "m247_asn"}, []string{"hosting", "vpn"}},
	}
	for _, tt := range tests {
		h := tb.Lookup(netip.MustParseAddr(tt.addr), tt.asn)
		if !slices.Equal(names(h), tt.lists) || !slices.Equal(h.Categories, tt.cats) {
			t.Errorf("%s AS%d: lists %v cats %v, want %v %v", tt.addr, tt.asn, names(h), h.Categories, tt.lists, tt.cats)
		}
	}
	h := tb.Lookup(netip.MustParseAddr("89.238.130.1"), 0)
	if h.Lists[1] != (borderwatch.ListHit{Name: "nordvpn", Category: "vpn", Provider: "nordvpn"}) {
		t.Errorf("hit = %+v", h.Lists[1])
	}
	l := tb.Lists()
	if l[0].Prefixes4 != 1 || l[0].Prefixes6 != 1 || l[1].Prefixes4 != 2 || l[3].ASNs != 1 {
		t.Errorf("counts = %+v", l)
	}
	if tb.Size() != 5 {
		t.Errorf("size = %d, want 5", tb.Size())
	}
	var zero *Table
	if h := zero.Lookup(netip.MustParseAddr("1.1.1.1"), 1); len(h.Lists) != 0 {
		t.Error("nil table matched")
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	tb := Build([]ListConfig{{Name: "a", Category: "vpn"}}, []*Parsed{{Prefixes: pfxs("10.0.0.0/8")}})
	a := netip.MustParseAddr("10.1.2.3")
	if n := testing.AllocsPerRun(100, func() { tb.Lookup(a, 0) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func TestConfigValidate(t *testing.T) {
	c := DefaultConfig()
	c.Lists = []ListConfig{
		{Name: "ok", Category: "vpn", Path: "/x"},
		{Name: "ok", Category: "vpn", Path: "/x"},
		{Name: "Bad Name", Category: "vpn", Path: "/x"},
		{Name: "c", Category: "vpns", Path: "/x"},
		{Name: "d", Category: "vpn", Provider: "NordVPN", Path: "/x"},
		{Name: "e", Category: "vpn", Format: "xml", Path: "/x"},
		{Name: "f", Category: "vpn"},
		{Name: "g", Category: "vpn", Path: "/x", URL: "ftp://x"},
	}
	c.Fetch.Timeout = 0
	err := c.Validate()
	for _, want := range []string{"used twice", "lowercase letters", `category "vpns"`, `provider must be lowercase, e.g. "nordvpn"`,
		`format "xml"`, "path is required", "url must start", "fetch.timeout"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q: %v", want, err)
		}
	}
	ok := DefaultConfig()
	ok.Lists = []ListConfig{{Name: "x4bnet_vpn", Category: "vpn", Path: "/x", URL: "https://example.org/x"}}
	if err := ok.Validate(); err != nil {
		t.Error(err)
	}
}

func TestLoaderReload(t *testing.T) {
	dir := t.TempDir()
	vpn := filepath.Join(dir, "vpn.txt")
	missing := filepath.Join(dir, "later.txt")
	if err := os.WriteFile(vpn, []byte("192.0.2.0/24\nbogus\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	cfg := DefaultConfig()
	cfg.Lists = []ListConfig{
		{Name: "vpn", Category: "vpn", Path: vpn},
		{Name: "later", Category: "tor", Path: missing, URL: "https://example.org/tor"},
	}
	l, err := NewLoader(cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"list=vpn", "ipv4_prefixes=1", "bad_lines=1", "list=later", "borderwatch ranges fetch"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("start-up log lacks %q:\n%s", want, logs.String())
		}
	}
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.1")
	if got := names(l.Table().Lookup(a, 0)); !slices.Equal(got, []string{"vpn"}) {
		t.Fatalf("before: %v", got)
	}
	if changed, err := l.Reload(); changed || err != nil {
		t.Fatalf("reload without change: %v %v", changed, err)
	}

	// Replace the first list by rename, create the second one.
	tmp := filepath.Join(dir, "vpn.tmp")
	os.WriteFile(tmp, []byte("198.51.100.0/24\n"), 0o644)
	if err := os.Rename(tmp, vpn); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(missing, []byte("192.0.2.1\n"), 0o644)
	changed, err := l.Reload()
	if !changed || err != nil {
		t.Fatalf("reload: %v %v", changed, err)
	}
	if got := names(l.Table().Lookup(a, 0)); !slices.Equal(got, []string{"later"}) {
		t.Errorf("after: %s → %v", a, got)
	}
	if got := names(l.Table().Lookup(b, 0)); !slices.Equal(got, []string{"vpn"}) {
		t.Errorf("after: %s → %v", b, got)
	}

	// A file that turns into garbage JSON keeps the previous content.
	time.Sleep(10 * time.Millisecond)
	os.WriteFile(vpn, []byte(`{"prefixes": [`), 0o644)
	changed, err = l.Reload()
	if changed || err == nil {
		t.Fatalf("broken file: changed=%v err=%v", changed, err)
	}
	if got := names(l.Table().Lookup(b, 0)); !slices.Equal(got, []string{"vpn"}) {
		t.Errorf("broken file dropped the list: %v", got)
	}
}
