package m365

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
)

// Name is the format name and the suffix of event.dataset.
const Name = "m365"

func init() {
	logs.Register(logs.Format{
		Name:        Name,
		Description: "Microsoft 365 unified audit log sign-ins (UserLoggedIn, UserLoginFailed)",
		Framing:     logs.FrameJSON,
		New:         New,
		Detect:      Detect,
	})
}

// Parser turns audit records into events. Use New; not safe for concurrent use.
type Parser struct {
	p fastjson.Parser
}

var _ logs.Parser = (*Parser)(nil)

// New returns a Parser. The format has no settings.
func New(logs.Options) (logs.Parser, error) { return &Parser{}, nil }

// Detect recognizes audit records by CreationTime, Operation and RecordType.
func Detect(rec []byte) int {
	if len(rec) == 0 || (rec[0] != '{' && rec[0] != '[') {
		return 0
	}
	has := func(s string) bool { return bytes.Contains(rec, []byte(s)) }
	if has(`"CreationTime"`) && has(`"Operation"`) && has(`"RecordType"`) {
		if has(`"UserLoggedIn"`) || has(`"UserLoginFailed"`) {
			return 95
		}
		return 80
	}
	return 0
}

// Parse implements logs.Parser. Operations other than sign-ins are skipped.
func (p *Parser) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	v, err := p.p.ParseBytes(rec.Data)
	if err != nil {
		return fmt.Errorf("m365: %w", err)
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
	op := logs.JSONString(o, "Operation")
	var outcome string
	switch op {
	case "UserLoggedIn":
		outcome = borderwatch.OutcomeSuccess
	case "UserLoginFailed":
		outcome = borderwatch.OutcomeFailure
	case "":
		return nil, fmt.Errorf("m365: no Operation")
	default:
		return nil, fmt.Errorf("m365: operation %q is not a sign-in: %w", op, logs.ErrSkip)
	}
	// CreationTime is UTC without a zone suffix.
	ts, err := logs.ParseTime(logs.JSONString(o, "CreationTime"), time.UTC)
	if err != nil {
		return nil, fmt.Errorf("m365: CreationTime: %w", err)
	}
	ev := &borderwatch.Event{Timestamp: ts}
	ev.Event.Kind = borderwatch.KindEvent
	ev.Event.Category = []string{borderwatch.CategoryAuthentication}
	ev.Event.Type = []string{"info"}
	ev.Event.Action = op
	ev.Event.Outcome = outcome
	ev.Event.ID = logs.JSONString(o, "Id")
	ev.Event.Dataset = logs.Dataset(Name)
	ev.Event.Module = Name
	ev.Event.Provider = logs.JSONString(o, "Workload")
	if outcome == borderwatch.OutcomeFailure {
		ev.Event.Reason = logs.JSONString(o, "LogonError")
		ev.Event.Code = logs.JSONString(o, "ErrorNumber")
	}
	ev.Observer = borderwatch.Observer{Vendor: "Microsoft", Product: "Microsoft 365", Type: "idp"}

	ev.User.Name, ev.User.Domain, ev.User.Email = logs.SplitUser(logs.JSONString(o, "UserId"))
	ev.User.ID = known(logs.JSONString(o, "UserKey"))

	ip, port, ok := logs.ParseAddr(logs.JSONString(o, "ClientIP"))
	if !ok {
		ip, port, ok = logs.ParseAddr(logs.JSONString(o, "ActorIpAddress"))
	}
	if ok {
		ev.Source.IP, ev.Source.Port = ip, port
	}

	ext := nameValues(o, "ExtendedProperties")
	if ua := ext["UserAgent"]; ua != "" {
		ev.UserAgent = &borderwatch.UserAgent{Original: ua}
	}
	auth := borderwatch.Auth{
		Method:    ext["UserAuthenticationMethod"],
		LoginType: ext["RequestType"],
	}
	// ObjectId names the application signed in to (an id or a URL).
	auth.Application = known(logs.JSONString(o, "ObjectId"))
	if auth != (borderwatch.Auth{}) {
		ev.Borderwatch.Auth = &auth
	}
	if d := nameValues(o, "DeviceProperties"); d["IsCompliant"] != "" || d["OS"] != "" {
		ev.Labels = borderwatch.Labels{}
		if d["OS"] != "" {
			ev.Labels["device_os"] = d["OS"]
		}
		if d["IsCompliant"] != "" {
			ev.Labels["device_compliant"] = strings.ToLower(d["IsCompliant"])
		}
	}
	return ev, nil
}

// nameValues flattens [{"Name":..,"Value":..}] lists.
func nameValues(o *fastjson.Value, key string) map[string]string {
	m := make(map[string]string)
	for _, e := range o.GetArray(key) {
		if n := logs.JSONString(e, "Name"); n != "" {
			m[n] = logs.JSONString(e, "Value")
		}
	}
	return m
}

// known drops the placeholders Microsoft writes for missing values.
func known(s string) string {
	switch strings.ToLower(s) {
	case "not available", "unknown", "n/a":
		return ""
	}
	return s
}
