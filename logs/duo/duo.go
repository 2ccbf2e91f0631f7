package duo

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
)

// Name is the format name and the suffix of event.dataset.
const Name = "duo"

func init() {
	logs.Register(logs.Format{
		Name:        Name,
		Description: "Cisco Duo authentication logs (Admin API v1/v2)",
		Framing:     logs.FrameJSON,
		New:         New,
		Detect:      Detect,
	})
}

// Parser turns Duo authentication log items into events. Use New; not safe for concurrent use.
type Parser struct {
	p fastjson.Parser
}

var _ logs.Parser = (*Parser)(nil)

// New returns a Parser. The format has no settings.
func New(logs.Options) (logs.Parser, error) { return &Parser{}, nil }

// Detect recognizes Duo items by txid with access_device, or a saved API response.
func Detect(rec []byte) int {
	if len(rec) == 0 || (rec[0] != '{' && rec[0] != '[') {
		return 0
	}
	has := func(s string) bool { return bytes.Contains(rec, []byte(s)) }
	switch {
	case has(`"authlogs"`):
		return 90
	case has(`"txid"`) && has(`"access_device"`):
		return 90
	case has(`"txid"`) && has(`"factor"`) && has(`"result"`):
		return 70
	}
	return 0
}

// Parse implements logs.Parser.
func (p *Parser) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	v, err := p.p.ParseBytes(rec.Data)
	if err != nil {
		return fmt.Errorf("duo: %w", err)
	}
	if resp := v.Get("response"); resp != nil {
		// A saved API response: v2 nests the items in response.authlogs, v1 in response.
		if stat := logs.JSONString(v, "stat"); stat != "" && stat != "OK" {
			return fmt.Errorf("duo: API response with stat %q", stat)
		}
		if a := resp.Get("authlogs"); a != nil {
			resp = a
		}
		if resp.Type() != fastjson.TypeArray {
			return fmt.Errorf("duo: response is %s, want an array of authentication logs", resp.Type())
		}
		arr, _ := resp.Array()
		return logs.EachElement(arr, func(o *fastjson.Value) error { return p.one(o, "", emit) })
	}
	single := v.Type() == fastjson.TypeObject
	return logs.EachDocument(v, nil, func(o *fastjson.Value) error {
		original := ""
		if single {
			original = string(rec.Data)
		}
		return p.one(o, original, emit)
	})
}

func (p *Parser) one(o *fastjson.Value, original string, emit func(*borderwatch.Event)) error {
	ev, err := convert(o)
	if err != nil {
		return err
	}
	if original == "" {
		original = string(o.MarshalTo(nil))
	}
	ev.SetOriginal(original)
	emit(ev)
	return nil
}

func convert(o *fastjson.Value) (*borderwatch.Event, error) {
	var ts time.Time
	if iso := logs.JSONString(o, "isotimestamp"); iso != "" {
		t, err := logs.ParseTime(iso, nil)
		if err != nil {
			return nil, fmt.Errorf("duo: isotimestamp: %w", err)
		}
		ts = t
	} else if sec, ok := logs.JSONFloat(o, "timestamp"); ok && sec > 0 && sec < 1e11 {
		ts = time.Unix(0, int64(sec*1e9)).UTC()
	} else {
		return nil, fmt.Errorf("duo: %w (isotimestamp or timestamp)", logs.ErrNoTime)
	}
	ev := &borderwatch.Event{Timestamp: ts}
	ev.Event.Kind = borderwatch.KindEvent
	ev.Event.Category = []string{borderwatch.CategoryAuthentication}
	ev.Event.Type = []string{"info"}
	ev.Event.Action = logs.JSONString(o, "event_type")
	if ev.Event.Action == "" {
		ev.Event.Action = "authentication"
	}
	ev.Event.ID = logs.JSONString(o, "txid")
	ev.Event.Dataset = logs.Dataset(Name)
	ev.Event.Module = Name
	ev.Event.Provider = "duo"
	ev.Observer = borderwatch.Observer{Vendor: "Cisco", Product: "Duo", Type: "mfa"}
	result := strings.ToLower(logs.JSONString(o, "result"))
	switch result {
	case "success":
		ev.Event.Outcome = borderwatch.OutcomeSuccess
	case "denied", "failure", "fraud":
		ev.Event.Outcome = borderwatch.OutcomeFailure
	}
	ev.Event.Reason = logs.JSONString(o, "reason")

	// v2 has user.{name,key}; v1 has username.
	uname := logs.JSONString(o, "user", "name")
	if uname == "" {
		uname = logs.JSONString(o, "username")
	}
	ev.User.Name, ev.User.Domain, ev.User.Email = logs.SplitUser(uname)
	if email := logs.JSONString(o, "email"); email != "" {
		ev.User.Email = email
	}
	ev.User.ID = logs.JSONString(o, "user", "key")
	for _, g := range o.GetArray("user", "groups") {
		if b, err := g.StringBytes(); err == nil && len(b) > 0 {
			ev.User.Roles = append(ev.User.Roles, string(b))
		}
	}

	ad := o.Get("access_device")
	ipText := logs.JSONString(ad, "ip")
	if ipText == "" {
		ipText = logs.JSONString(o, "ip") // v1
	}
	ip, port, ok := logs.ParseAddr(ipText)
	if ok {
		ev.Source.IP, ev.Source.Port = ip, port
	}
	if h := logs.JSONString(ad, "hostname"); h != "" && h != "null" {
		ev.Source.Domain = h
	}
	loc := ad.Get("location")
	if loc == nil {
		loc = o.Get("location") // v1
	}
	if g := logs.VendorGeo(borderwatch.Geo{
		CityName:    logs.JSONString(loc, "city"),
		RegionName:  logs.JSONString(loc, "state"),
		CountryName: logs.JSONString(loc, "country"),
	}, 0, 0, false); g != nil {
		ev.Client = &borderwatch.Endpoint{IP: ip, Geo: g}
	}
	if b := logs.JSONString(ad, "browser"); b != "" {
		ua := b
		if v := logs.JSONString(ad, "browser_version"); v != "" {
			ua += "/" + v
		}
		if os := logs.JSONString(ad, "os"); os != "" {
			ua += " (" + os + " " + logs.JSONString(ad, "os_version") + ")"
			ua = strings.Replace(ua, " )", ")", 1)
		}
		ev.UserAgent = &borderwatch.UserAgent{Original: ua}
	}

	// The second-factor device (the phone) has its own address and location; a phone in one
	// country approving a laptop in another is worth seeing.
	if dev := o.Get("auth_device"); dev != nil && dev.Type() == fastjson.TypeObject {
		labels := borderwatch.Labels{}
		if dip, _, ok := logs.ParseAddr(logs.JSONString(dev, "ip")); ok {
			labels["auth_device_ip"] = dip.String()
		}
		if c := logs.JSONString(dev, "location", "country"); c != "" {
			labels["auth_device_country"] = c
		}
		if c := logs.JSONString(dev, "location", "city"); c != "" {
			labels["auth_device_city"] = c
		}
		if len(labels) > 0 {
			ev.Labels = labels
		}
	}

	auth := borderwatch.Auth{
		MFA:         logs.JSONString(o, "factor"),
		Application: logs.JSONString(o, "application", "name"),
	}
	if auth.Application == "" {
		auth.Application = logs.JSONString(o, "integration") // v1
	}
	if auth != (borderwatch.Auth{}) {
		ev.Borderwatch.Auth = &auth
	}

	var vnd borderwatch.Vendor
	for _, a := range o.GetArray("rbfs_triggered_attacks") {
		if s := attackName(a); s != "" {
			vnd.Detections = append(vnd.Detections, s)
		}
	}
	if result == "fraud" {
		vnd.Detections = append(vnd.Detections, "fraud")
	}
	if ata := o.Get("adaptive_trust_assessments"); ata != nil && ata.Type() == fastjson.TypeObject {
		for _, key := range []string{"more_secure_auth", "remember_me"} {
			a := ata.Get(key)
			if a == nil {
				continue
			}
			if lvl := logs.JSONString(a, "trust_level"); lvl != "" && vnd.RiskLevel == "" {
				vnd.RiskLevel = lvl
			}
			if r := logs.JSONString(a, "reason"); r != "" {
				vnd.RiskReasons = append(vnd.RiskReasons, r)
			}
		}
	}
	if vnd.RiskLevel != "" || len(vnd.RiskReasons) > 0 || len(vnd.Detections) > 0 {
		ev.Borderwatch.Vendor = &vnd
	}
	return ev, nil
}

// attackName reads one rbfs_triggered_attacks entry: a string, or an object with a name.
func attackName(a *fastjson.Value) string {
	switch a.Type() {
	case fastjson.TypeString:
		b, _ := a.StringBytes()
		return string(b)
	case fastjson.TypeObject:
		for _, k := range []string{"name", "attack", "type"} {
			if s := logs.JSONString(a, k); s != "" {
				return s
			}
		}
	case fastjson.TypeNumber:
		return strconv.Quote(a.String())
	}
	return ""
}
