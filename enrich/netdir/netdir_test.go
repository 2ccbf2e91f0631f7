package netdir

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch"
)

func TestIsPublic(t *testing.T) {
	for s, want := range map[string]bool{
		"8.8.8.8": true, "2600:1700::10": true, "::ffff:8.8.8.8": true, "1.1.1.1": true,
		"10.1.1.1": false, "172.16.0.1": false, "192.168.1.1": false, "100.64.0.1": false,
		"127.0.0.1": false, "169.254.1.1": false, "0.1.2.3": false, "224.0.0.1": false,
		"255.255.255.255": false, "192.0.2.1": false, "198.51.100.1": false, "203.0.113.1": false,
		"198.18.0.1": false, "240.0.0.1": false, "::1": false, "fe80::1": false, "fd00::1": false,
		"2001:db8::1": false, "ff02::1": false, "::": false, "2001::1": false, "::ffff:10.0.0.1": false,
	} {
		if got := IsPublic(netip.MustParseAddr(s)); got != want {
			t.Errorf("IsPublic(%s) = %v, want %v", s, got, want)
		}
	}
	if IsPublic(netip.Addr{}) {
		t.Error("invalid address is public")
	}
}

func TestDirection(t *testing.T) {
	n, err := New(Config{DefaultInternal: true, Internal: []string{"198.51.100.0/24", "2001:db8:5::1"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ src, dst, want string }{
		{"10.0.0.5", "8.8.8.8", borderwatch.DirectionOutbound},
		{"8.8.8.8", "192.168.1.10", borderwatch.DirectionInbound},
		{"10.0.0.5", "172.16.3.4", borderwatch.DirectionInternal},
		{"8.8.8.8", "1.1.1.1", borderwatch.DirectionExternal},
		{"198.51.100.20", "8.8.8.8", borderwatch.DirectionOutbound},
		{"2001:db8:5::1", "2600::1", borderwatch.DirectionOutbound},
		{"fd12::1", "2600::1", borderwatch.DirectionOutbound},
		{"100.64.1.1", "8.8.8.8", borderwatch.DirectionOutbound},
		{"127.0.0.1", "127.0.0.1", borderwatch.DirectionInternal},
		{"::ffff:10.0.0.5", "8.8.8.8", borderwatch.DirectionOutbound},
	}
	for _, tt := range tests {
		if got := n.Direction(netip.MustParseAddr(tt.src), netip.MustParseAddr(tt.dst)); got != tt.want {
			t.Errorf("%s → %s = %s, want %s", tt.src, tt.dst, got, tt.want)
		}
	}
	if got := n.Direction(netip.Addr{}, netip.MustParseAddr("8.8.8.8")); got != borderwatch.DirectionUnknown {
		t.Errorf("missing source = %s", got)
	}
	off, _ := New(Config{})
	if off.Internal(netip.MustParseAddr("10.0.0.1")) || off.Size() != 0 {
		t.Error("default networks used although switched off")
	}
	var zero Networks
	if zero.Internal(netip.MustParseAddr("10.0.0.1")) {
		t.Error("zero value has internal networks")
	}
}

func TestValidate(t *testing.T) {
	c := Config{Internal: []string{"10.0.0.0/8", "bogus", "2001:db8::/129"}}
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "internal[1]") || !strings.Contains(err.Error(), "internal[2]") {
		t.Fatalf("err = %v", err)
	}
}

func TestGeoAddr(t *testing.T) {
	for in, want := range map[string]string{
		"64:ff9b::5ff6:800a": "95.246.128.10", "::ffff:8.8.8.8": "8.8.8.8", "2600::1": "2600::1", "8.8.4.4": "8.8.4.4",
		"64:ff9b:1::1": "64:ff9b:1::1",
	} {
		if got := GeoAddr(netip.MustParseAddr(in)); got.String() != want {
			t.Errorf("GeoAddr(%s) = %s, want %s", in, got, want)
		}
	}
}
