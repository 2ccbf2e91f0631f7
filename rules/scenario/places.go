package scenario

import "github.com/borderwatch/borderwatch"

type city struct {
	Name, Country, TZ string
	Lat, Lon          float64
}

var (
	homeCities = []city{
		{"Chicago", "US", "America/Chicago", 41.88, -87.63},
		{"New York", "US", "America/New_York", 40.71, -74.0},
		{"Austin", "US", "America/Chicago", 30.27, -97.74},
		{"Seattle", "US", "America/Los_Angeles", 47.61, -122.33},
		{"Denver", "US", "America/Denver", 39.74, -104.99},
		{"Atlanta", "US", "America/New_York", 33.75, -84.39},
		{"Boston", "US", "America/New_York", 42.36, -71.06},
		{"San Francisco", "US", "America/Los_Angeles", 37.77, -122.42},
		{"Toronto", "CA", "America/Toronto", 43.65, -79.38},
		{"London", "GB", "Europe/London", 51.5, -0.12},
		{"Berlin", "DE", "Europe/Berlin", 52.52, 13.4},
		{"Warsaw", "PL", "Europe/Warsaw", 52.23, 21.01},
	}
	tripCities = []city{
		{"London", "GB", "Europe/London", 51.5, -0.12},
		{"Paris", "FR", "Europe/Paris", 48.86, 2.35},
		{"Tokyo", "JP", "Asia/Tokyo", 35.68, 139.69},
		{"Mexico City", "MX", "America/Mexico_City", 19.43, -99.13},
		{"Miami", "US", "America/New_York", 25.76, -80.19},
		{"Los Angeles", "US", "America/Los_Angeles", 34.05, -118.24},
	}
	beijing   = city{"Beijing", "CN", "Asia/Shanghai", 39.9, 116.4}
	moscow    = city{"Moscow", "RU", "Europe/Moscow", 55.75, 37.6}
	saoPaulo  = city{"São Paulo", "BR", "America/Sao_Paulo", -23.55, -46.63}
	lagos     = city{"Lagos", "NG", "Africa/Lagos", 6.52, 3.38}
	nashville = city{"Nashville", "US", "America/Chicago", 36.16, -86.78}
	hongKong  = city{"Hong Kong", "HK", "Asia/Hong_Kong", 22.3, 114.17}
	frankfurt = city{"Frankfurt", "DE", "Europe/Berlin", 50.11, 8.68}
	dallas    = city{"Dallas", "US", "America/Chicago", 32.78, -96.8}
)

type isp struct {
	ASN uint32
	Org string
}

var (
	homeISPs  = []isp{{7922, "Comcast"}, {7018, "AT&T"}, {701, "Verizon"}, {20115, "Charter"}, {5089, "Virgin Media"}, {3320, "Deutsche Telekom"}, {5617, "Orange Polska"}, {812, "Rogers"}}
	mobileISP = isp{21928, "T-Mobile USA"}
	corpISP   = isp{64500, "Example Corp"}
	nordISP   = isp{9009, "M247"}
	astrillAS = isp{136787, "TEFINCOM"}
	chinanet  = isp{4134, "CHINANET"}
	rostele   = isp{12389, "Rostelecom"}
)

// endpoint returns the ECS endpoint and enrichment intel for an address at a city.
func endpoint(ip string, c city, radius uint16, as isp, cats []string, provider string) (borderwatch.Endpoint, *borderwatch.Intel) {
	ep := borderwatch.Endpoint{IP: mustAddr(ip), Geo: &borderwatch.Geo{
		CountryISOCode: c.Country, CityName: c.Name, Timezone: c.TZ, AccuracyRadius: radius,
		Location: &borderwatch.GeoPoint{Lat: c.Lat, Lon: c.Lon},
	}}
	if as.ASN != 0 {
		ep.AS = &borderwatch.AS{Number: as.ASN, Organization: borderwatch.Organization{Name: as.Org}}
	}
	var in *borderwatch.Intel
	if len(cats) > 0 {
		in = &borderwatch.Intel{Categories: cats}
		for _, cat := range cats {
			in.Lists = append(in.Lists, borderwatch.ListHit{Name: cat, Category: cat, Provider: provider})
		}
	}
	return ep, in
}
