// Package okta parses the Okta System Log (LogEvent objects): NDJSON exports, JSON arrays and
// the pages of GET /api/v1/logs. It registers the "okta" format.
package okta

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
)

// Name is the format name and the suffix of event.dataset.
const Name = "okta"

func init() {
	logs.Register(logs.Format{
		Name:        Name,
		Description: "Okta System Log events (NDJSON, JSON arrays, /api/v1/logs pages)",
		Framing:     logs.FrameJSON,
		New:         New,
		Detect:      Detect,
	})
}

// Parser turns Okta LogEvents into events. The zero value is not usable: call New. A Parser
// is not safe for concurrent use (it reuses one JSON parser).
type Parser struct {
	p fastjson.Parser
}

var _ logs.Parser = (*Parser)(nil)

// New returns a Parser. Okta has no settings.
func New(logs.Options) (logs.Parser, error) { return &Parser{}, nil }

// Detect recognizes a LogEvent by its eventType, published and uuid (or actor) keys.
func Detect(rec []byte) int {
	if len(rec) == 0 || (rec[0] != '{' && rec[0] != '[') || !bytes.Contains(rec, []byte(`"eventType"`)) ||
		!bytes.Contains(rec, []byte(`"published"`)) {
		return 0
	}
	if bytes.Contains(rec, []byte(`"uuid"`)) || bytes.Contains(rec, []byte(`"actor"`)) {
		return 90
	}
	return 60
}

// Parse implements logs.Parser. A record may be one LogEvent or an array of them.
func (p *Parser) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	v, err := p.p.ParseBytes(rec.Data)
	if err != nil {
		return fmt.Errorf("okta: %w", err)
	}
	single := v.Type() == fastjson.TypeObject
	return logs.EachDocument(v, nil, func(o *fastjson.Value) error {
		ev, err := convert(o)
		if err != nil {
			return err
		}
		if single {
			ev.SetOriginal(string(rec.Data))
		} else {
			ev.SetOriginal(string(o.MarshalTo(nil)))
		}
		emit(ev)
		return nil
	})
}

func convert(o *fastjson.Value) (*borderwatch.Event, error) {
	ts, err := logs.ParseTime(logs.JSONString(o, "published"), nil)
	if err != nil {
		return nil, fmt.Errorf("okta: published: %w", err)
	}
	action := logs.JSONString(o, "eventType")
	if action == "" {
		return nil, fmt.Errorf("okta: no eventType")
	}
	ev := &borderwatch.Event{Timestamp: ts}
	ev.Event.Kind = borderwatch.KindEvent
	ev.Event.Action = action
	ev.Event.ID = logs.JSONString(o, "uuid")
	ev.Event.Dataset = logs.Dataset(Name)
	ev.Event.Module = Name
	ev.Event.Provider = "okta"
	ev.Event.Category, ev.Event.Type = categorize(action)
	ev.Message = logs.JSONString(o, "displayMessage")
	switch strings.ToUpper(logs.JSONString(o, "outcome", "result")) {
	case "SUCCESS", "ALLOW":
		ev.Event.Outcome = borderwatch.OutcomeSuccess
	case "FAILURE", "DENY":
		ev.Event.Outcome = borderwatch.OutcomeFailure
	}
	ev.Event.Reason = logs.JSONString(o, "outcome", "reason")
	ev.Observer = borderwatch.Observer{Vendor: "Okta", Product: "Okta Identity Cloud", Type: "idp"}

	setUser(ev, o)
	setClient(ev, o)
	setAuth(ev, o)
	setVendor(ev, o)
	return ev, nil
}

// categorize maps an Okta eventType to event.category and event.type.
func categorize(action string) ([]string, []string) {
	auth := []string{borderwatch.CategoryAuthentication}
	switch {
	case action == "user.session.start":
		return []string{borderwatch.CategoryAuthentication, borderwatch.CategorySession}, []string{"start"}
	case action == "user.session.end":
		return []string{borderwatch.CategoryAuthentication, borderwatch.CategorySession}, []string{"end"}
	case strings.HasPrefix(action, "user.authentication."), strings.HasPrefix(action, "user.mfa."),
		strings.HasPrefix(action, "user.session."), action == "policy.evaluate_sign_on",
		strings.HasPrefix(action, "app.oauth2."), strings.HasPrefix(action, "user.account.lock"),
		action == "user.account.unlock":
		return auth, []string{"info"}
	}
	return []string{"iam"}, []string{"info"}
}

func setUser(ev *borderwatch.Event, o *fastjson.Value) {
	u := o.Get("actor")
	if t := logs.JSONString(u, "type"); t != "" && t != "User" {
		// A system principal or client acted; the user, if any, is a target.
		u = nil
		for _, t := range o.GetArray("target") {
			if logs.JSONString(t, "type") == "User" {
				u = t
				break
			}
		}
	}
	if u == nil {
		return
	}
	alt := logs.JSONString(u, "alternateId")
	if strings.EqualFold(alt, "unknown") {
		alt = ""
	}
	ev.User.Name, ev.User.Domain, ev.User.Email = logs.SplitUser(alt)
	ev.User.ID = logs.JSONString(u, "id")
	if fn := logs.JSONString(u, "displayName"); !strings.EqualFold(fn, "unknown") {
		ev.User.FullName = fn
	}
}

func setClient(ev *borderwatch.Event, o *fastjson.Value) {
	c := o.Get("client")
	ip, _, ok := logs.ParseAddr(logs.JSONString(c, "ipAddress"))
	geoCtx := c.Get("geographicalContext")
	if !ok {
		// Okta writes "null" when it did not see the client; the first hop of the request's
		// IP chain is the next best.
		if chain := o.GetArray("request", "ipChain"); len(chain) > 0 {
			ip, _, ok = logs.ParseAddr(logs.JSONString(chain[0], "ip"))
			if geoCtx == nil {
				geoCtx = chain[0].Get("geographicalContext")
			}
		}
	}
	if ok {
		ev.Source.IP = ip
	}
	if ua := logs.JSONString(c, "userAgent", "rawUserAgent"); ua != "" && !strings.EqualFold(ua, "unknown") {
		ev.UserAgent = &borderwatch.UserAgent{Original: ua}
	}
	if g := vendorGeo(geoCtx); g != nil {
		ev.Client = &borderwatch.Endpoint{IP: ip, Geo: g}
	}
}

// vendorGeo converts Okta's geographicalContext; nil when it says nothing.
func vendorGeo(g *fastjson.Value) *borderwatch.Geo {
	if g == nil || g.Type() != fastjson.TypeObject {
		return nil
	}
	geo := &borderwatch.Geo{
		CityName:    logs.JSONString(g, "city"),
		RegionName:  logs.JSONString(g, "state"),
		CountryName: logs.JSONString(g, "country"),
		PostalCode:  logs.JSONString(g, "postalCode"),
	}
	lat, okLat := logs.JSONFloat(g, "geolocation", "lat")
	lon, okLon := logs.JSONFloat(g, "geolocation", "lon")
	if okLat && okLon && (lat != 0 || lon != 0) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
		geo.Location = &borderwatch.GeoPoint{Lat: lat, Lon: lon}
	}
	if *geo == (borderwatch.Geo{}) {
		return nil
	}
	return geo
}

func setAuth(ev *borderwatch.Event, o *fastjson.Value) {
	ac := o.Get("authenticationContext")
	a := borderwatch.Auth{
		SessionID: logs.JSONString(ac, "externalSessionId"),
		Method:    logs.JSONString(ac, "credentialType"),
		MFA:       logs.JSONString(o, "debugContext", "debugData", "factor"),
	}
	if strings.EqualFold(a.SessionID, "unknown") {
		a.SessionID = ""
	}
	if a.Method == "" {
		a.Method = logs.JSONString(ac, "authenticationProvider")
	}
	for _, t := range o.GetArray("target") {
		if logs.JSONString(t, "type") == "AppInstance" {
			a.Application = logs.JSONString(t, "displayName")
			break
		}
	}
	if a != (borderwatch.Auth{}) {
		ev.Borderwatch.Auth = &a
	}
}

func setVendor(ev *borderwatch.Event, o *fastjson.Value) {
	var v borderwatch.Vendor
	sc := o.Get("securityContext")
	if b, ok := logs.JSONBool(sc, "isProxy"); ok {
		v.IsProxy = &b
	}
	if n, ok := logs.JSONUint(sc, "asNumber"); ok && n <= 1<<32-1 {
		v.ASNumber = uint32(n)
	}
	v.ASOrg = logs.JSONString(sc, "asOrg")

	dd := o.Get("debugContext", "debugData")
	if risk := logs.JSONString(dd, "risk"); risk != "" {
		m := javaMap(risk)
		v.RiskLevel = m["level"]
		if r := m["reasons"]; r != "" {
			v.RiskReasons = strings.Split(r, ", ")
		}
	}
	if beh := logs.JSONString(dd, "behaviors"); beh != "" {
		for _, kv := range javaPairs(beh) {
			if strings.EqualFold(kv[1], "POSITIVE") {
				v.Detections = append(v.Detections, kv[0])
			}
		}
	}
	if t, _ := logs.JSONBool(dd, "threatSuspected"); t {
		v.Detections = append(v.Detections, "threat_suspected")
	}
	if tun := logs.JSONString(dd, "tunnels"); tun != "" {
		v.Tunnels = tunnels(tun)
	}
	if v.RiskLevel != "" || v.IsProxy != nil || v.ASNumber != 0 || v.ASOrg != "" || len(v.RiskReasons) > 0 ||
		len(v.Detections) > 0 || len(v.Tunnels) > 0 {
		ev.Borderwatch.Vendor = &v
	}
}

// tunnels reads debugData.tunnels, a JSON array in a string:
// [{"anonymous":true,"operator":"ASTRILL_VPN","type":"VPN"}] → ["VPN:ASTRILL_VPN"].
func tunnels(s string) []string {
	var p fastjson.Parser
	v, err := p.Parse(s)
	if err != nil {
		return []string{s}
	}
	var out []string
	for _, t := range v.GetArray() {
		typ, op := logs.JSONString(t, "type"), logs.JSONString(t, "operator")
		switch {
		case typ != "" && op != "":
			out = append(out, typ+":"+op)
		case op != "":
			out = append(out, op)
		case typ != "":
			out = append(out, typ)
		}
	}
	return out
}

// javaMap reads the Java Map.toString() form Okta uses in debugData:
// "{reasons=Anomalous Device, New Geo-Location, level=HIGH}". A comma belongs to a value
// unless it is followed by " key=".
func javaMap(s string) map[string]string {
	m := make(map[string]string)
	for _, kv := range javaPairs(s) {
		m[kv[0]] = kv[1]
	}
	return m
}

func javaPairs(s string) [][2]string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "{")
	s = strings.TrimSuffix(s, "}")
	var out [][2]string
	for len(s) > 0 {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			break
		}
		key := strings.TrimSpace(s[:eq])
		rest := s[eq+1:]
		end := len(rest)
		for i := 0; i < len(rest); i++ {
			if rest[i] == ',' && isKeyAhead(rest[i+1:]) {
				end = i
				break
			}
		}
		out = append(out, [2]string{key, strings.TrimSpace(rest[:end])})
		if end == len(rest) {
			break
		}
		s = strings.TrimSpace(rest[end+1:])
	}
	return out
}

// isKeyAhead reports whether s starts (after spaces) with a key and "=": letters, digits,
// spaces, '-' and '_' up to '='.
func isKeyAhead(s string) bool {
	s = strings.TrimLeft(s, " ")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '=':
			return i > 0
		case c == ',' || c == '{' || c == '}':
			return false
		}
	}
	return false
}
