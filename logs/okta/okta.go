package okta

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"unsafe"

	"github.com/valyala/fastjson"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
)

// Name is the format name and the suffix of event.dataset.
const Name = "okta"

var dataset = logs.Dataset(Name)

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
	p    fastjson.Parser
	in   logs.Interner
	tun  fastjson.Parser // debugData.tunnels, a JSON array in a string
	java javaCache
	doc  fastDoc
	qbuf []uint64 // quote bitmaps, reused (bounded by maxQuoteWords)
}

// javaCache remembers what debugData's risk and behaviors strings say: the same few strings
// come back on most events. It holds at most javaCacheMax strings of each kind and is
// emptied when full (Resets counts that). Not safe for concurrent use.
type javaCache struct {
	Resets uint64
	risks  map[string]riskInfo
	behs   map[string][]string
}

const javaCacheMax = 1024

type riskInfo struct {
	level   string
	reasons []string
}

// risk reads "{reasons=Anomalous Device, New Geo-Location, level=HIGH}".
func (c *javaCache) risk(s string, in *logs.Interner) riskInfo {
	if r, ok := c.risks[s]; ok {
		return r
	}
	var r riskInfo
	javaPairs(s, func(k, val string) {
		switch k {
		case "level":
			r.level = in.String(val)
		case "reasons":
			for x := range strings.SplitSeq(val, ", ") {
				r.reasons = append(r.reasons, in.String(x))
			}
		}
	})
	if len(c.risks) >= javaCacheMax {
		c.risks = nil
		c.Resets++
	}
	if c.risks == nil {
		c.risks = make(map[string]riskInfo)
	}
	c.risks[strings.Clone(s)] = r
	return r
}

// behaviors reads "{New Geo-Location=POSITIVE, New Device=NEGATIVE}" into the behaviors
// that are POSITIVE.
func (c *javaCache) behaviors(s string, in *logs.Interner) []string {
	if d, ok := c.behs[s]; ok {
		return d
	}
	var d []string
	javaPairs(s, func(k, val string) {
		if strings.EqualFold(val, "POSITIVE") {
			d = append(d, in.String(k))
		}
	})
	if len(c.behs) >= javaCacheMax {
		c.behs = nil
		c.Resets++
	}
	if c.behs == nil {
		c.behs = make(map[string][]string)
	}
	c.behs[strings.Clone(s)] = d
	return d
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
	if ev, ok, err := p.parseFast(rec.Data); ok {
		if err != nil {
			return err
		}
		emit(ev)
		return nil
	}
	return p.parseTree(rec, emit)
}

// parseTree is Parse on fastjson's tree: arrays, and what the scanner leaves to fastjson.
func (p *Parser) parseTree(rec *logs.Record, emit func(*borderwatch.Event)) error {
	v, err := p.p.ParseBytes(rec.Data)
	if err != nil {
		return fmt.Errorf("okta: %w", err)
	}
	single := v.Type() == fastjson.TypeObject
	return logs.EachDocument(v, nil, func(o *fastjson.Value) error {
		ev, err := p.convert(o)
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

func (p *Parser) convert(o *fastjson.Value) (*borderwatch.Event, error) {
	ts, err := logs.ParseTime(string(o.GetStringBytes("published")), nil)
	if err != nil {
		return nil, fmt.Errorf("okta: published: %w", err)
	}
	in := &p.in
	action := in.JSON(o, "eventType")
	if action == "" {
		return nil, fmt.Errorf("okta: no eventType")
	}
	blk := new(block)
	ev := &blk.ev
	ev.Timestamp = ts
	ev.Event.Kind = borderwatch.KindEvent
	ev.Event.Action = action
	ev.Event.ID = logs.JSONString(o, "uuid")
	ev.Event.Dataset = dataset
	ev.Event.Module = Name
	ev.Event.Provider = "okta"
	ev.Event.Category, ev.Event.Type = blk.categorize(action)
	ev.Message = in.JSON(o, "displayMessage")
	switch r := o.GetStringBytes("outcome", "result"); {
	case equalFold(r, "SUCCESS"), equalFold(r, "ALLOW"):
		ev.Event.Outcome = borderwatch.OutcomeSuccess
	case equalFold(r, "FAILURE"), equalFold(r, "DENY"):
		ev.Event.Outcome = borderwatch.OutcomeFailure
	}
	ev.Event.Reason = in.JSON(o, "outcome", "reason")
	ev.Observer = borderwatch.Observer{Vendor: "Okta", Product: "Okta Identity Cloud", Type: "idp"}

	p.setUser(ev, o)
	p.setClient(blk, o)
	p.setAuth(blk, o)
	p.setVendor(blk, o)
	return ev, nil
}

// block holds an event and the objects it points to, allocated together.
type block struct {
	ev      borderwatch.Event
	client  borderwatch.Endpoint
	geo     borderwatch.Geo
	loc     borderwatch.GeoPoint
	ua      borderwatch.UserAgent
	auth    borderwatch.Auth
	vendor  borderwatch.Vendor
	det     [8]string
	reasons [4]string
	cat     [2]string
	typ     [1]string
	proxy   bool
}

// categorize maps an Okta eventType to event.category and event.type, held in the block (full
// slices: an append copies).
func (blk *block) categorize(action string) ([]string, []string) {
	cat, typ := blk.cat[:0], blk.typ[:0]
	switch {
	case action == "user.session.start":
		cat, typ = append(cat, borderwatch.CategoryAuthentication, borderwatch.CategorySession), append(typ, "start")
	case action == "user.session.end":
		cat, typ = append(cat, borderwatch.CategoryAuthentication, borderwatch.CategorySession), append(typ, "end")
	case strings.HasPrefix(action, "user.authentication."), strings.HasPrefix(action, "user.mfa."),
		strings.HasPrefix(action, "user.session."), action == "policy.evaluate_sign_on",
		strings.HasPrefix(action, "app.oauth2."), strings.HasPrefix(action, "user.account.lock"),
		action == "user.account.unlock":
		cat, typ = append(cat, borderwatch.CategoryAuthentication), append(typ, "info")
	default:
		cat, typ = append(cat, "iam"), append(typ, "info")
	}
	return cat[:len(cat):len(cat)], typ[:1:1]
}

func (p *Parser) setUser(ev *borderwatch.Event, o *fastjson.Value) {
	u := o.Get("actor")
	if t := u.GetStringBytes("type"); len(t) > 0 && string(t) != "User" {
		// A system principal or client acted; the user, if any, is a target.
		u = nil
		for _, t := range o.GetArray("target") {
			if string(t.GetStringBytes("type")) == "User" {
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

func (p *Parser) setClient(blk *block, o *fastjson.Value) {
	ev := &blk.ev
	c := o.Get("client")
	ip, _, ok := parseAddr(c.GetStringBytes("ipAddress"))
	geoCtx := c.Get("geographicalContext")
	if !ok {
		// Okta writes "null" when it did not see the client; the first hop of the request's
		// IP chain is the next best.
		if chain := o.GetArray("request", "ipChain"); len(chain) > 0 {
			ip, _, ok = parseAddr(chain[0].GetStringBytes("ip"))
			if geoCtx == nil {
				geoCtx = chain[0].Get("geographicalContext")
			}
		}
	}
	if ok {
		ev.Source.IP = ip
	}
	if ua := p.in.JSON(c, "userAgent", "rawUserAgent"); ua != "" && !strings.EqualFold(ua, "unknown") {
		blk.ua.Original = ua
		ev.UserAgent = &blk.ua
	}
	if g := p.vendorGeo(blk, geoCtx); g != nil {
		blk.client.IP, blk.client.Geo = ip, g
		ev.Client = &blk.client
	}
}

// vendorGeo converts Okta's geographicalContext; nil when it says nothing.
func (p *Parser) vendorGeo(blk *block, g *fastjson.Value) *borderwatch.Geo {
	if g == nil || g.Type() != fastjson.TypeObject {
		return nil
	}
	geo := &blk.geo
	*geo = borderwatch.Geo{
		CityName:    p.in.JSON(g, "city"),
		RegionName:  p.in.JSON(g, "state"),
		CountryName: p.in.JSON(g, "country"),
		PostalCode:  p.in.JSON(g, "postalCode"),
	}
	lat, okLat := logs.JSONFloat(g, "geolocation", "lat")
	lon, okLon := logs.JSONFloat(g, "geolocation", "lon")
	if okLat && okLon && (lat != 0 || lon != 0) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
		blk.loc = borderwatch.GeoPoint{Lat: lat, Lon: lon}
		geo.Location = &blk.loc
	}
	if *geo == (borderwatch.Geo{}) {
		return nil
	}
	return geo
}

func (p *Parser) setAuth(blk *block, o *fastjson.Value) {
	ac := o.Get("authenticationContext")
	a := &blk.auth
	*a = borderwatch.Auth{
		SessionID: logs.JSONString(ac, "externalSessionId"),
		Method:    p.in.JSON(ac, "credentialType"),
		MFA:       p.in.JSON(o, "debugContext", "debugData", "factor"),
	}
	if strings.EqualFold(a.SessionID, "unknown") {
		a.SessionID = ""
	}
	if a.Method == "" {
		a.Method = p.in.JSON(ac, "authenticationProvider")
	}
	for _, t := range o.GetArray("target") {
		if string(t.GetStringBytes("type")) == "AppInstance" {
			a.Application = p.in.JSON(t, "displayName")
			break
		}
	}
	if *a != (borderwatch.Auth{}) {
		blk.ev.Borderwatch.Auth = a
	}
}

func (p *Parser) setVendor(blk *block, o *fastjson.Value) {
	v := &blk.vendor
	v.Detections, v.RiskReasons = blk.det[:0], blk.reasons[:0]
	sc := o.Get("securityContext")
	if b, ok := logs.JSONBool(sc, "isProxy"); ok {
		blk.proxy = b
		v.IsProxy = &blk.proxy
	}
	if n, ok := logs.JSONUint(sc, "asNumber"); ok && n <= 1<<32-1 {
		v.ASNumber = uint32(n)
	}
	v.ASOrg = p.in.JSON(sc, "asOrg")

	dd := o.Get("debugContext", "debugData")
	if risk := dd.GetStringBytes("risk"); len(risk) > 0 {
		r := p.java.risk(string(risk), &p.in)
		v.RiskLevel, v.RiskReasons = r.level, append(v.RiskReasons, r.reasons...)
	}
	if beh := dd.GetStringBytes("behaviors"); len(beh) > 0 {
		v.Detections = append(v.Detections, p.java.behaviors(string(beh), &p.in)...)
	}
	if t, _ := logs.JSONBool(dd, "threatSuspected"); t {
		v.Detections = append(v.Detections, "threat_suspected")
	}
	if tun := logs.JSONString(dd, "tunnels"); tun != "" {
		v.Tunnels = p.tunnels(tun)
	}
	if v.RiskLevel != "" || v.IsProxy != nil || v.ASNumber != 0 || v.ASOrg != "" || len(v.RiskReasons) > 0 ||
		len(v.Detections) > 0 || len(v.Tunnels) > 0 {
		if len(v.Detections) == 0 {
			v.Detections = nil
		}
		if len(v.RiskReasons) == 0 {
			v.RiskReasons = nil
		}
		blk.ev.Borderwatch.Vendor = v
	}
}

// tunnels reads debugData.tunnels, a JSON array in a string:
// [{"anonymous":true,"operator":"ASTRILL_VPN","type":"VPN"}] → ["VPN:ASTRILL_VPN"].
func (p *Parser) tunnels(s string) []string {
	v, err := p.tun.Parse(s)
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

// javaPairs reads the Java Map.toString() form Okta uses in debugData,
// "{reasons=Anomalous Device, New Geo-Location, level=HIGH}", and calls fn for each pair. A
// ", " belongs to a value unless what follows it up to the next "=" holds no comma (a key).
func javaPairs(s string, fn func(key, value string)) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "{")
	s = strings.TrimSuffix(s, "}")
	base := s
	var key, val string
	start := -1 // where val starts in base while it is a slice of it (no copy); -1 otherwise
	have := false
	for len(s) > 0 {
		off := len(base) - len(s)
		part := s
		if i := strings.Index(s, ", "); i >= 0 {
			part, s = s[:i], s[i+2:]
		} else {
			s = ""
		}
		if eq := strings.IndexByte(part, '='); eq > 0 && !strings.ContainsAny(part[:eq], ",{}") {
			if have {
				fn(key, val)
			}
			key, val, have = strings.TrimSpace(part[:eq]), strings.TrimSpace(part[eq+1:]), true
			start = -1
			if strings.HasSuffix(part, val) { // nothing trimmed on the right: a continuation extends it in base
				start = off + len(part) - len(val)
			}
		} else if have {
			if start >= 0 { // val, ", " and part lie in a row in base
				val = base[start : off+len(part)]
			} else {
				val += ", " + part
			}
		}
	}
	if have {
		fn(key, val)
	}
}

// parseAddr is logs.ParseAddr on bytes, without an allocation for the common forms: the
// first attempt reads b in place (netip keeps no reference to it in an Addr, and the error,
// which would, is dropped).
func parseAddr(b []byte) (netip.Addr, uint16, bool) {
	if len(b) == 0 {
		return logs.ParseAddr("")
	}
	if ip, err := netip.ParseAddr(unsafe.String(&b[0], len(b))); err == nil {
		return ip.Unmap().WithZone(""), 0, true
	}
	return logs.ParseAddr(string(b))
}

// equalFold reports whether b equals the upper-case ASCII word s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
