package cloudtrail

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
)

// Name is the format name and the suffix of event.dataset.
const Name = "cloudtrail"

func init() {
	logs.Register(logs.Format{
		Name:        Name,
		Description: "AWS CloudTrail console sign-ins (single records or Records files, gzip)",
		Framing:     logs.FrameJSON,
		New:         New,
		Detect:      Detect,
	})
}

// Parser turns CloudTrail records into events. Use New; not safe for concurrent use.
type Parser struct {
	p fastjson.Parser
}

var _ logs.Parser = (*Parser)(nil)

// New returns a Parser. The format has no settings.
func New(logs.Options) (logs.Parser, error) { return &Parser{}, nil }

// Detect recognizes CloudTrail records by eventSource, eventName and eventTime.
func Detect(rec []byte) int {
	if len(rec) == 0 || (rec[0] != '{' && rec[0] != '[') {
		return 0
	}
	has := func(s string) bool { return bytes.Contains(rec, []byte(s)) }
	if has(`"eventSource"`) && has(`"eventName"`) && has(`"eventTime"`) {
		if has(`"Records"`) || has(`"userIdentity"`) {
			return 95
		}
		return 70
	}
	return 0
}

// Parse implements logs.Parser. Records of other services are skipped.
func (p *Parser) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	v, err := p.p.ParseBytes(rec.Data)
	if err != nil {
		return fmt.Errorf("cloudtrail: %w", err)
	}
	single := v.Type() == fastjson.TypeObject && v.Get("Records") == nil
	return logs.EachDocument(v, []string{"Records"}, func(o *fastjson.Value) error {
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
	src := logs.JSONString(o, "eventSource")
	name := logs.JSONString(o, "eventName")
	if name == "" {
		return nil, fmt.Errorf("cloudtrail: no eventName")
	}
	if src != "signin.amazonaws.com" {
		return nil, fmt.Errorf("cloudtrail: %s %s is not a sign-in: %w", src, name, logs.ErrSkip)
	}
	ts, err := logs.ParseTime(logs.JSONString(o, "eventTime"), nil)
	if err != nil {
		return nil, fmt.Errorf("cloudtrail: eventTime: %w", err)
	}
	ev := &borderwatch.Event{Timestamp: ts}
	ev.Event.Kind = borderwatch.KindEvent
	ev.Event.Category = []string{borderwatch.CategoryAuthentication}
	ev.Event.Type = []string{"info"}
	ev.Event.Action = name
	ev.Event.ID = logs.JSONString(o, "eventID")
	ev.Event.Dataset = logs.Dataset(Name)
	ev.Event.Module = Name
	ev.Event.Provider = src
	ev.Observer = borderwatch.Observer{Vendor: "AWS", Product: "CloudTrail", Type: "idp"}
	if region := logs.JSONString(o, "awsRegion"); region != "" {
		ev.Labels = borderwatch.Labels{"aws_region": region}
	}
	if acct := logs.JSONString(o, "recipientAccountId"); acct != "" {
		if ev.Labels == nil {
			ev.Labels = borderwatch.Labels{}
		}
		ev.Labels["aws_account_id"] = acct
	}

	result := logs.JSONString(o, "responseElements", name)
	if result == "" {
		result = logs.JSONString(o, "responseElements", "ConsoleLogin")
	}
	switch strings.ToLower(result) {
	case "success":
		ev.Event.Outcome = borderwatch.OutcomeSuccess
	case "failure":
		ev.Event.Outcome = borderwatch.OutcomeFailure
	}
	if msg := logs.JSONString(o, "errorMessage"); msg != "" {
		ev.Event.Reason = msg
		if ev.Event.Outcome == "" {
			ev.Event.Outcome = borderwatch.OutcomeFailure
		}
	}
	ev.Event.Code = logs.JSONString(o, "errorCode")

	setUser(ev, o.Get("userIdentity"))

	if ip, port, ok := logs.ParseAddr(logs.JSONString(o, "sourceIPAddress")); ok {
		ev.Source.IP, ev.Source.Port = ip, port
	}
	if ua := logs.JSONString(o, "userAgent"); ua != "" {
		ev.UserAgent = &borderwatch.UserAgent{Original: ua}
	}
	auth := borderwatch.Auth{Application: logs.JSONString(o, "additionalEventData", "LoginTo")}
	if strings.EqualFold(logs.JSONString(o, "additionalEventData", "MFAUsed"), "Yes") {
		auth.MFA = logs.JSONString(o, "additionalEventData", "MFAType")
		if auth.MFA == "" {
			auth.MFA = "mfa"
		}
	}
	if t := logs.JSONString(o, "userIdentity", "type"); t != "" {
		auth.LoginType = t
	}
	if auth != (borderwatch.Auth{}) {
		ev.Borderwatch.Auth = &auth
	}
	return ev, nil
}

// setUser names the person who signed in. IAM users by userName; the root user as "root";
// assumed roles (SSO, federation) by the role session name after the colon in principalId
// (usually the person's e-mail), falling back to the issuing role's name, which also goes to
// user.roles.
func setUser(ev *borderwatch.Event, u *fastjson.Value) {
	if u == nil {
		return
	}
	typ := logs.JSONString(u, "type")
	principal := logs.JSONString(u, "principalId")
	var name string
	switch typ {
	case "Root":
		name = "root"
	case "AssumedRole", "FederatedUser":
		issuer := logs.JSONString(u, "sessionContext", "sessionIssuer", "userName")
		if i := strings.LastIndexByte(principal, ':'); i >= 0 && i < len(principal)-1 {
			name = principal[i+1:]
		} else {
			name = issuer
		}
		if issuer != "" {
			ev.User.Roles = []string{issuer}
		}
	default:
		name = logs.JSONString(u, "userName")
		if name == "HIDDEN_DUE_TO_SECURITY_REASONS" {
			// A failed sign-in with a user name that does not exist: AWS hides what was typed.
			name = ""
		}
	}
	ev.User.Name, ev.User.Domain, ev.User.Email = logs.SplitUser(name)
	if typ == "Root" || (typ == "IAMUser" && ev.User.Domain == "") {
		ev.User.Domain = logs.JSONString(u, "accountId")
	}
	ev.User.ID = logs.JSONString(u, "arn")
	if ev.User.ID == "" {
		ev.User.ID = principal
	}
}
