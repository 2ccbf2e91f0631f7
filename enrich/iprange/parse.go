package iprange

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"go4.org/netipx"
)

// Format is a range-list file format.
type Format string

// The formats Parse reads.
const (
	FormatAuto    Format = "auto"    // decided from the content
	FormatPlain   Format = "plain"   // one IP, CIDR or first-last range per line; # and ; comments (X4BNet, Cloudflare, Tor bulk exit list)
	FormatTor     Format = "tor"     // Tor exit-addresses: ExitNode / Published / LastStatus / ExitAddress records
	FormatAWS     Format = "aws"     // ip-ranges.json
	FormatGCP     Format = "gcp"     // cloud.json, goog.json
	FormatAzure   Format = "azure"   // Service Tags JSON
	FormatOracle  Format = "oracle"  // public_ip_ranges.json
	FormatGeofeed Format = "geofeed" // RFC 8805 CSV: prefix,country,region,city,postal
	FormatASN     Format = "asn"     // AS9009 # comment, one per line
)

var formats = []Format{FormatAuto, FormatPlain, FormatTor, FormatAWS, FormatGCP, FormatAzure, FormatOracle, FormatGeofeed, FormatASN}

// ParseFormat parses a configured format name; "" is auto.
func ParseFormat(s string) (Format, error) {
	if s == "" {
		return FormatAuto, nil
	}
	f := Format(strings.ToLower(s))
	if slices.Contains(formats, f) {
		return f, nil
	}
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("format %q is not known: use one of %s", s, strings.Join(names, ", "))
}

// MaxSamples is how many bad lines a Parsed keeps for reporting (all are counted).
const MaxSamples = 5

// BadLine is one line or entry that could not be read.
type BadLine struct {
	Line int    // 1-based line number, or entry number in JSON formats
	Text string // the line, cut to 120 bytes
	Err  string
}

func (b BadLine) String() string { return fmt.Sprintf("line %d: %s: %q", b.Line, b.Err, b.Text) }

// Parsed is the content of one list file.
type Parsed struct {
	Format   Format
	Prefixes []netip.Prefix // masked, IPv4 as IPv4 (never 4-in-6)
	ASNs     []uint32
	Entries  int       // lines or JSON entries that carried data
	Bad      int       // entries that could not be read (never fatal)
	Samples  []BadLine // the first MaxSamples bad entries
	Filtered int       // entries left out by the services filter
}

func (p *Parsed) bad(line int, text string, err error) {
	p.Bad++
	if len(p.Samples) < MaxSamples {
		if len(text) > 120 {
			text = text[:120]
		}
		p.Samples = append(p.Samples, BadLine{Line: line, Text: text, Err: err.Error()})
	}
}

// Parse reads a list in format f (FormatAuto: detected from the content). Lines or entries
// that cannot be read are counted in Parsed.Bad and never stop the parse; an error means
// the file as a whole is not in the format (e.g. JSON that does not decode).
func Parse(data []byte, f Format, services []string) (*Parsed, error) {
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		var err error
		if data, err = gunzip(data); err != nil {
			return nil, err
		}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if f == FormatAuto || f == "" {
		f = Detect(data)
	}
	p := &Parsed{Format: f}
	var err error
	switch f {
	case FormatAWS, FormatGCP, FormatAzure, FormatOracle:
		err = parseJSON(p, data, services)
	default:
		parseText(p, data, f)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// MaxUncompressed bounds what a gzip-compressed list may expand to.
const MaxUncompressed = 1 << 30

func gunzip(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxUncompressed+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if len(out) > MaxUncompressed {
		return nil, fmt.Errorf("gzip: expands to more than %d bytes", MaxUncompressed)
	}
	return out, nil
}

// Detect guesses the format of a list from its content.
func Detect(data []byte) Format {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trim := bytes.TrimLeft(data, " \t\r\n")
	if len(trim) > 0 && trim[0] == '{' {
		head := trim[:min(len(trim), 1<<16)]
		switch {
		case bytes.Contains(head, []byte(`"ipv4Prefix"`)) || bytes.Contains(head, []byte(`"ipv6Prefix"`)):
			return FormatGCP
		case bytes.Contains(head, []byte(`"ip_prefix"`)) || bytes.Contains(head, []byte(`"ipv6_prefixes"`)):
			return FormatAWS
		case bytes.Contains(head, []byte(`"values"`)):
			return FormatAzure
		case bytes.Contains(head, []byte(`"regions"`)):
			return FormatOracle
		}
		return FormatAWS // decoded as JSON; an unknown shape yields a clear error
	}
	for line := range bytes.Lines(data) {
		s := strings.TrimSpace(string(line))
		if s == "" || s[0] == '#' || s[0] == ';' {
			continue
		}
		switch {
		case strings.HasPrefix(s, "ExitNode ") || strings.HasPrefix(s, "ExitAddress "):
			return FormatTor
		case len(s) > 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's') && s[2] >= '0' && s[2] <= '9':
			return FormatASN
		case strings.Contains(strings.Fields(s)[0], ","):
			return FormatGeofeed
		}
		return FormatPlain
	}
	return FormatPlain
}

func parseText(p *Parsed, data []byte, f Format) {
	n := 0
	for raw := range bytes.Lines(data) {
		n++
		line := strings.TrimSpace(string(raw))
		if i := strings.IndexAny(line, "#;"); i >= 0 && f != FormatTor {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" || line[0] == '#' {
			continue
		}
		switch f {
		case FormatTor:
			fields := strings.Fields(line)
			switch fields[0] {
			case "ExitNode", "Published", "LastStatus":
				continue
			case "ExitAddress":
				if len(fields) < 2 {
					p.bad(n, line, fmt.Errorf("ExitAddress without an address"))
					continue
				}
				p.addToken(n, line, fields[1])
			default:
				p.bad(n, line, fmt.Errorf("not an exit-addresses keyword"))
			}
		case FormatASN:
			tok := strings.Fields(line)[0]
			tok = strings.TrimPrefix(strings.TrimPrefix(tok, "AS"), "as")
			asn, err := strconv.ParseUint(tok, 10, 32)
			if err != nil || asn == 0 {
				p.bad(n, line, fmt.Errorf("not an AS number, e.g. AS9009"))
				continue
			}
			p.Entries++
			p.ASNs = append(p.ASNs, uint32(asn))
		case FormatGeofeed:
			tok, _, _ := strings.Cut(line, ",")
			p.addToken(n, line, strings.TrimSpace(tok))
		default:
			p.addToken(n, line, strings.Fields(line)[0])
		}
	}
}

// addToken reads an address, a CIDR or a first-last range.
func (p *Parsed) addToken(n int, line, tok string) {
	if first, last, ok := strings.Cut(tok, "-"); ok {
		a, err1 := netip.ParseAddr(first)
		b, err2 := netip.ParseAddr(last)
		r := netipx.IPRangeFrom(a.Unmap(), b.Unmap())
		if err1 != nil || err2 != nil || !r.IsValid() {
			p.bad(n, line, fmt.Errorf("not an address range, e.g. 192.0.2.0-192.0.2.255"))
			return
		}
		p.Entries++
		p.Prefixes = r.AppendPrefixes(p.Prefixes)
		return
	}
	pfx, err := parsePrefix(tok)
	if err != nil {
		p.bad(n, line, err)
		return
	}
	p.Entries++
	p.Prefixes = append(p.Prefixes, pfx)
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("not a CIDR, e.g. 192.0.2.0/24")
		}
		if a := pfx.Addr(); a.Is4In6() {
			if pfx.Bits() < 96 {
				return netip.Prefix{}, fmt.Errorf("IPv4-mapped prefix shorter than /96")
			}
			pfx = netip.PrefixFrom(a.Unmap(), pfx.Bits()-96)
		}
		return pfx.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not an IP address or CIDR")
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("address with a zone")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// cloudJSON is the union of the cloud providers' range files.
type cloudJSON struct {
	Prefixes []struct {
		IPPrefix   string `json:"ip_prefix"`  // AWS
		IPv4Prefix string `json:"ipv4Prefix"` // GCP
		IPv6Prefix string `json:"ipv6Prefix"` // GCP
		Service    string `json:"service"`
	} `json:"prefixes"`
	IPv6Prefixes []struct {
		IPv6Prefix string `json:"ipv6_prefix"`
		Service    string `json:"service"`
	} `json:"ipv6_prefixes"`
	Values []struct {
		Name       string `json:"name"`
		Properties struct {
			SystemService   string   `json:"systemService"`
			AddressPrefixes []string `json:"addressPrefixes"`
		} `json:"properties"`
	} `json:"values"`
	Regions []struct {
		Region string `json:"region"`
		CIDRs  []struct {
			CIDR string   `json:"cidr"`
			Tags []string `json:"tags"`
		} `json:"cidrs"`
	} `json:"regions"`
}

func parseJSON(p *Parsed, data []byte, services []string) error {
	var doc cloudJSON
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s format: %w", p.Format, err)
	}
	keep := func(names ...string) bool {
		if len(services) == 0 {
			return true
		}
		for _, s := range services {
			for _, n := range names {
				if n != "" && (strings.EqualFold(n, s) || strings.EqualFold(strings.SplitN(n, ".", 2)[0], s)) {
					return true
				}
			}
		}
		p.Filtered++
		return false
	}
	n := 0
	add := func(s string) {
		pfx, err := parsePrefix(strings.TrimSpace(s))
		if err != nil {
			p.bad(n, s, err)
			return
		}
		p.Entries++
		p.Prefixes = append(p.Prefixes, pfx)
	}
	switch p.Format {
	case FormatAWS, FormatGCP:
		if doc.Prefixes == nil && doc.IPv6Prefixes == nil {
			return fmt.Errorf("%s format: no \"prefixes\" array", p.Format)
		}
		for _, e := range doc.Prefixes {
			n++
			if !keep(e.Service) {
				continue
			}
			switch {
			case e.IPPrefix != "":
				add(e.IPPrefix)
			case e.IPv4Prefix != "":
				add(e.IPv4Prefix)
			case e.IPv6Prefix != "":
				add(e.IPv6Prefix)
			default:
				p.bad(n, "", fmt.Errorf("entry without ip_prefix, ipv4Prefix or ipv6Prefix"))
			}
		}
		for _, e := range doc.IPv6Prefixes {
			n++
			if keep(e.Service) {
				add(e.IPv6Prefix)
			}
		}
	case FormatAzure:
		if doc.Values == nil {
			return fmt.Errorf("azure format: no \"values\" array")
		}
		for _, v := range doc.Values {
			if !keep(v.Name, v.Properties.SystemService) {
				continue
			}
			for _, s := range v.Properties.AddressPrefixes {
				n++
				add(s)
			}
		}
	case FormatOracle:
		if doc.Regions == nil {
			return fmt.Errorf("oracle format: no \"regions\" array")
		}
		for _, r := range doc.Regions {
			for _, c := range r.CIDRs {
				n++
				if keep(c.Tags...) {
					add(c.CIDR)
				}
			}
		}
	}
	return nil
}
