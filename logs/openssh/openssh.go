package openssh

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
const Name = "openssh"

func init() {
	logs.Register(logs.Format{
		Name:        Name,
		Description: "OpenSSH sshd syslog/auth.log: accepted and failed logins, invalid users, disconnects",
		Framing:     logs.FrameLines,
		New:         New,
		Detect:      Detect,
	})
}

// Parser parses sshd log lines. Create it with New; it is not safe for concurrent use.
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

var errUnknown = errors.New("not an sshd login message")

func isSSHD(app []byte) bool {
	switch string(app) {
	case "sshd", "sshd-session", "sshd-auth":
		return true
	}
	return false
}

// Detect scores a line: 100 for an sshd login message, 60 for another sshd line, 50 for a
// login message without a syslog header.
func Detect(rec []byte) int {
	var p syslog.Parser
	h, err := p.Parse(rec, time.Time{})
	if err != nil {
		return 0
	}
	known := func() bool {
		var ev borderwatch.Event
		_, err := parseMessage(&ev, h.Message)
		return err == nil
	}
	switch {
	case isSSHD(h.AppName) && known():
		return 100
	case isSSHD(h.AppName):
		return 60
	case h.Kind == syslog.KindNone && known():
		return 50
	}
	return 0
}

// Parse turns one line into an event. sshd lines that are not about logins and lines of
// other programs return logs.ErrSkip.
func (p *Parser) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	line := syslog.TrimLine(rec.Data)
	h, err := p.sp.Parse(line, rec.Received)
	if err != nil {
		return fmt.Errorf("openssh: %w", err)
	}
	if h.Kind != syslog.KindNone && !isSSHD(h.AppName) {
		return foreign.Err(Name, line, fmt.Sprintf("program %q", h.AppName))
	}
	ev := &borderwatch.Event{}
	action, err := parseMessage(ev, h.Message)
	if err != nil {
		if h.Kind != syslog.KindNone && errors.Is(err, errUnknown) {
			return fmt.Errorf("openssh: %w", logs.ErrSkip)
		}
		return foreign.Or(Name, line, fmt.Errorf("openssh: %w", err))
	}
	ev.Timestamp = h.Time
	if ev.Timestamp.IsZero() {
		ev.Timestamp = rec.Received.UTC()
		if rec.Received.IsZero() {
			ev.Timestamp = time.Now().UTC()
		}
		ev.AddTag("time_from_received")
	}
	syslog.Fill(ev, Name, line, rec.Path, rec.Line, rec.Sender)
	ev.Event.Action = action
	ev.Observer.Product = "OpenSSH"
	ev.Observer.Type = "host"
	if len(h.Hostname) > 0 {
		ev.Observer.Hostname = string(h.Hostname)
	}
	if len(h.ProcID) > 0 {
		if ev.Borderwatch.Auth == nil {
			ev.Borderwatch.Auth = &borderwatch.Auth{}
		}
		ev.Borderwatch.Auth.SessionID = string(h.ProcID) // sshd's per-connection process
	}
	emit(ev)
	return nil
}

// parseMessage fills ev from an sshd message and returns event.action.
func parseMessage(ev *borderwatch.Event, msg []byte) (string, error) {
	// "message repeated 3 times: [ Failed password for root from ...]"
	if bytes.HasPrefix(msg, []byte("message repeated ")) {
		if i := bytes.Index(msg, []byte(": [ ")); i > 0 {
			msg = bytes.TrimSuffix(msg[i+4:], []byte("]"))
		}
	}
	preauth := bytes.HasSuffix(msg, []byte(" [preauth]"))
	msg = bytes.TrimSuffix(msg, []byte(" [preauth]"))
	s := string(msg)
	cut := func(prefix string) (string, bool) {
		if len(s) > len(prefix) && s[:len(prefix)] == prefix {
			return s[len(prefix):], true
		}
		return "", false
	}
	auth := &borderwatch.Auth{}
	switch {
	case hasPrefix(s, "Accepted "), hasPrefix(s, "Failed "):
		accepted := s[0] == 'A'
		rest := s[len("Failed "):]
		if accepted {
			rest = s[len("Accepted "):]
		}
		method, rest, ok := cutWord(rest)
		if !ok || !hasPrefix(rest, "for ") {
			return "", errUnknown
		}
		user, invalid, rest, err := userFrom(rest[4:], ev)
		if err != nil {
			return "", err
		}
		ev.User = syslog.SplitUser(user)
		auth.Method = method
		ev.Borderwatch.Auth = auth
		if invalid {
			ev.AddTag("invalid_user")
		}
		if accepted {
			session(ev, "start", borderwatch.OutcomeSuccess)
			// "ssh2: ED25519 SHA256:..."
			if _, key, ok := strings.Cut(rest, ": "); ok {
				typ, fp, _ := strings.Cut(key, " ")
				ev.Labels = borderwatch.Labels{"ssh_key_type": typ, "ssh_key_fingerprint": fp}
			}
			return "accepted", nil
		}
		info(ev, borderwatch.OutcomeFailure)
		return "failed", nil
	case hasPrefix(s, "Invalid user "):
		user, _, _, err := userFrom(s[len("Invalid user "):], ev)
		if err != nil {
			return "", err
		}
		ev.User = syslog.SplitUser(user)
		ev.AddTag("invalid_user")
		ev.Event.Reason = "invalid user"
		info(ev, borderwatch.OutcomeFailure)
		return "invalid_user", nil
	case hasPrefix(s, "error: maximum authentication attempts exceeded for "):
		user, invalid, _, err := userFrom(s[len("error: maximum authentication attempts exceeded for "):], ev)
		if err != nil {
			return "", err
		}
		ev.User = syslog.SplitUser(user)
		if invalid {
			ev.AddTag("invalid_user")
		}
		ev.Event.Reason = "maximum authentication attempts exceeded"
		info(ev, borderwatch.OutcomeFailure)
		return "max_auth_attempts", nil
	}
	if rest, ok := cut("Connection closed by "); ok {
		if err := closedBy(ev, rest); err != nil {
			return "", err
		}
		info(ev, "")
		if preauth {
			ev.Event.Reason = "closed before authentication"
		}
		return "connection_closed", nil
	}
	if rest, ok := cut("Disconnected from "); ok {
		if err := closedBy(ev, rest); err != nil {
			return "", err
		}
		if preauth {
			info(ev, "")
			ev.Event.Reason = "disconnected before authentication"
			return "disconnected", nil
		}
		session(ev, "end", "")
		return "disconnected", nil
	}
	return "", errUnknown
}

// userFrom reads "[invalid user ]<user> from <ip> port <port>..." and sets source.ip/port.
func userFrom(s string, ev *borderwatch.Event) (user string, invalid bool, rest string, err error) {
	if hasPrefix(s, "invalid user ") {
		invalid = true
		s = s[len("invalid user "):]
	}
	i := strings.LastIndex(s, " from ")
	if i < 0 {
		return "", false, "", errUnknown
	}
	user = s[:i]
	rest, err = addrPort(s[i+len(" from "):], ev)
	return user, invalid, rest, err
}

// closedBy reads "[user <u> |authenticating user <u> |invalid user <u> ]<ip> port <p>".
func closedBy(ev *borderwatch.Event, s string) error {
	for _, p := range []string{"authenticating user ", "invalid user ", "user "} {
		if !hasPrefix(s, p) {
			continue
		}
		rest := s[len(p):]
		// The user runs to the last space before "<ip> port".
		i := strings.LastIndex(rest, " port ")
		if i < 0 {
			return errUnknown
		}
		j := strings.LastIndex(rest[:i], " ")
		if j < 0 {
			return errUnknown
		}
		ev.User = syslog.SplitUser(rest[:j])
		if p == "invalid user " {
			ev.AddTag("invalid_user")
		}
		s = rest[j+1:]
		break
	}
	_, err := addrPort(s, ev)
	return err
}

// addrPort reads "<ip>[ port <port>]" and returns what follows.
func addrPort(s string, ev *borderwatch.Event) (string, error) {
	ipStr, rest, _ := strings.Cut(s, " ")
	ip, ok := syslog.ParseAddr(ipStr)
	if !ok {
		return "", fmt.Errorf("bad client address %q", ipStr)
	}
	ev.Source.IP = ip
	if hasPrefix(rest, "port ") {
		var portStr string
		portStr, rest, _ = strings.Cut(rest[5:], " ")
		portStr, _, _ = strings.Cut(portStr, ":") // "port 52311:11: disconnected by user"
		if port, ok := parsePort(portStr); ok {
			ev.Source.Port = port
		}
	}
	return rest, nil
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

func parsePort(s string) (uint16, bool) {
	if len(s) == 0 || len(s) > 5 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return uint16(n), n <= 65535
}

func hasPrefix(s, p string) bool { return strings.HasPrefix(s, p) }

func cutWord(s string) (word, rest string, ok bool) {
	w, r, ok := strings.Cut(s, " ")
	return w, r, ok && w != ""
}
