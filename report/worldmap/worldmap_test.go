package worldmap

import (
	"math"
	"regexp"
	"testing"
)

func TestCountries(t *testing.T) {
	cs := Countries()
	if len(cs) < 170 {
		t.Fatalf("%d countries, want >= 170", len(cs))
	}
	path := regexp.MustCompile(`^(M-?\d+ -?\d+(l-?\d+[ -]?-?\d+)*z)+$`)
	for _, c := range cs {
		if len(c.ISO) != 2 || c.Name == "" || !path.MatchString(c.Path) {
			t.Errorf("bad outline %q %q %.40q", c.ISO, c.Name, c.Path)
		}
	}
	for iso, name := range map[string]string{"CN": "China", "RU": "Russia", "KP": "North Korea", "XK": "Kosovo", "AQ": ""} {
		if got := Name(iso); got != name {
			t.Errorf("Name(%s) = %q, want %q", iso, got, name)
		}
	}
}

func TestProject(t *testing.T) {
	for _, tc := range []struct {
		lat, lon, x, y float64
	}{
		{North, -180, 0, 0},
		{South, 180, Width, Height},
		{0, 0, Width / 2, North * Scale},
		{-89, 200, Width, Height}, // clamped
	} {
		x, y := Project(tc.lat, tc.lon)
		if math.Abs(x-tc.x) > 1e-9 || math.Abs(y-tc.y) > 1e-9 {
			t.Errorf("Project(%g, %g) = %g, %g; want %g, %g", tc.lat, tc.lon, x, y, tc.x, tc.y)
		}
	}
}
