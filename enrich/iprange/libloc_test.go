package iprange

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestLiblocLists loads real lists exported from the IPFire location database (Debian
// packages location and libloc-database, CC BY-SA 4.0, installed by scripts/ci/deps-enrich.sh):
// its anonymous-proxy and satellite-provider networks.
func TestLiblocLists(t *testing.T) {
	if _, err := exec.LookPath("location"); err != nil {
		msg := "the location command is missing: apt-get install location libloc-database (scripts/ci/deps-enrich.sh)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	cfg := DefaultConfig()
	for _, l := range []struct{ flag, name, category string }{
		{"--anonymous-proxy", "libloc_anonymous_proxies", "anonymous"},
		{"--satellite-provider", "libloc_satellite", "satellite"},
	} {
		out, err := exec.Command("location", "list-networks-by-flags", l.flag).Output()
		if err != nil {
			t.Fatalf("location list-networks-by-flags %s: %v", l.flag, err)
		}
		p := filepath.Join(dir, l.name+".txt")
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg.Lists = append(cfg.Lists, ListConfig{Name: l.name, Category: l.category, Provider: "libloc", Path: p})
	}
	ld, err := NewLoader(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	tb := ld.Table()
	for i, li := range tb.Lists() {
		if li.Err != "" || li.Bad != 0 || li.Prefixes4+li.Prefixes6 < 10 {
			t.Errorf("%s: %+v", li.Config.Name, li)
		}
		b, _ := os.ReadFile(cfg.Lists[i].Path)
		p, _ := Parse(b, FormatAuto, nil)
		for _, pfx := range p.Prefixes {
			found := false
			for _, h := range tb.Lookup(pfx.Addr(), 0).Lists {
				found = found || h.Name == li.Config.Name
			}
			if !found {
				t.Fatalf("%s: %s not found in the table", li.Config.Name, pfx)
			}
		}
		t.Logf("%s: %d IPv4 and %d IPv6 prefixes", li.Config.Name, li.Prefixes4, li.Prefixes6)
	}
}
