package entra

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
)

// Name is the format name and the suffix of event.dataset.
const Name = "entra"

func init() {
	logs.Register(logs.Format{
		Name:        Name,
		Description: "Microsoft Entra ID sign-in logs (Event Hub / diagnostic records, Graph signIns)",
		Framing:     logs.FrameJSON,
		New:         New,
		Detect:      Detect,
	})
}

// Parser turns Entra sign-ins into events. Use New; not safe for concurrent use.
type Parser struct {
	p fastjson.Parser
}

var _ logs.Parser = (*Parser)(nil)

// New returns a Parser. Entra has no settings.
func New(logs.Options) (logs.Parser, error) { return &Parser{}, nil }

var wrappers = []string{"records", "value"}

// Detect recognizes sign-in records by their category or Graph keys.
func Detect(rec []byte) int {
	if len(rec) == 0 || (rec[0] != '{' && rec[0] != '[') {
		return 0
	}
	has := func(s string) bool { return bytes.Contains(rec, []byte(s)) }
	switch {
	case has(`SignInLogs"`) && has(`"resultType"`):
		return 95
	case has(`"userPrincipalName"`) && has(`"createdDateTime"`) && (has(`"appDisplayName"`) || has(`"clientAppUsed"`)):
		return 85
	case has(`"userPrincipalName"`) && has(`"conditionalAccessStatus"`):
		return 70
	}
	return 0
}

// Parse implements logs.Parser.
func (p *Parser) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	v, err := p.p.ParseBytes(rec.Data)
	if err != nil {
		return fmt.Errorf("entra: %w", err)
	}
	single := v.Type() == fastjson.TypeObject && v.Get("records") == nil && v.Get("value") == nil
	return logs.EachDocument(v, wrappers, func(o *fastjson.Value) error {
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
	// A diagnostic record wraps the Graph-like sign-in in properties.
	p := o.Get("properties")
	envelope := p != nil && p.Type() == fastjson.TypeObject
	if !envelope {
		p = o
	}
	category := logs.JSONString(o, "category")
	switch category {
	case "", "SignInLogs", "NonInteractiveUserSignInLogs", "ServicePrincipalSignInLogs", "ManagedIdentitySignInLogs":
	default:
		return nil, fmt.Errorf("entra: category %q is not a sign-in log: %w", category, logs.ErrSkip)
	}
	tsText := logs.JSONString(o, "time")
	if tsText == "" {
		tsText = logs.JSONString(p, "createdDateTime")
	}
	ts, err := logs.ParseTime(tsText, nil)
	if err != nil {
		return nil, fmt.Errorf("entra: time: %w", err)
	}
	ev := &borderwatch.Event{Timestamp: ts}
	ev.Event.Kind = borderwatch.KindEvent
	ev.Event.Category = []string{borderwatch.CategoryAuthentication}
	ev.Event.Type = []string{"info"}
	ev.Event.Dataset = logs.Dataset(Name)
	ev.Event.Module = Name
	ev.Event.Provider = "entra"
	ev.Event.Action = logs.JSONString(o, "operationName")
	if ev.Event.Action == "" {
		ev.Event.Action = "Sign-in activity"
	}
	ev.Event.ID = logs.JSONString(p, "id")
	if ev.Event.ID == "" {
		ev.Event.ID = logs.JSONString(o, "correlationId")
	}
	ev.Observer = borderwatch.Observer{Vendor: "Microsoft", Product: "Entra ID", Type: "idp"}

	// Outcome: resultType "0" (envelope) or status.errorCode 0 (Graph) is success.
	code := logs.JSONString(o, "resultType")
	if code == "" {
		code = logs.JSONString(p, "status", "errorCode")
	}
	switch {
	case code == "0":
		ev.Event.Outcome = borderwatch.OutcomeSuccess
	case code != "":
		ev.Event.Outcome = borderwatch.OutcomeFailure
		ev.Event.Code = code
	}
	ev.Event.Reason = logs.JSONString(p, "status", "failureReason")
	if ev.Event.Reason == "" && code != "0" {
		ev.Event.Reason = logs.JSONString(o, "resultDescription")
	}
	if ev.Event.Reason == "Other." {
		ev.Event.Reason = ""
	}

	upn := logs.JSONString(p, "userPrincipalName")
	if upn == "" {
		upn = logs.JSONString(p, "servicePrincipalName")
	}
	ev.User.Name, ev.User.Domain, ev.User.Email = logs.SplitUser(upn)
	ev.User.ID = logs.JSONString(p, "userId")
	if ev.User.ID == "" {
		ev.User.ID = logs.JSONString(p, "servicePrincipalId")
	}
	ev.User.FullName = logs.JSONString(p, "userDisplayName")

	ipText := logs.JSONString(p, "ipAddress")
	if ipText == "" {
		ipText = logs.JSONString(o, "callerIpAddress")
	}
	ip, port, ipOK := logs.ParseAddr(ipText)
	if ipOK {
		ev.Source.IP, ev.Source.Port = ip, port
	}
	if ua := logs.JSONString(p, "userAgent"); ua != "" {
		ev.UserAgent = &borderwatch.UserAgent{Original: ua}
	}
	loc := p.Get("location")
	lat, okLat := logs.JSONFloat(loc, "geoCoordinates", "latitude")
	lon, okLon := logs.JSONFloat(loc, "geoCoordinates", "longitude")
	if g := logs.VendorGeo(borderwatch.Geo{
		CityName:       logs.JSONString(loc, "city"),
		RegionName:     logs.JSONString(loc, "state"),
		CountryISOCode: logs.JSONString(loc, "countryOrRegion"),
	}, lat, lon, okLat && okLon); g != nil {
		ev.Client = &borderwatch.Endpoint{IP: ip, Geo: g}
	}

	auth := borderwatch.Auth{
		SessionID:   logs.JSONString(p, "sessionId"),
		Application: logs.JSONString(p, "appDisplayName"),
		LoginType:   category,
		MFA:         logs.JSONString(p, "mfaDetail", "authMethod"),
	}
	if auth.SessionID == "" {
		auth.SessionID = logs.JSONString(p, "correlationId")
	}
	if auth.LoginType == "" {
		auth.LoginType = logs.JSONString(p, "signInEventTypes", "0")
	}
	for i, d := range p.GetArray("authenticationDetails") {
		m := logs.JSONString(d, "authenticationMethod")
		if m == "" || m == "Previously satisfied" {
			continue
		}
		if auth.Method == "" && i == 0 {
			auth.Method = m
		} else if auth.MFA == "" && m != auth.Method {
			auth.MFA = m
		}
	}
	if auth.Method == "" {
		auth.Method = logs.JSONString(p, "clientAppUsed")
	}
	if b, ok := logs.JSONBool(p, "isInteractive"); ok {
		auth.Interactive = logs.Ptr(b)
	} else {
		switch category {
		case "SignInLogs":
			auth.Interactive = logs.Ptr(true)
		case "NonInteractiveUserSignInLogs", "ServicePrincipalSignInLogs", "ManagedIdentitySignInLogs":
			auth.Interactive = logs.Ptr(false)
		}
	}
	ev.Borderwatch.Auth = &auth

	var vnd borderwatch.Vendor
	vnd.RiskLevel = logs.JSONString(p, "riskLevelAggregated")
	if vnd.RiskLevel == "" || vnd.RiskLevel == "none" || vnd.RiskLevel == "hidden" {
		if l := logs.JSONString(p, "riskLevelDuringSignIn"); l != "" {
			vnd.RiskLevel = l
		}
	}
	if vnd.RiskLevel == "none" {
		vnd.RiskLevel = ""
	}
	vnd.RiskReasons = stringList(p, "riskEventTypes_v2")
	if len(vnd.RiskReasons) == 0 {
		vnd.RiskReasons = stringList(p, "riskEventTypes")
	}
	if st := logs.JSONString(p, "riskState"); st != "" && st != "none" {
		vnd.Detections = append(vnd.Detections, "riskState:"+st)
	}
	if ca := logs.JSONString(p, "conditionalAccessStatus"); ca == "failure" {
		vnd.Detections = append(vnd.Detections, "conditionalAccess:failure")
	}
	for _, n := range p.GetArray("networkLocationDetails") {
		if t := logs.JSONString(n, "networkType"); t != "" {
			vnd.Tunnels = append(vnd.Tunnels, t)
		}
	}
	if n, ok := logs.JSONUint(p, "autonomousSystemNumber"); ok && n <= 1<<32-1 {
		vnd.ASNumber = uint32(n)
	}
	if vnd.RiskLevel != "" || len(vnd.RiskReasons) > 0 || len(vnd.Detections) > 0 || len(vnd.Tunnels) > 0 || vnd.ASNumber != 0 {
		ev.Borderwatch.Vendor = &vnd
	}
	return ev, nil
}

// stringList reads an array of strings, or a string holding a JSON array or a comma list
// (diagnostic records sometimes serialize arrays as strings).
func stringList(o *fastjson.Value, key string) []string {
	x := o.Get(key)
	if x == nil {
		return nil
	}
	var out []string
	switch x.Type() {
	case fastjson.TypeArray:
		for _, e := range x.GetArray() {
			if b, err := e.StringBytes(); err == nil && len(b) > 0 {
				out = append(out, string(b))
			}
		}
	case fastjson.TypeString:
		b, _ := x.StringBytes()
		s := strings.Trim(strings.TrimSpace(string(b)), "[]")
		for _, part := range strings.Split(s, ",") {
			if part = strings.Trim(strings.TrimSpace(part), `"`); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}
