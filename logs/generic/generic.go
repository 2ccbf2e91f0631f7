package generic

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"
	"gopkg.in/yaml.v3"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
)

// Name is the format name and the default suffix of event.dataset.
const Name = "generic"

func init() {
	logs.Register(logs.Format{
		Name:        Name,
		Description: "JSON lines or CSV mapped to ECS by logs.formats.generic (never auto-detected)",
		Framing:     logs.FrameLines,
		New:         New,
		Detect:      func([]byte) int { return 0 },
	})
}

// Settings is the mapping, read from the format's settings in the configuration.
type Settings struct {
	Type          string   `yaml:"type"`      // json (default) or csv
	Delimiter     string   `yaml:"delimiter"` // csv: one character (default ",")
	Header        bool     `yaml:"header"`    // csv: the first line names the columns
	Columns       []string `yaml:"columns"`   // csv: column names when there is no header
	Fields        Fields   `yaml:"fields"`
	SuccessValues []string `yaml:"success_values"` // outcome values meaning success (default: success, succeeded, ok, true, allow, allowed, accepted, pass, passed)
	FailureValues []string `yaml:"failure_values"` // outcome values meaning failure (default: failure, failed, fail, false, deny, denied, rejected, error, blocked)
	Dataset       string   `yaml:"dataset"`        // event.dataset suffix and event.module (default "generic")
	Category      string   `yaml:"category"`       // event.category (default authentication)
	Vendor        string   `yaml:"vendor"`         // observer.vendor
	Product       string   `yaml:"product"`        // observer.product
}

// Fields names the source field (a JSON path "a.b.c" or a CSV column) of each ECS field.
type Fields struct {
	Timestamp  string `yaml:"timestamp"`   // required
	TimeLayout string `yaml:"time_layout"` // rfc3339 (default), unix, unix_ms, unix_us, or a Go layout
	User       string `yaml:"user"`
	UserID     string `yaml:"user_id"`
	SourceIP   string `yaml:"source_ip"`
	SourcePort string `yaml:"source_port"`
	NATIP      string `yaml:"nat_ip"` // a VPN's inner address
	Outcome    string `yaml:"outcome"`
	Reason     string `yaml:"reason"`
	Action     string `yaml:"action"`
	ID         string `yaml:"id"`
	UserAgent  string `yaml:"user_agent"`
	SessionID  string `yaml:"session_id"`
	MFA        string `yaml:"mfa"`
	Message    string `yaml:"message"`
	Country    string `yaml:"country"` // the vendor's country: an ISO code (2 letters) or a name, to client.geo
	City       string `yaml:"city"`
}

// Parser maps records as Settings say. Use New; not safe for concurrent use; it keeps the
// CSV header of the input it reads.
type Parser struct {
	set     Settings
	loc     *time.Location
	success map[string]bool
	failure map[string]bool
	p       fastjson.Parser
	columns map[string]int
	delim   rune
}

var _ logs.Parser = (*Parser)(nil)

// New decodes and checks the settings.
func New(opts logs.Options) (logs.Parser, error) {
	set, err := decode(opts.Settings)
	if err != nil {
		return nil, err
	}
	p := &Parser{set: set, loc: opts.Location, delim: ','}
	if p.loc == nil {
		p.loc = time.UTC
	}
	switch set.Type {
	case "", "json":
		p.set.Type = "json"
	case "csv":
		if set.Delimiter != "" {
			r := []rune(set.Delimiter)
			if len(r) != 1 || r[0] == '"' || r[0] == '\n' {
				return nil, fmt.Errorf("generic: delimiter must be one character other than a quote or newline, got %q", set.Delimiter)
			}
			p.delim = r[0]
		}
		if !set.Header && len(set.Columns) == 0 {
			return nil, errors.New("generic: csv needs header: true or a columns list")
		}
		if len(set.Columns) > 0 {
			p.columns = index(set.Columns)
		}
	default:
		return nil, fmt.Errorf("generic: type %q is not known: use json or csv", set.Type)
	}
	if set.Fields.Timestamp == "" {
		return nil, errors.New("generic: fields.timestamp is required, e.g. fields: {timestamp: time, user: user, source_ip: ip}")
	}
	if set.Dataset == "" {
		p.set.Dataset = Name
	}
	if set.Category == "" {
		p.set.Category = borderwatch.CategoryAuthentication
	}
	p.success = set2(set.SuccessValues, "success", "succeeded", "ok", "true", "allow", "allowed", "accepted", "pass", "passed")
	p.failure = set2(set.FailureValues, "failure", "failed", "fail", "false", "deny", "denied", "rejected", "error", "blocked")
	return p, nil
}

func decode(m map[string]any) (Settings, error) {
	var set Settings
	if len(m) == 0 {
		return set, errors.New("generic: no mapping: set logs.formats.generic (type, fields.timestamp, fields.user, fields.source_ip, ...)")
	}
	b, err := yaml.Marshal(m)
	if err != nil {
		return set, fmt.Errorf("generic: settings: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&set); err != nil {
		return set, fmt.Errorf("generic: settings: %w", err)
	}
	return set, nil
}

func set2(vals []string, defaults ...string) map[string]bool {
	if len(vals) == 0 {
		vals = defaults
	}
	m := make(map[string]bool, len(vals))
	for _, v := range vals {
		m[strings.ToLower(strings.TrimSpace(v))] = true
	}
	return m
}

func index(cols []string) map[string]int {
	m := make(map[string]int, len(cols))
	for i, c := range cols {
		m[strings.TrimSpace(c)] = i
	}
	return m
}

// Parse implements logs.Parser.
func (p *Parser) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	var get func(name string) string
	if p.set.Type == "csv" {
		r := csv.NewReader(bytes.NewReader(rec.Data))
		r.Comma = p.delim
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		row, err := r.Read()
		if err != nil {
			return fmt.Errorf("generic: csv: %w", err)
		}
		if p.columns == nil {
			if len(row) > 0 {
				row[0] = strings.TrimPrefix(row[0], "\ufeff")
			}
			p.columns = index(row)
			return fmt.Errorf("generic: header line: %w", logs.ErrSkip)
		}
		get = func(name string) string {
			if i, ok := p.columns[name]; ok && i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
	} else {
		v, err := p.p.ParseBytes(rec.Data)
		if err != nil {
			return fmt.Errorf("generic: %w", err)
		}
		if v.Type() != fastjson.TypeObject {
			return fmt.Errorf("generic: want a JSON object, got %s", v.Type())
		}
		get = func(name string) string {
			if name == "" {
				return ""
			}
			return logs.JSONString(v, strings.Split(name, ".")...)
		}
	}
	ev, err := p.convert(get)
	if err != nil {
		return err
	}
	ev.SetOriginal(string(rec.Data))
	emit(ev)
	return nil
}

func (p *Parser) convert(get func(string) string) (*borderwatch.Event, error) {
	f := &p.set.Fields
	field := func(name string) string {
		if name == "" {
			return ""
		}
		return get(name)
	}
	ts, err := p.time(field(f.Timestamp))
	if err != nil {
		return nil, fmt.Errorf("generic: %s: %w", f.Timestamp, err)
	}
	ev := &borderwatch.Event{Timestamp: ts}
	ev.Event.Kind = borderwatch.KindEvent
	ev.Event.Category = []string{p.set.Category}
	ev.Event.Type = []string{"info"}
	ev.Event.Dataset = logs.Dataset(p.set.Dataset)
	ev.Event.Module = p.set.Dataset
	ev.Event.Action = field(f.Action)
	ev.Event.ID = field(f.ID)
	ev.Event.Reason = field(f.Reason)
	ev.Message = field(f.Message)
	if o := strings.ToLower(field(f.Outcome)); o != "" {
		switch {
		case p.success[o]:
			ev.Event.Outcome = borderwatch.OutcomeSuccess
		case p.failure[o]:
			ev.Event.Outcome = borderwatch.OutcomeFailure
		}
	}
	ev.User.Name, ev.User.Domain, ev.User.Email = logs.SplitUser(field(f.User))
	ev.User.ID = field(f.UserID)
	if s := field(f.SourceIP); s != "" {
		ip, port, ok := logs.ParseAddr(s)
		if !ok {
			return nil, fmt.Errorf("generic: %s: %q is not an IP address", f.SourceIP, s)
		}
		ev.Source.IP, ev.Source.Port = ip, port
	}
	if s := field(f.SourcePort); s != "" {
		port, ok := logs.ParsePort(s)
		if !ok {
			return nil, fmt.Errorf("generic: %s: %q is not a port", f.SourcePort, s)
		}
		ev.Source.Port = port
	}
	if ip, _, ok := logs.ParseAddr(field(f.NATIP)); ok {
		ev.Source.NAT = &borderwatch.NAT{IP: ip}
	}
	if ua := field(f.UserAgent); ua != "" {
		ev.UserAgent = &borderwatch.UserAgent{Original: ua}
	}
	if sid, mfa := field(f.SessionID), field(f.MFA); sid != "" || mfa != "" {
		ev.Borderwatch.Auth = &borderwatch.Auth{SessionID: sid, MFA: mfa}
	}
	var g borderwatch.Geo
	if c := field(f.Country); len(c) == 2 {
		g.CountryISOCode = strings.ToUpper(c)
	} else {
		g.CountryName = c
	}
	g.CityName = field(f.City)
	if geo := logs.VendorGeo(g, 0, 0, false); geo != nil {
		ev.Client = &borderwatch.Endpoint{IP: ev.Source.IP, Geo: geo}
	}
	if p.set.Vendor != "" || p.set.Product != "" {
		ev.Observer = borderwatch.Observer{Vendor: p.set.Vendor, Product: p.set.Product}
	}
	return ev, nil
}

func (p *Parser) time(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, logs.ErrNoTime
	}
	layout := p.set.Fields.TimeLayout
	var t time.Time
	switch strings.ToLower(layout) {
	case "", "rfc3339", "iso8601":
		return logs.ParseTime(s, p.loc)
	case "unix", "unix_ms", "unix_us":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a number", s)
		}
		scale := map[string]float64{"unix": 1e9, "unix_ms": 1e6, "unix_us": 1e3}[strings.ToLower(layout)]
		ns := f * scale
		if ns < 0 || ns > 7e18 {
			return time.Time{}, fmt.Errorf("%q is out of range", s)
		}
		t = time.Unix(0, int64(ns))
	default:
		var err error
		t, err = time.ParseInLocation(layout, s, p.loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q does not match time_layout %q", s, layout)
		}
	}
	if y := t.UTC().Year(); y < 1970 || y > 2200 {
		return time.Time{}, fmt.Errorf("%q is outside 1970-2200", s)
	}
	return t.UTC(), nil
}
