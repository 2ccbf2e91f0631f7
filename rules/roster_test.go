package rules_test

import (
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/rules"
)

func TestReadRoster(t *testing.T) {
	r, err := rules.ReadRoster(strings.NewReader("\ufeffTimezone, User ,Country,team\nAsia/Tokyo,Kim,jp,x\nEurope/Paris,CORP\\Ann,FR,y\n# a comment\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ user, country, tz string }{
		{"kim", "JP", "Asia/Tokyo"}, {"kim@example.com", "JP", "Asia/Tokyo"}, {`acme\kim`, "JP", "Asia/Tokyo"}, {`corp\ann`, "FR", "Europe/Paris"},
	} {
		e, ok := r.Lookup(tc.user)
		if !ok || e.Country != tc.country || e.Timezone.String() != tc.tz {
			t.Errorf("%s: %+v %v", tc.user, e, ok)
		}
	}
	if _, ok := r.Lookup("bob"); ok {
		t.Error("bob found")
	}
}

func FuzzReadRoster(f *testing.F) {
	f.Add("user,country,timezone\nkim,US,America/Chicago\n")
	f.Add("user,timezone\n\"k,im\",UTC\n")
	f.Add("user,country\n,US\n")
	f.Fuzz(func(t *testing.T, in string) {
		r, err := rules.ReadRoster(strings.NewReader(in))
		if err == nil && r == nil {
			t.Fatal("nil roster without error")
		}
		if err == nil {
			r.Lookup("kim")
		}
	})
}
