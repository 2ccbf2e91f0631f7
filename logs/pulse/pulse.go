package pulse

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/syslog"
	"github.com/borderwatch/borderwatch/logs/syslog/foreign"
)

// Name is the format's registered name and the suffix of its event.dataset.
const Name = "pulse"

func init() {
	logs.Register(logs.Format{
		Name:        Name,
		Description: "Ivanti / Pulse Connect Secure user access syslog: logins, VPN sessions, logouts",
		Framing:     logs.FrameLines,
		New:         New,
		Detect:      Detect,
	})
}

// Parser parses Connect Secure syslog lines. Create it with New; it is not safe for
// concurrent use.
type Parser struct {
	sp  syslog.Parser
	log *slog.Logger
}

var _ logs.Parser = (*Parser)(nil)

// New returns a parser configured with the stamp year and zone of opts.
func New(opts logs.Options) (logs.Parser, error) {
	lg := opts.Logger
	if lg == nil {
		lg = slog.Default()
	}
	return &Parser{sp: syslog.Parser{Clock: syslog.Clock{Year: opts.Year, Location: opts.Location}}, log: lg.With("format", Name)}, nil
}

var (
	errUnknown = errors.New("not a Connect Secure login or session message")
	errLayout  = errors.New(`no "- [client] user(realm)[roles] - message" part`)
)

func isPulse(app []byte) bool {
	switch string(app) {
	case "PulseSecure", "pulsesecure", "Pulse", "IvantiConnectSecure", "ICS":
		return true
	}
	return false
}

// Detect scores a line: 100 for the PulseSecure tag with the access-log layout (standard or
// WELF), 90 for the standard layout alone (" - ive - [..."), 60 for the tag alone.
func Detect(rec []byte) int {
	layout := bytes.Contains(rec, []byte(" - [")) && bytes.Contains(rec, []byte("] - ")) ||
		bytes.Contains(rec, []byte("id=firewall ")) && bytes.Contains(rec, []byte(" vpn=")) && bytes.Contains(rec, []byte(" realm="))
	var p syslog.Parser
	h, err := p.Parse(rec, time.Time{})
	if err != nil {
		return 0
	}
	switch {
	case isPulse(h.AppName) && layout:
		return 100
	case bytes.Contains(rec, []byte(" - ive - [")) && layout:
		return 90
	case isPulse(h.AppName):
		return 60
	}
	return 0
}

// Parse turns one line into an event. Connect Secure messages that are not about logins or
// sessions, and other programs' lines, return logs.ErrSkip.
func (p *Parser) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	line := syslog.TrimLine(rec.Data)
	h, err := p.sp.Parse(line, rec.Received)
	if err != nil {
		return fmt.Errorf("pulse: %w", err)
	}
	if len(h.AppName) > 0 && !isPulse(h.AppName) {
		return foreign.Err(Name, line, fmt.Sprintf("program %q", h.AppName))
	}
	var a access
	msg := h.Message
	switch {
	case bytes.HasPrefix(msg, []byte("id=firewall ")) || bytes.Contains(msg, []byte(" vpn=")) && bytes.Contains(msg, []byte(" msg=\"")):
		a, err = welf(msg)
	default:
		a, err = standard(string(msg))
	}
	if errors.Is(err, errLayout) {
		switch {
		case isPulse(h.AppName):
			return fmt.Errorf("pulse: %w", logs.ErrSkip)
		case h.Kind != syslog.KindNone:
			return foreign.Err(Name, line, "no PulseSecure access-log message")
		}
		return foreign.Or(Name, line, fmt.Errorf("pulse: %w", errLayout))
	}
	if err != nil {
		return fmt.Errorf("pulse: %w", err)
	}
	ev := &borderwatch.Event{}
	if ip, ok := syslog.ParseAddr(a.client); ok {
		ev.Source.IP = ip
	} else if a.client != "" {
		return fmt.Errorf("pulse: bad client address %q", a.client)
	}
	if a.user != "" && a.user != "System" {
		ev.User = syslog.SplitUser(a.user)
		for _, r := range strings.Split(a.roles, ",") {
			if r = strings.TrimSpace(r); r != "" {
				ev.User.Roles = append(ev.User.Roles, r)
			}
		}
	}
	if a.realm != "" {
		ev.Labels = borderwatch.Labels{"realm": a.realm}
	}
	text := a.text
	// Message ids: "AUT24414: Login succeeded ..."
	if len(text) > 10 && text[8] == ':' && text[9] == ' ' && isUpper(text[:3]) && isDigits(text[3:8]) {
		ev.Event.Code = text[:8]
		text = text[10:]
	}
	action, err := parseMessage(ev, text)
	if err != nil {
		if errors.Is(err, errUnknown) {
			return fmt.Errorf("pulse: %w", logs.ErrSkip)
		}
		return fmt.Errorf("pulse: %w", err)
	}
	// The access log's own stamp carries the year; the syslog header's may not.
	ts := h.Time
	if t, r, ok := p.sp.Clock.ParseStamp([]byte(a.stamp), rec.Received); ok && len(bytes.TrimSpace(r)) == 0 {
		ts = t
	}
	if a.node != "" {
		ev.Observer.Name = a.node
	}
	if ts.IsZero() {
		ts = rec.Received.UTC()
		if rec.Received.IsZero() {
			ts = time.Now().UTC()
		}
		ev.AddTag("time_from_received")
	}
	if a := ev.Borderwatch.Auth; a != nil && *a == (borderwatch.Auth{}) {
		ev.Borderwatch.Auth = nil
	}
	ev.Timestamp = ts
	syslog.Fill(ev, Name, line, rec.Path, rec.Line, rec.Sender)
	ev.Event.Action = action
	ev.Observer.Vendor = "Ivanti"
	ev.Observer.Product = "Connect Secure"
	ev.Observer.Type = "vpn"
	if len(h.Hostname) > 0 {
		ev.Observer.Hostname = string(h.Hostname)
	}
	emit(ev)
	return nil
}

// access is one access-log record, from either layout.
type access struct {
	stamp, node        string // the record's own time and the cluster node ("ive")
	client             string // the client address
	user, realm, roles string
	text               string // the message
}

// standard reads "2026-11-22 08:05:00 - ive - [203.0.113.45] jdoe(Users)[Users, VPN] - text".
func standard(msg string) (access, error) {
	var a access
	i := strings.Index(msg, " - [")
	if i < 0 {
		return a, errLayout
	}
	head, rest := msg[:i], msg[i+4:]
	if stamp, node, ok := strings.Cut(head, " - "); ok {
		a.stamp, a.node = stamp, strings.TrimSpace(node)
	} else {
		a.stamp = head
	}
	client, rest, ok := strings.Cut(rest, "] ")
	if !ok {
		return a, errLayout
	}
	identity, text, ok := strings.Cut(rest, "] - ")
	if !ok {
		if id, t, ok2 := strings.Cut(rest, " - "); ok2 { // no roles: "jdoe(Users) - ..."
			identity, text, ok = id+"[", t, true
		}
	}
	if !ok {
		return a, errLayout
	}
	a.client, a.text = client, text
	// "jdoe(Users)[Users, VPN"
	name, roles, _ := strings.Cut(identity, "[")
	if j := strings.LastIndexByte(name, '('); j >= 0 && strings.HasSuffix(name, ")") {
		name, a.realm = name[:j], name[j+1:len(name)-1]
	}
	a.user, a.roles = name, roles
	return a, nil
}

// welf reads the WebTrends Enhanced Log Format: id=firewall time="2026-11-22 08:05:04" pri=6
// fw=... vpn=ive user=jdoe realm="Users" roles="Users, VPN" proto=auth src=203.0.113.45 ...
// msg="AUT24414: Login succeeded ...".
func welf(b []byte) (access, error) {
	var a access
	hasMsg := false
	err := syslog.ParseKV(string(b), func(k, v string) {
		switch k {
		case "time":
			a.stamp = v
		case "vpn":
			a.node = v
		case "src":
			a.client = v
		case "user":
			a.user = v
		case "realm":
			a.realm = v
		case "roles":
			a.roles = v
		case "msg":
			a.text, hasMsg = v, true
		}
	})
	if err != nil {
		return a, err
	}
	if !hasMsg {
		return a, errLayout
	}
	return a, nil
}

func parseMessage(ev *borderwatch.Event, text string) (string, error) {
	text = strings.TrimSpace(text)
	auth := &borderwatch.Auth{}
	ev.Borderwatch.Auth = auth
	if sid, ok := between(text, "(session:", ")"); ok {
		auth.SessionID = sid
	}
	switch {
	case strings.HasPrefix(text, "Primary authentication successful for "):
		userFrom(ev, text[len("Primary authentication successful for "):])
		info(ev, borderwatch.OutcomeSuccess)
		return "primary_authentication", nil
	case strings.HasPrefix(text, "Primary authentication failed for "):
		userFrom(ev, text[len("Primary authentication failed for "):])
		info(ev, borderwatch.OutcomeFailure)
		return "primary_authentication", nil
	case strings.HasPrefix(text, "Secondary authentication successful for "):
		userFrom(ev, text[len("Secondary authentication successful for "):])
		auth.MFA = "secondary"
		info(ev, borderwatch.OutcomeSuccess)
		return "secondary_authentication", nil
	case strings.HasPrefix(text, "Secondary authentication failed for "):
		userFrom(ev, text[len("Secondary authentication failed for "):])
		auth.MFA = "secondary"
		info(ev, borderwatch.OutcomeFailure)
		return "secondary_authentication", nil
	case strings.HasPrefix(text, "Login succeeded for "), strings.HasPrefix(text, "Agent login succeeded for "):
		agent := text[0] == 'A'
		r := strings.TrimPrefix(strings.TrimPrefix(text, "Agent login succeeded for "), "Login succeeded for ")
		userFrom(ev, r)
		if _, ua, ok := strings.Cut(r, " with "); ok {
			ua = strings.TrimSuffix(strings.TrimSpace(ua), ".")
			if ua != "" {
				ev.UserAgent = &borderwatch.UserAgent{Original: ua}
			}
		}
		session(ev, "start", borderwatch.OutcomeSuccess)
		if agent {
			auth.LoginType = "agent"
			return "agent_login", nil
		}
		auth.LoginType = "browser"
		return "login", nil
	case strings.HasPrefix(text, "Login failed"):
		info(ev, borderwatch.OutcomeFailure)
		if _, r, ok := strings.Cut(text, "Reason: "); ok {
			ev.Event.Reason = strings.TrimSuffix(strings.TrimSpace(r), ".")
		}
		// "Login failed using auth server CorpAD (LDAP Server)."
		if s, ok := between(text, "auth server ", " ("); ok {
			ev.Labels = setLabel(ev.Labels, "auth_server", s)
			if typ, ok := between(text, s+" (", ")"); ok {
				auth.Method = strings.ToLower(strings.TrimSuffix(typ, " Server"))
			}
		}
		return "login_failed", nil
	case strings.HasPrefix(text, "VPN Tunneling: Session started"), strings.HasPrefix(text, "VPN Tunneling: Session ended"):
		start := strings.HasPrefix(text, "VPN Tunneling: Session started")
		auth.TunnelType = "vpn-tunneling"
		for _, k := range []string{"IPv4 address ", "IPv6 address "} {
			if v, ok := between(text+",", k, ","); ok {
				if a, ok := syslog.ParseAddr(v); ok && ev.Source.NAT == nil {
					ev.Source.NAT = &borderwatch.NAT{IP: a}
				}
			}
		}
		if hn, ok := between(text+",", "hostname ", ","); ok && hn != "" {
			ev.Labels = setLabel(ev.Labels, "client_hostname", strings.TrimSuffix(hn, "."))
		}
		if start {
			session(ev, "start", borderwatch.OutcomeSuccess)
			return "vpn_session_started", nil
		}
		session(ev, "end", "")
		return "vpn_session_ended", nil
	case strings.HasPrefix(text, "Logout from "):
		session(ev, "end", "")
		return "logout", nil
	case strings.HasPrefix(text, "Session timed out for "):
		userFrom(ev, text[len("Session timed out for "):])
		session(ev, "end", "")
		ev.Event.Reason = "idle timeout"
		return "session_timeout", nil
	case strings.HasPrefix(text, "Max session timeout for "):
		userFrom(ev, text[len("Max session timeout for "):])
		session(ev, "end", "")
		ev.Event.Reason = "maximum session length"
		return "session_timeout", nil
	case strings.HasPrefix(text, "Remote address for user "):
		// "Remote address for user jdoe/Users changed from 203.0.113.45 to 198.51.100.9."
		r := text[len("Remote address for user "):]
		userFrom(ev, r)
		from, ok1 := between(r, " changed from ", " to ")
		_, to, ok2 := strings.Cut(r, " to ")
		if !ok1 || !ok2 {
			return "", errUnknown
		}
		to = strings.TrimSuffix(strings.TrimSpace(to), ".")
		a, ok := syslog.ParseAddr(to)
		if !ok {
			return "", fmt.Errorf("bad new remote address %q", to)
		}
		ev.Source.IP = a
		ev.Event.Reason = "remote address changed from " + from
		info(ev, "")
		return "remote_address_changed", nil
	}
	ev.Borderwatch.Auth = nil
	return "", errUnknown
}

// userFrom reads "<user>/<realm> ..." when the identity block did not name the user.
func userFrom(ev *borderwatch.Event, s string) {
	if ev.User.Name != "" {
		return
	}
	u, _, _ := strings.Cut(s, " ")
	if i := strings.LastIndexByte(u, '/'); i > 0 {
		u = u[:i]
	}
	ev.User = syslog.SplitUser(u)
}

func setLabel(l borderwatch.Labels, k, v string) borderwatch.Labels {
	if l == nil {
		l = borderwatch.Labels{}
	}
	l[k] = v
	return l
}

func between(s, start, end string) (string, bool) {
	i := strings.Index(s, start)
	if i < 0 {
		return "", false
	}
	v, _, ok := strings.Cut(s[i+len(start):], end)
	return strings.TrimSpace(v), ok
}

func session(ev *borderwatch.Event, typ, outcome string) {
	ev.Event.Category = []string{borderwatch.CategoryAuthentication, borderwatch.CategorySession}
	ev.Event.Type = []string{typ}
	ev.Event.Outcome = outcome
}

func info(ev *borderwatch.Event, outcome string) {
	ev.Event.Category = []string{borderwatch.CategoryAuthentication}
	ev.Event.Type = []string{"info"}
	ev.Event.Outcome = outcome
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
