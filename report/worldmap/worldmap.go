// Package worldmap holds Natural Earth country outlines (1:110m, public domain, from the npm
// world-atlas package) as SVG paths, and the projection that places points on them. The
// shapes are generated into countries.txt by internal/gen and embedded in the binary, so a
// report that uses them needs no network access.
package worldmap

import (
	_ "embed"
	"strings"
	"sync"
)

//go:generate sh -c "cd ../.. && make worldmap"

// The map is an equirectangular projection of longitude -180..180 and latitude North..South
// onto a Width × Height viewBox (Antarctica is left out).
const (
	North  = 84.0
	South  = -58.0
	Scale  = 2000.0 / 360.0 // units per degree
	Width  = 2000.0
	Height = (North - South) * Scale
)

// Project maps a latitude and longitude to viewBox coordinates. Points beyond the map's
// latitudes are clamped to its edge.
func Project(lat, lon float64) (x, y float64) {
	lat = max(min(lat, North), South)
	lon = max(min(lon, 180), -180)
	return (lon + 180) * Scale, (North - lat) * Scale
}

// Country is one country's outline.
type Country struct {
	ISO  string // ISO 3166-1 alpha-2 code, upper case (XK for Kosovo)
	Name string // Natural Earth's short name
	Path string // SVG path data in the viewBox of Project
}

//go:embed countries.txt
var countriesTxt string

var (
	once      sync.Once
	countries []Country
)

// Countries returns the outlines, sorted by ISO code. Several shapes may share one code
// (e.g. CY). The slice is shared: callers must not modify it. Safe for concurrent use.
func Countries() []Country {
	once.Do(func() {
		for _, line := range strings.Split(countriesTxt, "\n") {
			if line == "" || line[0] == '#' {
				continue
			}
			f := strings.SplitN(line, "\t", 3)
			if len(f) != 3 {
				continue
			}
			countries = append(countries, Country{ISO: f[0], Name: f[1], Path: f[2]})
		}
	})
	return countries
}

// Name returns the name of the country with the ISO code iso, or "" if the map lacks it.
func Name(iso string) string {
	for _, c := range Countries() {
		if c.ISO == iso {
			return c.Name
		}
	}
	return ""
}
