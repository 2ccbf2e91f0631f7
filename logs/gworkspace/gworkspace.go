package gworkspace

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
)

// Name is the format name and the suffix of event.dataset.
const Name = "gworkspace"

func init() {
	logs.Register(logs.Format{
		Name:        Name,
		Description: "Google Workspace login audit (Reports API activities)",
		Framing:     logs.FrameJSON,
		New:         New,
		Detect:      Detect,
	})
}

// Parser turns Reports API activities into events. Use New; not safe for concurrent use.
type Parser struct {
	p fastjson.Parser
}

var _ logs.Parser = (*Parser)(nil)

// New returns a Parser. The format has no settings.
func New(logs.Options) (logs.Parser, error) { return &Parser{}, nil }

// Detect recognizes activities by their id.uniqueQualifier and events keys.
func Detect(rec []byte) int {
	if len(rec) == 0 || (rec[0] != '{' && rec[0] != '[') {
		return 0
	}
	has := func(s string) bool { return bytes.Contains(rec, []byte(s)) }
	switch {
	case has(`"admin#reports#activit`):
		return 95
	case has(`"uniqueQualifier"`) && has(`"events"`) && has(`"applicationName"`):
		return 90
	case has(`"uniqueQualifier"`) && has(`"events"`):
		return 60
	}
	return 0
}

// Parse implements logs.Parser.
func (p *Parser) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	v, err := p.p.ParseBytes(rec.Data)
	if err != nil {
		return fmt.Errorf("gworkspace: %w", err)
	}
	single := v.Type() == fastjson.TypeObject && v.Get("items") == nil
	return logs.EachDocument(v, []string{"items"}, func(o *fastjson.Value) error {
		original := string(rec.Data)
		if !single {
			original = string(o.MarshalTo(nil))
		}
		return convert(o, original, emit)
	})
}

func convert(o *fastjson.Value, original string, emit func(*borderwatch.Event)) error {
	if app := logs.JSONString(o, "id", "applicationName"); app != "" && app != "login" {
		return fmt.Errorf("gworkspace: application %q is not login: %w", app, logs.ErrSkip)
	}
	ts, err := logs.ParseTime(logs.JSONString(o, "id", "time"), nil)
	if err != nil {
		return fmt.Errorf("gworkspace: id.time: %w", err)
	}
	events := o.GetArray("events")
	if len(events) == 0 {
		return fmt.Errorf("gworkspace: activity without events")
	}
	uq := logs.JSONString(o, "id", "uniqueQualifier")
	name, domain, email := logs.SplitUser(logs.JSONString(o, "actor", "email"))
	profile := logs.JSONString(o, "actor", "profileId")
	ip, port, ipOK := logs.ParseAddr(logs.JSONString(o, "ipAddress"))
	// Build every event before emitting any, so that a bad entry rejects the whole record.
	out := make([]*borderwatch.Event, 0, len(events))
	for i, e := range events {
		action := logs.JSONString(e, "name")
		if action == "" {
			return fmt.Errorf("gworkspace: events[%d] has no name", i)
		}
		ev := &borderwatch.Event{Timestamp: ts}
		ev.Event.Kind = borderwatch.KindEvent
		ev.Event.Action = action
		ev.Event.Dataset = logs.Dataset(Name)
		ev.Event.Module = Name
		ev.Event.Provider = "login"
		ev.Event.ID = uq
		if len(events) > 1 && uq != "" {
			ev.Event.ID = uq + "-" + strconv.Itoa(i)
		}
		ev.Event.Category = []string{borderwatch.CategoryAuthentication}
		ev.Event.Type = []string{"info"}
		ev.User = borderwatch.User{Name: name, Domain: domain, Email: email, ID: profile}
		if ipOK {
			ev.Source.IP, ev.Source.Port = ip, port
		}
		ev.Observer = borderwatch.Observer{Vendor: "Google", Product: "Google Workspace", Type: "idp"}
		params := parameters(e)
		auth := borderwatch.Auth{Method: params["login_type"], MFA: params["login_challenge_method"]}
		var vnd borderwatch.Vendor
		switch action {
		case "login_success":
			ev.Event.Outcome = borderwatch.OutcomeSuccess
			ev.Event.Category = append(ev.Event.Category, borderwatch.CategorySession)
			ev.Event.Type = []string{"start"}
		case "login_failure":
			ev.Event.Outcome = borderwatch.OutcomeFailure
			ev.Event.Reason = params["login_failure_type"]
		case "logout":
			ev.Event.Category = append(ev.Event.Category, borderwatch.CategorySession)
			ev.Event.Type = []string{"end"}
		case "login_challenge", "login_verification":
			switch strings.ToLower(params["login_challenge_status"]) {
			case "challenge passed", "passed":
				ev.Event.Outcome = borderwatch.OutcomeSuccess
			case "challenge failed", "failed":
				ev.Event.Outcome = borderwatch.OutcomeFailure
			}
		case "suspicious_login", "suspicious_login_less_secure_app", "suspicious_programmatic_login":
			vnd.Detections = append(vnd.Detections, action)
		}
		if strings.HasPrefix(action, "account_disabled_") {
			vnd.Detections = append(vnd.Detections, action)
		}
		if params["is_suspicious"] == "true" {
			vnd.Detections = append(vnd.Detections, "is_suspicious")
		}
		if auth != (borderwatch.Auth{}) {
			ev.Borderwatch.Auth = &auth
		}
		if len(vnd.Detections) > 0 {
			ev.Borderwatch.Vendor = &vnd
		}
		ev.SetOriginal(original)
		out = append(out, ev)
	}
	for _, ev := range out {
		emit(ev)
	}
	return nil
}

// parameters flattens events[].parameters: value, intValue, boolValue, or multiValue joined
// with ",".
func parameters(e *fastjson.Value) map[string]string {
	m := make(map[string]string)
	for _, p := range e.GetArray("parameters") {
		name := logs.JSONString(p, "name")
		if name == "" {
			continue
		}
		switch {
		case p.Exists("value"):
			m[name] = logs.JSONString(p, "value")
		case p.Exists("intValue"):
			m[name] = logs.JSONString(p, "intValue")
		case p.Exists("boolValue"):
			m[name] = logs.JSONString(p, "boolValue")
		case p.Exists("multiValue"):
			var vals []string
			for _, x := range p.GetArray("multiValue") {
				if b, err := x.StringBytes(); err == nil {
					vals = append(vals, string(b))
				}
			}
			m[name] = strings.Join(vals, ",")
		}
	}
	return m
}
