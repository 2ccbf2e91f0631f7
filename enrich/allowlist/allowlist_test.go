package allowlist

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestSet(t *testing.T) {
	s, err := New([]Config{
		{Name: "corporate_egress", IPs: []string{"198.51.100.0/24", "2001:db8::/32"}},
		{Name: "vpn_concentrators", IPs: []string{"198.51.100.7"}, ASNs: []string{"AS64500"}},
		{Name: "service_accounts", Users: []string{"svc-backup@example.com", "Jenkins"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr string
		asn  uint32
		want []string
	}{
		{"198.51.100.1", 0, []string{"corporate_egress"}},
		{"198.51.100.7", 0, []string{"vpn_concentrators", "corporate_egress"}},
		{"2001:db8::5", 0, []string{"corporate_egress"}},
		{"8.8.8.8", 64500, []string{"vpn_concentrators"}},
		{"198.51.100.1", 64500, []string{"corporate_egress", "vpn_concentrators"}},
		{"8.8.8.8", 0, nil},
	}
	for _, tt := range tests {
		if got := s.Addr(netip.MustParseAddr(tt.addr), tt.asn); !slices.Equal(got, tt.want) {
			t.Errorf("%s AS%d = %v, want %v", tt.addr, tt.asn, got, tt.want)
		}
	}
	if got := s.User("JENKINS"); !slices.Equal(got, []string{"service_accounts"}) {
		t.Errorf("user = %v", got)
	}
	if got := s.User("alice"); got != nil {
		t.Errorf("user alice = %v", got)
	}
	var nilSet *Set
	if nilSet.Addr(netip.MustParseAddr("1.1.1.1"), 1) != nil || nilSet.User("x") != nil || nilSet.Len() != 0 {
		t.Error("nil set matched")
	}
}

func TestValidate(t *testing.T) {
	err := Validate([]Config{{Name: "a", IPs: []string{"nope"}, ASNs: []string{"ASx"}}, {Name: "a"}, {}})
	for _, want := range []string{"ips[0]", "asns[0]", "used twice", "name is required", "lists nothing"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}
