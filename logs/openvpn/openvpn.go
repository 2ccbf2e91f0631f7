package openvpn

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/syslog"
	"github.com/borderwatch/borderwatch/logs/syslog/foreign"
)

// Name is the format's registered name and the suffix of its event.dataset.
const Name = "openvpn"

func init() {
	logs.Register(logs.Format{
		Name:        Name,
		Description: "OpenVPN 2.x server log lines (syslog or --log file) and status files",
		Framing:     logs.FrameLines,
		New:         New,
		Detect:      Detect,
	})
}

// Parser parses OpenVPN log and status-file lines. It remembers, per input, the status
// file's column header and last update time, so one Parser must read one input in order.
// Create it with New; it is not safe for concurrent use.
type Parser struct {
	sp  syslog.Parser
	log *slog.Logger

	// status-file state
	cols    map[string]int // CLIENT_LIST column → index, from the HEADER line (v2, v3)
	updated time.Time      // from TIME (v2/v3) or Updated (v1)
	v1      int            // v1 section: 0 none, 1 client list, 2 routing table/other
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

var errUnknown = errors.New("not an OpenVPN connection or authentication message")

func isOpenVPN(app []byte) bool {
	a := string(app)
	return a == "openvpn" || a == "ovpn" || strings.HasPrefix(a, "ovpn-") || strings.HasPrefix(a, "openvpn-") || strings.HasPrefix(a, "openvpn@")
}

// markers are texts that only OpenVPN writes.
var markers = [][]byte{
	[]byte("Peer Connection Initiated with [AF_INET"),
	[]byte("MULTI_sva: pool returned"),
	[]byte("TLS: Username/Password authentication"),
	[]byte("Auth Username/Password verification failed"),
	[]byte("client-instance exiting"),
	[]byte("MULTI: Learn: "),
	[]byte("MULTI: primary virtual IP for "),
	[]byte("Initialization Sequence Completed"),
}

// Detect scores a line: 100 for status-file lines and for OpenVPN messages under an OpenVPN
// syslog tag, 90 for OpenVPN messages without one (log files), 60 for other lines under an
// OpenVPN tag.
func Detect(rec []byte) int {
	rec = syslog.TrimLine(rec)
	for _, p := range []string{"CLIENT_LIST,", "HEADER,CLIENT_LIST", "TITLE,OpenVPN", "TITLE\tOpenVPN", "CLIENT_LIST\t", "OpenVPN CLIENT LIST", "OpenVPN STATISTICS"} {
		if bytes.HasPrefix(rec, []byte(p)) {
			return 100
		}
	}
	known := false
	for _, m := range markers {
		if bytes.Contains(rec, m) {
			known = true
			break
		}
	}
	var p syslog.Parser
	h, err := p.Parse(rec, time.Time{})
	if err != nil {
		return 0
	}
	switch {
	case isOpenVPN(h.AppName) && known:
		return 100
	case isOpenVPN(h.AppName):
		return 60
	case known && len(h.AppName) == 0:
		return 90
	case len(h.AppName) == 0 && bytes.Contains(rec, []byte(" OpenVPN 2.")) && bytes.Contains(rec, []byte(" built on ")):
		return 90
	}
	return 0
}

// Parse turns one log or status line into an event. Lines that carry nothing borderwatch
// keeps (other messages, status headers) return logs.ErrSkip.
func (p *Parser) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	line := syslog.TrimLine(rec.Data)
	if len(bytes.TrimSpace(line)) == 0 {
		return fmt.Errorf("openvpn: empty line: %w", logs.ErrSkip)
	}
	if ev, handled, err := p.status(line, rec); handled {
		if err != nil {
			return fmt.Errorf("openvpn: status: %w", err)
		}
		emit(ev)
		return nil
	}
	h, err := p.sp.Parse(line, rec.Received)
	if err != nil {
		return fmt.Errorf("openvpn: %w", err)
	}
	msg := h.Message
	ts := h.Time
	tagged := isOpenVPN(h.AppName)
	switch {
	case tagged:
	case h.Kind == syslog.KindRFC3164 && line[0] != '<':
		// A --log file line: "2026-11-22 08:00:01 <message>" or ctime; what the header parser
		// took for a host name is the start of the message.
		t, rest, ok := p.sp.Clock.ParseStamp(line, rec.Received)
		if !ok {
			return fmt.Errorf("openvpn: %w", logs.ErrSkip)
		}
		ts, msg = t, bytes.TrimLeft(rest, " ")
		if bytes.HasPrefix(msg, []byte("us=")) { // --log with microseconds
			if i := bytes.IndexByte(msg, ' '); i > 0 {
				msg = msg[i+1:]
			}
		}
	case len(h.AppName) > 0:
		return foreign.Err(Name, line, fmt.Sprintf("program %q", h.AppName))
	}
	ev := &borderwatch.Event{}
	action, err := parseMessage(ev, string(msg))
	if err != nil {
		switch {
		case errors.Is(err, errUnknown) && tagged:
			return fmt.Errorf("openvpn: %w", logs.ErrSkip)
		case errors.Is(err, errUnknown) && h.Kind != syslog.KindNone:
			return foreign.Err(Name, line, "no OpenVPN message")
		}
		return foreign.Or(Name, line, fmt.Errorf("openvpn: %w", err))
	}
	if ts.IsZero() {
		ts = received(rec)
		ev.AddTag("time_from_received")
	}
	ev.Timestamp = ts
	syslog.Fill(ev, Name, line, rec.Path, rec.Line, rec.Sender)
	ev.Event.Action = action
	observer(ev)
	if len(h.Hostname) > 0 && tagged {
		ev.Observer.Hostname = string(h.Hostname)
	}
	emit(ev)
	return nil
}

func observer(ev *borderwatch.Event) {
	ev.Observer.Vendor = "OpenVPN"
	ev.Observer.Product = "OpenVPN"
	ev.Observer.Type = "vpn"
}

func received(rec *logs.Record) time.Time {
	if rec.Received.IsZero() {
		return time.Now().UTC()
	}
	return rec.Received.UTC()
}

// parseMessage reads "[<cn>/]<ip>:<port> <text>" messages and returns event.action.
func parseMessage(ev *borderwatch.Event, msg string) (string, error) {
	body := msg
	if first, rest, ok := strings.Cut(msg, " "); ok {
		cn, addr, hasCN := strings.Cut(first, "/")
		if !hasCN {
			addr, cn = first, ""
		}
		if ip, port, ok := syslog.ParseAddrPort(addr); ok && strings.Contains(addr, ":") {
			ev.Source.IP, ev.Source.Port = ip, port
			if cn != "" && cn != "UNDEF" {
				ev.User = syslog.SplitUser(cn)
			}
			body = rest
		} else if hasCN && strings.Contains(addr, ":") && !strings.ContainsAny(cn, " :") {
			return "", fmt.Errorf("bad client address %q", addr)
		}
	}
	// "[jdoe] Peer Connection Initiated with ..."
	if strings.HasPrefix(body, "[") {
		if cn, rest, ok := strings.Cut(body[1:], "] "); ok {
			if ev.User.Name == "" && cn != "UNDEF" {
				ev.User = syslog.SplitUser(cn)
			}
			body = rest
		}
	}
	switch {
	case strings.HasPrefix(body, "TLS: Username/Password authentication succeeded for username '"):
		u := body[len("TLS: Username/Password authentication succeeded for username '"):]
		u, _, _ = strings.Cut(u, "'")
		ev.User = syslog.SplitUser(u)
		info(ev, borderwatch.OutcomeSuccess)
		ev.Borderwatch.Auth = &borderwatch.Auth{Method: "password"}
		return "auth_succeeded", nil
	case strings.Contains(body, "Auth Username/Password verification failed"):
		info(ev, borderwatch.OutcomeFailure)
		ev.Borderwatch.Auth = &borderwatch.Auth{Method: "password"}
		if u, ok := quoted(body, "username '"); ok {
			ev.User = syslog.SplitUser(u)
		}
		ev.Event.Reason = "username/password verification failed"
		return "auth_failed", nil
	case strings.Contains(body, "'AUTH_FAILED"):
		info(ev, borderwatch.OutcomeFailure)
		ev.Event.Reason = "authentication failed"
		return "auth_failed", nil
	case strings.HasPrefix(body, "Peer Connection Initiated with "):
		session(ev, "start", borderwatch.OutcomeSuccess)
		if ev.Source.IP.IsValid() {
			return "connection_initiated", nil
		}
		peer := strings.TrimPrefix(strings.TrimPrefix(body[len("Peer Connection Initiated with "):], "[AF_INET6]"), "[AF_INET]")
		peer, _, _ = strings.Cut(peer, " ")
		ip, port, ok := syslog.ParseAddrPort(peer)
		if !ok {
			return "", fmt.Errorf("bad peer address %q", peer)
		}
		ev.Source.IP, ev.Source.Port = ip, port
		return "connection_initiated", nil
	case strings.HasPrefix(body, "MULTI_sva: pool returned "):
		info(ev, "")
		for _, f := range strings.Split(body[len("MULTI_sva: pool returned "):], ", ") {
			k, v, _ := strings.Cut(f, "=")
			if k == "IPv4" || k == "IPv6" {
				if a, ok := syslog.ParseAddr(v); ok && ev.Source.NAT == nil {
					ev.Source.NAT = &borderwatch.NAT{IP: a}
				}
			}
		}
		return "address_assigned", nil
	case strings.HasPrefix(body, "MULTI: primary virtual IP for "):
		// "MULTI: primary virtual IP for jdoe/203.0.113.45:52311: 10.8.0.6"
		r := body[len("MULTI: primary virtual IP for "):]
		i := strings.LastIndex(r, ": ")
		if i < 0 {
			return "", errUnknown
		}
		if err := client(ev, r[:i]); err != nil {
			return "", err
		}
		if a, ok := syslog.ParseAddr(r[i+2:]); ok {
			ev.Source.NAT = &borderwatch.NAT{IP: a}
		}
		info(ev, "")
		return "address_assigned", nil
	case strings.HasPrefix(body, "MULTI: Learn: "):
		// "MULTI: Learn: 10.8.0.6 -> jdoe/203.0.113.45:52311"
		inner, who, ok := strings.Cut(body[len("MULTI: Learn: "):], " -> ")
		if !ok {
			return "", errUnknown
		}
		a, ok := syslog.ParseAddr(inner)
		if !ok {
			return "", errUnknown // a learned MAC (tap) or route
		}
		if err := client(ev, who); err != nil {
			return "", err
		}
		ev.Source.NAT = &borderwatch.NAT{IP: a}
		info(ev, "")
		return "address_learned", nil
	case strings.Contains(body, "received, client-instance exiting"), strings.Contains(body, "received, client-instance restarting"):
		sig, _, _ := strings.Cut(body, " ")
		session(ev, "end", "")
		ev.Event.Reason = sig // SIGTERM[soft,remote-exit]
		return "client_exiting", nil
	}
	return "", errUnknown
}

// client reads "<cn>/<ip>:<port>".
func client(ev *borderwatch.Event, s string) error {
	cn, addr, ok := strings.Cut(s, "/")
	if !ok {
		addr, cn = s, ""
	}
	ip, port, ok := syslog.ParseAddrPort(addr)
	if !ok {
		return fmt.Errorf("bad client address %q", addr)
	}
	ev.Source.IP, ev.Source.Port = ip, port
	if cn != "" && cn != "UNDEF" {
		ev.User = syslog.SplitUser(cn)
	}
	return nil
}

func quoted(s, prefix string) (string, bool) {
	i := strings.Index(s, prefix)
	if i < 0 {
		return "", false
	}
	v, _, ok := strings.Cut(s[i+len(prefix):], "'")
	return v, ok
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

// status handles status-file lines. handled is false for lines that are not status lines.
func (p *Parser) status(line []byte, rec *logs.Record) (ev *borderwatch.Event, handled bool, err error) {
	s := string(line)
	sep := ","
	if strings.Contains(s, "\t") && !strings.Contains(s, ",") || strings.HasPrefix(s, "CLIENT_LIST\t") || strings.HasPrefix(s, "HEADER\t") || strings.HasPrefix(s, "TIME\t") {
		sep = "\t"
	}
	f := strings.Split(s, sep)
	skip := func() (*borderwatch.Event, bool, error) { return nil, true, logs.ErrSkip }
	switch f[0] {
	case "OpenVPN CLIENT LIST":
		p.v1 = 1
		return skip()
	case "ROUTING TABLE", "GLOBAL STATS", "ROUTING_TABLE", "GLOBAL_STATS", "TITLE", "END":
		p.v1 = 2
		return skip()
	case "Updated":
		if len(f) >= 2 {
			if t, ok := p.statusTime(f[1], rec); ok {
				p.updated = t
			}
		}
		return skip()
	case "TIME":
		if len(f) >= 3 {
			if n, err := strconv.ParseInt(f[2], 10, 64); err == nil && n > 0 && syslog.SaneTime(time.Unix(n, 0)) {
				p.updated = time.Unix(n, 0).UTC()
			}
		} else if len(f) == 2 {
			if t, ok := p.statusTime(f[1], rec); ok {
				p.updated = t
			}
		}
		return skip()
	case "HEADER":
		if len(f) >= 2 && f[1] == "CLIENT_LIST" {
			p.cols = make(map[string]int, len(f))
			for i, c := range f[1:] {
				p.cols[c] = i
			}
		}
		return skip()
	case "Common Name":
		if p.v1 == 1 {
			return skip()
		}
	case "CLIENT_LIST":
		ev, err := p.clientList(f, line, rec)
		return ev, true, err
	}
	if p.v1 == 1 && len(f) == 5 {
		// v1 row: Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since
		row := []string{"CLIENT_LIST", f[0], f[1], "", "", f[2], f[3], f[4]}
		save := p.cols
		p.cols = map[string]int{"Common Name": 1, "Real Address": 2, "Bytes Received": 5, "Bytes Sent": 6, "Connected Since": 7}
		ev, err := p.clientList(row, line, rec)
		p.cols = save
		return ev, true, err
	}
	if p.v1 == 2 && strings.Contains(s, ",") {
		return skip() // routing table and statistics rows of a version 1 status file
	}
	return nil, false, nil
}

func (p *Parser) statusTime(s string, rec *logs.Record) (time.Time, bool) {
	t, rest, ok := p.sp.Clock.ParseStamp([]byte(strings.TrimSpace(s)), rec.Received)
	return t, ok && len(bytes.TrimSpace(rest)) == 0
}

// defaultCols is the CLIENT_LIST layout of OpenVPN 2.4 and later, used without a HEADER line.
var defaultCols = map[string]int{
	"Common Name": 1, "Real Address": 2, "Virtual Address": 3, "Virtual IPv6 Address": 4,
	"Bytes Received": 5, "Bytes Sent": 6, "Connected Since": 7, "Connected Since (time_t)": 8,
	"Username": 9, "Client ID": 10, "Peer ID": 11, "Data Channel Cipher": 12,
}

// legacyCols is the layout of OpenVPN 2.3 (no IPv6 column, no username).
var legacyCols = map[string]int{
	"Common Name": 1, "Real Address": 2, "Virtual Address": 3, "Bytes Received": 4,
	"Bytes Sent": 5, "Connected Since": 6, "Connected Since (time_t)": 7,
}

func (p *Parser) clientList(f []string, line []byte, rec *logs.Record) (*borderwatch.Event, error) {
	cols := p.cols
	if cols == nil {
		cols = defaultCols
		if len(f) == 8 {
			cols = legacyCols
		}
	}
	get := func(name string) string {
		if i, ok := cols[name]; ok && i < len(f) {
			return strings.TrimSpace(f[i])
		}
		return ""
	}
	ev := &borderwatch.Event{}
	real := get("Real Address")
	ip, port, ok := syslog.ParseAddrPort(real)
	if !ok {
		return nil, fmt.Errorf("bad real address %q", real)
	}
	ev.Source.IP, ev.Source.Port = ip, port
	user := get("Username")
	if user == "" || user == "UNDEF" {
		user = get("Common Name")
	}
	if user != "UNDEF" {
		ev.User = syslog.SplitUser(user)
	}
	if a, ok := syslog.ParseAddr(get("Virtual Address")); ok {
		ev.Source.NAT = &borderwatch.NAT{IP: a}
	} else if a, ok := syslog.ParseAddr(get("Virtual IPv6 Address")); ok {
		ev.Source.NAT = &borderwatch.NAT{IP: a}
	}
	rx, _ := strconv.ParseUint(get("Bytes Received"), 10, 64)
	tx, _ := strconv.ParseUint(get("Bytes Sent"), 10, 64)
	ev.Source.Bytes, ev.Destination.Bytes, ev.Network.Bytes = rx, tx, rx+tx
	if n, err := strconv.ParseInt(get("Connected Since (time_t)"), 10, 64); err == nil && n > 0 && syslog.SaneTime(time.Unix(n, 0)) {
		ev.Event.Start = time.Unix(n, 0).UTC()
	} else if t, ok := p.statusTime(get("Connected Since"), rec); ok {
		ev.Event.Start = t
	}
	ev.Timestamp = p.updated
	if ev.Timestamp.IsZero() {
		ev.Timestamp = received(rec)
		ev.AddTag("time_from_received")
	}
	session(ev, "info", "")
	syslog.Fill(ev, Name, line, rec.Path, rec.Line, rec.Sender)
	ev.Event.Action = "client_list"
	if c := get("Data Channel Cipher"); c != "" {
		ev.Labels = borderwatch.Labels{"cipher": c}
	}
	if id := get("Client ID"); id != "" {
		ev.Borderwatch.Auth = &borderwatch.Auth{SessionID: id}
	}
	observer(ev)
	return ev, nil
}
