package iprange

import (
	"bytes"
	"compress/gzip"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func pfxs(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

const bom = "\xef\xbb\xbf"

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		format   Format
		in       string
		services []string
		detected Format
		prefixes []netip.Prefix
		asns     []uint32
		bad      int
		badLines []int
	}{
		{
			name: "plain with comments, BOM, IPv6, ranges and garbage",
			in: bom + "# X4BNet-style list\n" +
				"1.2.3.0/24\n" +
				"  5.6.7.8  # a single host\n" +
				"\n" +
				"2001:db8::/32\r\n" +
				"10.0.0.5/8\n" + // host bits are masked
				"192.0.2.0-192.0.2.5\n" +
				"not-an-ip\n" +
				"300.1.1.1\n" +
				"; semicolon comment\n" +
				"198.51.100.7 ; SBL12345\n" +
				"::ffff:203.0.113.0/120\n",
			detected: FormatPlain,
			prefixes: pfxs("1.2.3.0/24", "5.6.7.8/32", "2001:db8::/32", "10.0.0.0/8",
				"192.0.2.0/30", "192.0.2.4/31", "198.51.100.7/32", "203.0.113.0/24"),
			bad: 2, badLines: []int{8, 9},
		},
		{
			name:     "tor bulk exit list",
			in:       "171.25.193.77\n185.220.101.1\n2a0b:f4c2::1\n",
			detected: FormatPlain,
			prefixes: pfxs("171.25.193.77/32", "185.220.101.1/32", "2a0b:f4c2::1/128"),
		},
		{
			name: "tor exit-addresses",
			in: "ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\n" +
				"Published 2026-11-21 09:44:12\n" +
				"LastStatus 2026-11-21 11:00:00\n" +
				"ExitAddress 162.247.74.201 2026-11-21 11:05:09\n" +
				"ExitNode 0091174DE56EA6ABF2B1C3B9D1A8B1B4D3E7A6F5\n" +
				"Published 2026-11-21 02:32:11\n" +
				"LastStatus 2026-11-21 03:00:00\n" +
				"ExitAddress 185.220.101.33 2026-11-21 03:11:40\n" +
				"ExitAddress 185.220.101.34 2026-11-21 03:11:40\n" +
				"ExitAddress\n" +
				"Bogus line\n",
			detected: FormatTor,
			prefixes: pfxs("162.247.74.201/32", "185.220.101.33/32", "185.220.101.34/32"),
			bad:      2, badLines: []int{10, 11},
		},
		{
			name: "aws ip-ranges.json with service filter",
			in: `{"syncToken":"1700000000","createDate":"2026-11-21-00-00-00","prefixes":[
				{"ip_prefix":"3.5.140.0/22","region":"ap-northeast-2","service":"AMAZON","network_border_group":"ap-northeast-2"},
				{"ip_prefix":"13.34.37.64/27","region":"ap-southeast-4","service":"EC2","network_border_group":"ap-southeast-4"},
				{"ip_prefix":"bogus","region":"x","service":"EC2"}],
				"ipv6_prefixes":[{"ipv6_prefix":"2600:1f14::/35","region":"us-west-2","service":"EC2","network_border_group":"us-west-2"}]}`,
			services: []string{"EC2"},
			detected: FormatAWS,
			prefixes: pfxs("13.34.37.64/27", "2600:1f14::/35"),
			bad:      1, badLines: []int{3},
		},
		{
			name: "gcp cloud.json",
			in: `{"syncToken":"1","creationTime":"2026-11-21T00:00:00","prefixes":[
				{"ipv4Prefix":"34.1.208.0/20","service":"Google Cloud","scope":"africa-south1"},
				{"ipv6Prefix":"2600:1900:8000::/44","service":"Google Cloud","scope":"africa-south1"}]}`,
			detected: FormatGCP,
			prefixes: pfxs("34.1.208.0/20", "2600:1900:8000::/44"),
		},
		{
			name: "azure service tags, mixed families, name filter",
			in: bom + `{"changeNumber":1,"cloud":"Public","values":[
				{"name":"AzureCloud.eastus","id":"AzureCloud.eastus","properties":{"region":"eastus","systemService":"","addressPrefixes":["13.68.128.0/17","2603:1030:20c::/47"]}},
				{"name":"AzureFrontDoor.Frontend","properties":{"systemService":"AzureFrontDoor","addressPrefixes":["13.107.246.0/24"]}}]}`,
			services: []string{"AzureCloud"},
			detected: FormatAzure,
			prefixes: pfxs("13.68.128.0/17", "2603:1030:20c::/47"),
		},
		{
			name: "oracle public_ip_ranges.json",
			in: `{"last_updated_timestamp":"2026-11-21T00:00:00","regions":[{"region":"us-phoenix-1","cidrs":[
				{"cidr":"129.146.0.0/21","tags":["OCI"]},{"cidr":"134.70.8.0/21","tags":["OSN","OBJECT_STORAGE"]}]}]}`,
			detected: FormatOracle,
			prefixes: pfxs("129.146.0.0/21", "134.70.8.0/21"),
		},
		{
			name: "rfc 8805 geofeed with BOM, comments and IPv6",
			in: bom + "# DigitalOcean-style geofeed\n" +
				"104.131.0.0/18,US,US-NY,New York,10011\n" +
				"2604:a880::/48,US,US-NY,New York,\n" +
				"garbage,US,,,\n" +
				"172.104.128.0/20,JP,JP-13,Tokyo,\n",
			detected: FormatGeofeed,
			prefixes: pfxs("104.131.0.0/18", "2604:a880::/48", "172.104.128.0/20"),
			bad:      1, badLines: []int{4},
		},
		{
			name:     "asn list",
			in:       "# hosting ASNs used by VPN operators\nAS9009 # M247\nas60068\n212238 Datacamp\nASX\nAS0\n",
			format:   FormatASN,
			detected: FormatASN,
			asns:     []uint32{9009, 60068, 212238},
			bad:      2, badLines: []int{5, 6},
		},
		{
			name:     "asn list detected",
			in:       "AS58546 # Astrill (announces nothing)\nAS9009\n",
			detected: FormatASN,
			asns:     []uint32{58546, 9009},
		},
		{name: "empty", in: "", detected: FormatPlain},
		{name: "only comments", in: "# nothing\n\n   # more\n", detected: FormatPlain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.format
			if f == "" {
				f = FormatAuto
			}
			p, err := Parse([]byte(tt.in), f, tt.services)
			if err != nil {
				t.Fatal(err)
			}
			if p.Format != tt.detected {
				t.Errorf("format = %s, want %s", p.Format, tt.detected)
			}
			if !slices.Equal(p.Prefixes, tt.prefixes) {
				t.Errorf("prefixes = %v\nwant       %v", p.Prefixes, tt.prefixes)
			}
			if !slices.Equal(p.ASNs, tt.asns) {
				t.Errorf("asns = %v, want %v", p.ASNs, tt.asns)
			}
			if p.Bad != tt.bad {
				t.Errorf("bad = %d, want %d (%v)", p.Bad, tt.bad, p.Samples)
			}
			var lines []int
			for _, s := range p.Samples {
				lines = append(lines, s.Line)
			}
			if !slices.Equal(lines, tt.badLines) {
				t.Errorf("bad lines = %v, want %v", lines, tt.badLines)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		f        Format
		want     string
	}{
		{"broken json", `{"prefixes": [`, FormatAuto, "aws format"},
		{"json of another shape", `{"something": 1}`, FormatAuto, `no "prefixes" array`},
		{"azure without values", `{"prefixes": []}`, FormatAzure, `no "values" array`},
		{"oracle without regions", `{"values": []}`, FormatOracle, `no "regions" array`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in), tt.f, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestParseGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(bom + "192.0.2.0/24\n2001:db8::/32\n"))
	zw.Close()
	p, err := Parse(buf.Bytes(), FormatAuto, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Prefixes, pfxs("192.0.2.0/24", "2001:db8::/32")) {
		t.Fatalf("prefixes = %v", p.Prefixes)
	}
	if _, err := Parse([]byte{0x1f, 0x8b, 8, 0, 1, 2}, FormatAuto, nil); err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Fatalf("truncated gzip: %v", err)
	}
}

func TestSamplesBounded(t *testing.T) {
	in := strings.Repeat("garbage\n", 1000) + "192.0.2.1\n"
	p, err := Parse([]byte(in), FormatPlain, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Bad != 1000 || len(p.Samples) != MaxSamples || len(p.Prefixes) != 1 {
		t.Fatalf("bad=%d samples=%d prefixes=%d", p.Bad, len(p.Samples), len(p.Prefixes))
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("1.2.3.0/24\n# c\n2001:db8::/32\n"), "auto")
	f.Add([]byte("ExitNode X\nExitAddress 1.2.3.4 2026-01-01 00:00:00\n"), "tor")
	f.Add([]byte(`{"prefixes":[{"ip_prefix":"1.2.3.0/24"}]}`), "aws")
	f.Add([]byte(`{"values":[{"name":"a","properties":{"addressPrefixes":["::/0"]}}]}`), "azure")
	f.Add([]byte(`{"regions":[{"cidrs":[{"cidr":"1.0.0.0/8"}]}]}`), "oracle")
	f.Add([]byte(bom+"1.2.3.0/24,US,,,\n"), "geofeed")
	f.Add([]byte("AS1\n"), "asn")
	f.Add([]byte("1.2.3.4-1.2.3.1\n::ffff:1.2.3.4/100\n"), "plain")
	f.Fuzz(func(t *testing.T, data []byte, format string) {
		fm, err := ParseFormat(format)
		if err != nil {
			fm = FormatAuto
		}
		p, err := Parse(data, fm, nil)
		if err != nil {
			return
		}
		for _, pfx := range p.Prefixes {
			if !pfx.IsValid() || pfx != pfx.Masked() || pfx.Addr().Is4In6() {
				t.Fatalf("bad prefix %v", pfx)
			}
		}
		if len(p.Samples) > MaxSamples || len(p.Samples) > p.Bad {
			t.Fatalf("samples %d, bad %d", len(p.Samples), p.Bad)
		}
		// Every prefix must land in a table and be found again.
		tb := Build([]ListConfig{{Name: "x", Category: "custom"}}, []*Parsed{p})
		for _, pfx := range p.Prefixes {
			if h := tb.Lookup(pfx.Addr(), 0); len(h.Lists) != 1 {
				t.Fatalf("%v not found in table", pfx)
			}
		}
	})
}
