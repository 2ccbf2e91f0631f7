package okta

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/valyala/fastjson/fastfloat"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
)

// The fast path converts a single LogEvent straight from the record's bytes (see scanner);
// it gives the same event as convert on fastjson's tree, which remains the path for arrays
// and for whatever the scanner leaves to fastjson. Strings without escapes are cut from
// event.original (one copy of the record per event) or interned; nothing else is copied.

// The members read, found in one pass: doc is the spec of a LogEvent, and each member's
// value lands in fastDoc.v at the index of the constant of the same name.
const (
	tPublished = iota
	tEventType
	tUUID
	tDisplayMessage
	tOutcome
	tActor
	tTarget
	tClient
	tRequest
	tAuthContext
	tDebugContext
	tSecurityContext
	oResult // outcome
	oReason
	aType // actor (and the user-type target)
	aAlternateID
	aID
	aDisplayName
	cIPAddress // client
	cGeo
	cUserAgent
	gCity // client.geographicalContext
	gState
	gCountry
	gPostalCode
	gGeolocation
	lLat // client.geographicalContext.geolocation
	lLon
	uRaw     // client.userAgent.rawUserAgent
	xSession // authenticationContext
	xCredential
	xProvider
	dDebugData // debugContext
	dFactor    // debugContext.debugData
	dRisk
	dBehaviors
	dThreat
	dTunnels
	sIsProxy // securityContext
	sASNumber
	sASOrg
	eTarget // target[0] (targetElems elements of 1+len(userKeys) slots: the element, then its userKeys)
	nSlots  = eTarget + targetElems*(1+nUserKeys)
)

// targetElems is how many target elements the one pass looks into; setUser and setAuth scan
// the rest of a longer array again.
const targetElems = 4

// nUserKeys is len(userKeys).
const nUserKeys = 4

var (
	userKeyArr = [nUserKeys]string{"type", "alternateId", "id", "displayName"}
	userKeys   = userKeyArr[:]
	geoKeys    = []string{"city", "state", "country", "postalCode", "geolocation"}
	latLonKeys = []string{"lat", "lon"}

	latLonSpec = &spec{keys: latLonKeys, base: lLat}
	targetSpec = func() *spec {
		sp := &spec{}
		for k := range targetElems {
			e := eTarget + k*(1+nUserKeys)
			sp.elem = append(sp.elem, &spec{keys: userKeys, base: e + 1, self: e})
		}
		return sp
	}()
	geoSpec = &spec{keys: geoKeys, base: gCity, sub: []*spec{nil, nil, nil, nil, latLonSpec}}
	doc     = (&spec{
		keys: []string{"published", "eventType", "uuid", "displayMessage", "outcome", "actor", "target",
			"client", "request", "authenticationContext", "debugContext", "securityContext"},
		sub: []*spec{
			tOutcome: {keys: []string{"result", "reason"}, base: oResult},
			tActor:   {keys: userKeys, base: aType},
			tTarget:  targetSpec,
			tClient: {keys: []string{"ipAddress", "geographicalContext", "userAgent"}, base: cIPAddress,
				sub: []*spec{nil, geoSpec, {keys: []string{"rawUserAgent"}, base: uRaw}}},
			tAuthContext: {keys: []string{"externalSessionId", "credentialType", "authenticationProvider"}, base: xSession},
			tDebugContext: {keys: []string{"debugData"}, base: dDebugData, sub: []*spec{
				{keys: []string{"factor", "risk", "behaviors", "threatSuspected", "tunnels"}, base: dFactor}}},
			tSecurityContext: {keys: []string{"isProxy", "asNumber", "asOrg"}, base: sIsProxy},
		},
	}).index()
)

// fastDoc is one document being converted.
type fastDoc struct {
	p    *Parser
	sc   scanner
	orig string // the record, kept as event.original; unescaped strings are cut from it
	v    [nSlots]jv
}

// parseFast converts data when it is one JSON object the scanner reads; ok is false when the
// record must go to the fastjson path (an array, a key with an escape, a syntax error:
// fastjson gives the same result or the same error there).
func (p *Parser) parseFast(data []byte) (ev *borderwatch.Event, ok bool, err error) {
	f := &p.doc
	*f = fastDoc{p: p, sc: scanner{d: data}}
	defer func() { f.sc.d, f.sc.q, f.orig = nil, nil, "" }() // keep no record alive
	i := f.sc.ws(0)
	if i >= len(data) || data[i] != '{' {
		return nil, false, nil
	}
	f.sc.q = p.quotes(data)
	_, end := f.sc.value(i, 0, doc, f.v[:])
	if f.sc.bad || f.sc.ws(end) != len(data) {
		return nil, false, nil
	}
	f.orig = string(data)
	ev, err = f.convert()
	if f.sc.bad {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	ev.SetOriginal(f.orig)
	return ev, true, nil
}

// quotes returns data's quote bitmap, nil when data holds a backslash.
func (p *Parser) quotes(data []byte) []uint64 {
	n := (len(data) + 63) / 64
	q := p.qbuf
	if cap(q) < n {
		q = make([]uint64, n)
		if n <= maxQuoteWords {
			p.qbuf = q
		}
	}
	q = q[:n]
	if markQuotes(data, q) {
		return nil
	}
	return q
}

// raw returns the string v unescaped (fastjson's GetStringBytes): a slice of the record, or
// of the JSON parser's buffer when it had escapes; valid until either is reused.
func (f *fastDoc) raw(v jv) []byte {
	if v.k != kString {
		return nil
	}
	if !v.esc {
		return f.sc.d[v.s:v.e]
	}
	u, err := f.p.p.ParseBytes(f.sc.d[v.s-1 : v.e+1])
	if err != nil {
		f.sc.bad = true
		return nil
	}
	return u.GetStringBytes()
}

// str is logs.JSONString: the string at v (numbers and booleans in their JSON spelling).
func (f *fastDoc) str(v jv) string {
	switch v.k {
	case kString:
		if !v.esc {
			return f.orig[v.s:v.e]
		}
		return string(f.raw(v))
	case kNumber:
		return f.orig[v.s:v.e]
	case kTrue:
		return "true"
	case kFalse:
		return "false"
	}
	return ""
}

// intern is logs.Interner.JSON.
func (f *fastDoc) intern(v jv) string {
	if v.k == kString {
		return f.p.in.Bytes(f.raw(v))
	}
	return f.str(v)
}

// boolean is logs.JSONBool.
func (f *fastDoc) boolean(v jv) (b, ok bool) {
	switch v.k {
	case kTrue:
		return true, true
	case kFalse:
		return false, true
	case kString:
		switch strings.ToLower(f.str(v)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// uint is logs.JSONUint.
func (f *fastDoc) uint(v jv) (uint64, bool) {
	switch v.k {
	case kNumber:
		n, err := fastfloat.ParseUint64(f.orig[v.s:v.e])
		return n, err == nil
	case kString:
		n, err := strconv.ParseUint(strings.TrimSpace(f.str(v)), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// float is logs.JSONFloat.
func (f *fastDoc) float(v jv) (float64, bool) {
	switch v.k {
	case kNumber:
		x, err := fastfloat.Parse(f.orig[v.s:v.e])
		return x, err == nil
	case kString:
		x, err := strconv.ParseFloat(strings.TrimSpace(f.str(v)), 64)
		return x, err == nil
	}
	return 0, false
}

// member returns the member key of object v.
func (f *fastDoc) member(v jv, key string) jv {
	var out [1]jv
	f.sc.fields(v, []string{key}, out[:])
	return out[0]
}

func (f *fastDoc) convert() (*borderwatch.Event, error) {
	var pub string
	if v := f.v[tPublished]; v.k == kString {
		pub = f.str(v)
	}
	ts, err := logs.ParseTime(pub, nil)
	if err != nil {
		return nil, fmt.Errorf("okta: published: %w", err)
	}
	action := f.intern(f.v[tEventType])
	if action == "" {
		return nil, fmt.Errorf("okta: no eventType")
	}
	blk := new(block)
	ev := &blk.ev
	ev.Timestamp = ts
	ev.Event.Kind = borderwatch.KindEvent
	ev.Event.Action = action
	ev.Event.ID = f.str(f.v[tUUID])
	ev.Event.Dataset = dataset
	ev.Event.Module = Name
	ev.Event.Provider = "okta"
	ev.Event.Category, ev.Event.Type = blk.categorize(action)
	ev.Message = f.intern(f.v[tDisplayMessage])
	switch r := f.raw(f.v[oResult]); {
	case equalFold(r, "SUCCESS"), equalFold(r, "ALLOW"):
		ev.Event.Outcome = borderwatch.OutcomeSuccess
	case equalFold(r, "FAILURE"), equalFold(r, "DENY"):
		ev.Event.Outcome = borderwatch.OutcomeFailure
	}
	ev.Event.Reason = f.intern(f.v[oReason])
	ev.Observer = borderwatch.Observer{Vendor: "Okta", Product: "Okta Identity Cloud", Type: "idp"}

	f.setUser(ev)
	f.setClient(blk)
	f.setAuth(blk)
	f.setVendor(blk)
	return ev, nil
}

func (f *fastDoc) setUser(ev *borderwatch.Event) {
	if f.v[tActor].k == kMissing {
		return
	}
	u := f.v[aType : aDisplayName+1]
	if t := f.raw(u[0]); len(t) > 0 && string(t) != "User" {
		// A system principal or client acted; the user, if any, is a target.
		var buf [nUserKeys]jv
		if u = f.target("User", &buf); u == nil {
			return
		}
	}
	alt := f.str(u[1])
	if strings.EqualFold(alt, "unknown") {
		alt = ""
	}
	ev.User.Name, ev.User.Domain, ev.User.Email = logs.SplitUser(alt)
	ev.User.ID = f.str(u[2])
	if fn := f.str(u[3]); !strings.EqualFold(fn, "unknown") {
		ev.User.FullName = fn
	}
}

// target returns the members userKeys of the first target element whose type is typ, nil if
// there is none. The first targetElems elements were read by the one pass; the members of a
// later one are found by scanning it again, into buf.
func (f *fastDoc) target(typ string, buf *[nUserKeys]jv) []jv {
	if f.v[tTarget].k != kArray {
		return nil
	}
	for k := range targetElems {
		e := eTarget + k*(1+nUserKeys)
		if f.v[e].k == kMissing {
			return nil // the array has no element k
		}
		if string(f.raw(f.v[e+1])) == typ {
			return f.v[e+1 : e+1+nUserKeys]
		}
	}
	var found []jv
	k := 0
	f.sc.elems(f.v[tTarget], func(t jv) bool {
		if k++; k <= targetElems {
			return true
		}
		f.sc.fields(t, userKeys, buf[:])
		if string(f.raw(buf[0])) == typ {
			found = buf[:]
			return false
		}
		return true
	})
	return found
}

func (f *fastDoc) setClient(blk *block) {
	ev := &blk.ev
	ip, _, ok := parseAddr(f.raw(f.v[cIPAddress]))
	geo, latLon := f.v[gCity:gGeolocation+1], f.v[lLat:lLon+1]
	geoCtx := f.v[cGeo]
	if !ok {
		// Okta writes "null" when it did not see the client; the first hop of the request's
		// IP chain is the next best.
		var first jv
		f.sc.elems(f.member(f.v[tRequest], "ipChain"), func(e jv) bool { first = e; return false })
		if first.k != kMissing {
			ip, _, ok = parseAddr(f.raw(f.member(first, "ip")))
			if geoCtx.k == kMissing {
				geoCtx = f.member(first, "geographicalContext")
				var g [5]jv
				var ll [2]jv
				f.sc.fields(geoCtx, geoKeys, g[:])
				f.sc.fields(g[4], latLonKeys, ll[:])
				geo, latLon = g[:], ll[:]
			}
		}
	}
	if ok {
		ev.Source.IP = ip
	}
	if ua := f.intern(f.v[uRaw]); ua != "" && !strings.EqualFold(ua, "unknown") {
		blk.ua.Original = ua
		ev.UserAgent = &blk.ua
	}
	if geoCtx.k != kObject {
		return
	}
	if g := f.vendorGeo(blk, geo, latLon); g != nil {
		blk.client.IP, blk.client.Geo = ip, g
		ev.Client = &blk.client
	}
}

// vendorGeo converts the members of a geographicalContext (geoKeys) and of its geolocation
// (latLonKeys); nil when they say nothing.
func (f *fastDoc) vendorGeo(blk *block, fs, ll []jv) *borderwatch.Geo {
	geo := &blk.geo
	*geo = borderwatch.Geo{
		CityName:    f.intern(fs[0]),
		RegionName:  f.intern(fs[1]),
		CountryName: f.intern(fs[2]),
		PostalCode:  f.intern(fs[3]),
	}
	lat, okLat := f.float(ll[0])
	lon, okLon := f.float(ll[1])
	if okLat && okLon && (lat != 0 || lon != 0) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
		blk.loc = borderwatch.GeoPoint{Lat: lat, Lon: lon}
		geo.Location = &blk.loc
	}
	if *geo == (borderwatch.Geo{}) {
		return nil
	}
	return geo
}

func (f *fastDoc) setAuth(blk *block) {
	a := &blk.auth
	*a = borderwatch.Auth{
		SessionID: f.str(f.v[xSession]),
		Method:    f.intern(f.v[xCredential]),
		MFA:       f.intern(f.v[dFactor]),
	}
	if strings.EqualFold(a.SessionID, "unknown") {
		a.SessionID = ""
	}
	if a.Method == "" {
		a.Method = f.intern(f.v[xProvider])
	}
	var buf [nUserKeys]jv
	if t := f.target("AppInstance", &buf); t != nil {
		a.Application = f.intern(t[3])
	}
	if *a != (borderwatch.Auth{}) {
		blk.ev.Borderwatch.Auth = a
	}
}

func (f *fastDoc) setVendor(blk *block) {
	in := &f.p.in
	v := &blk.vendor
	v.Detections, v.RiskReasons = blk.det[:0], blk.reasons[:0]
	if b, ok := f.boolean(f.v[sIsProxy]); ok {
		blk.proxy = b
		v.IsProxy = &blk.proxy
	}
	if n, ok := f.uint(f.v[sASNumber]); ok && n <= 1<<32-1 {
		v.ASNumber = uint32(n)
	}
	v.ASOrg = f.intern(f.v[sASOrg])

	if risk := f.str(f.v[dRisk]); len(risk) > 0 && f.v[dRisk].k == kString {
		r := f.p.java.risk(risk, in)
		v.RiskLevel, v.RiskReasons = r.level, append(v.RiskReasons, r.reasons...)
	}
	if beh := f.str(f.v[dBehaviors]); len(beh) > 0 && f.v[dBehaviors].k == kString {
		v.Detections = append(v.Detections, f.p.java.behaviors(beh, in)...)
	}
	if t, _ := f.boolean(f.v[dThreat]); t {
		v.Detections = append(v.Detections, "threat_suspected")
	}
	if tun := f.str(f.v[dTunnels]); tun != "" {
		v.Tunnels = f.p.tunnels(tun)
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
