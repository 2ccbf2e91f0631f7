package asa

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/syslog"
	"github.com/borderwatch/borderwatch/logs/syslog/foreign"
)

// Name is the format's registered name and the suffix of its event.dataset.
const Name = "asa"

func init() {
	logs.Register(logs.Format{
		Name:        Name,
		Description: "Cisco ASA / FTD syslog: AnyConnect, WebVPN and IKEv2 sessions, AAA results",
		Framing:     logs.FrameLines,
		New:         New,
		Detect:      Detect,
	})
}

// Parser parses ASA syslog lines. Create it with New; it is not safe for concurrent use
// (logs.Parser contract) and keeps no buffers between calls.
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

// Errors for lines the parser refuses.
var (
	errNoMessageID = errors.New("no %ASA-<severity>-<id> message id")
	errBadMessage  = errors.New("message does not have the documented fields")
)

// Detect scores a line: 100 for an ASA or FTD message id.
func Detect(rec []byte) int {
	if _, _, _, _, ok := findID(rec); ok {
		return 100
	}
	return 0
}

// findID locates "%ASA-6-113039:" (or %FTD-, %PIX-, %FWSM-) and returns the product, the
// severity, the message id and the text after the colon.
func findID(b []byte) (product string, sev, id int, text []byte, ok bool) {
	for off := 0; off < len(b); {
		i := bytes.IndexByte(b[off:], '%')
		if i < 0 {
			return
		}
		i += off
		off = i + 1
		r := b[i+1:]
		switch {
		case bytes.HasPrefix(r, []byte("ASA-")):
			product, r = "ASA", r[4:]
		case bytes.HasPrefix(r, []byte("FTD-")):
			product, r = "FTD", r[4:]
		case bytes.HasPrefix(r, []byte("PIX-")):
			product, r = "PIX", r[4:]
		case bytes.HasPrefix(r, []byte("FWSM-")):
			product, r = "FWSM", r[5:]
		default:
			continue
		}
		if len(r) < 9 || r[0] < '0' || r[0] > '7' || r[1] != '-' {
			continue
		}
		n := 0
		j := 2
		for ; j < len(r) && j < 8 && r[j] >= '0' && r[j] <= '9'; j++ {
			n = n*10 + int(r[j]-'0')
		}
		if j != 8 || j >= len(r) || r[j] != ':' {
			continue
		}
		text = r[j+1:]
		for len(text) > 0 && text[0] == ' ' {
			text = text[1:]
		}
		return product, int(r[0] - '0'), n, text, true
	}
	return
}

// Parse turns one line into an event. Valid ASA messages that are not about remote access
// or AAA return logs.ErrSkip.
func (p *Parser) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	line := syslog.TrimLine(rec.Data)
	h, err := p.sp.Parse(line, rec.Received)
	if err != nil {
		return fmt.Errorf("asa: %w", err)
	}
	product, _, id, text, ok := findID(h.Message)
	if !ok {
		if h.Kind != syslog.KindNone {
			return foreign.Err(Name, line, "syslog message without an ASA id")
		}
		return foreign.Or(Name, line, fmt.Errorf("asa: %w", errNoMessageID))
	}
	blk := &block{}
	ev := &blk.ev
	switch id {
	case 113039, 716001, 716002, 722022, 722023, 722037, 722051, 722055, 716039:
		err = groupUserIP(blk, id, text)
	case 751025:
		err = parse751025(blk, text)
	case 113019:
		err = parse113019(blk, text)
	case 113004, 113005, 113012, 113015:
		err = parseAAA(blk, id, text)
	case 605004, 605005:
		err = parse605(blk, id, text)
	case 611101, 611102:
		err = parse611(blk, id, text)
	default:
		return fmt.Errorf("asa: message %d: %w", id, logs.ErrSkip)
	}
	if err != nil {
		return fmt.Errorf("asa: message %d: %w", id, err)
	}
	ts := h.Time
	if ts.IsZero() {
		ts = received(rec)
		ev.AddTag("time_from_received")
	}
	ev.Timestamp = ts
	code := strconv.Itoa(id)
	ev.Event.Kind = borderwatch.KindEvent
	ev.Event.Code = code
	ev.Event.Action = code
	ev.Event.Dataset = "borderwatch." + Name
	ev.Event.Module = Name
	ev.SetOriginal(string(line))
	ev.Observer.Vendor = "Cisco"
	ev.Observer.Product = product
	ev.Observer.Type = "firewall"
	if len(h.Hostname) > 0 {
		ev.Observer.Hostname = string(h.Hostname)
	}
	blk.input = syslog.Input(rec.Path, rec.Line, rec.Sender)
	ev.Borderwatch.Input = &blk.input
	if ev.Event.Duration > 0 && syslog.SaneTime(ts.Add(-time.Duration(ev.Event.Duration))) {
		ev.Event.End = ts
		ev.Event.Start = ts.Add(-time.Duration(ev.Event.Duration))
	}
	emit(ev)
	return nil
}

func received(rec *logs.Record) time.Time {
	if rec.Received.IsZero() {
		return time.Now().UTC()
	}
	return rec.Received.UTC()
}

// block holds an event with the parts it points to, so that one allocation serves them all
// (the line rate matters: one event per line). Slices into it are capped, so appending to
// them copies.
type block struct {
	ev    borderwatch.Event
	auth  borderwatch.Auth
	input borderwatch.Input
	nat   borderwatch.NAT
	cat   [2]string
	typ   [1]string
}

func (b *block) setType(session bool, typ, outcome string) {
	b.cat[0] = borderwatch.CategoryAuthentication
	n := 1
	if session {
		b.cat[1] = borderwatch.CategorySession
		n = 2
	}
	b.typ[0] = typ
	b.ev.Event.Category = b.cat[:n:n]
	b.ev.Event.Type = b.typ[:1:1]
	b.ev.Event.Outcome = outcome
}

func (b *block) setNAT(a netip.Addr) {
	b.nat.IP = a
	b.ev.Source.NAT = &b.nat
}

// groupUserIP handles the AnyConnect/WebVPN messages that start
// "Group <g> User <u> IP <ip> ..." (angle brackets optional).
func groupUserIP(b *block, id int, text []byte) error {
	ev := &b.ev
	group, rest, ok := keyValue(text, "Group", "User")
	if !ok {
		return errBadMessage
	}
	user, rest, ok := keyValue(rest, "User", "IP")
	if !ok {
		return errBadMessage
	}
	ipb, rest, ok := keyValue(rest, "IP", "")
	if !ok {
		return errBadMessage
	}
	ip, ok := syslog.ParseAddr(string(ipb))
	if !ok {
		return fmt.Errorf("bad client address %q", ipb)
	}
	ev.Source.IP = ip
	ev.User = syslog.SplitUser(string(user))
	auth := &b.auth
	ev.Borderwatch.Auth = auth
	if len(group) > 0 {
		ev.Labels = borderwatch.Labels{"vpn_group": string(group)}
	}
	switch id {
	case 113039:
		if !bytes.Contains(rest, []byte("session started")) {
			return errBadMessage
		}
		b.setType(true, "start", borderwatch.OutcomeSuccess)
		auth.TunnelType = "anyconnect"
	case 716001:
		b.setType(true, "start", borderwatch.OutcomeSuccess)
		auth.TunnelType = "webvpn"
	case 716002:
		b.setType(true, "end", "")
		auth.TunnelType = "webvpn"
		if _, r, ok := bytes.Cut(rest, []byte("terminated:")); ok {
			ev.Event.Reason = string(trimDot(bytes.TrimSpace(r)))
		}
	case 716039:
		b.setType(false, "info", borderwatch.OutcomeFailure)
		if _, r, ok := bytes.Cut(rest, []byte("Session Type:")); ok {
			auth.TunnelType = lowerWord(trimDot(bytes.TrimSpace(r)))
		}
		ev.Event.Reason = "authentication rejected"
	case 722022:
		b.setType(false, "info", "")
		f := bytes.Fields(rest)
		if len(f) >= 2 {
			auth.TunnelType = lowerWord(f[1]) + "-" + lowerWord(f[0]) // svc-tcp, svc-udp (DTLS)
			switch string(f[0]) {
			case "TCP":
				ev.Network.Transport = "tcp"
			case "UDP":
				ev.Network.Transport = "udp"
			}
		}
	case 722023:
		b.setType(false, "info", "")
		f := bytes.Fields(rest)
		if len(f) >= 2 {
			auth.TunnelType = lowerWord(f[1]) + "-" + lowerWord(f[0])
		}
		ev.Event.Reason = "connection terminated"
	case 722037:
		b.setType(false, "info", "")
		auth.TunnelType = "svc"
		if _, r, ok := bytes.Cut(rest, []byte("closing connection:")); ok {
			ev.Event.Reason = string(trimDot(bytes.TrimSpace(r)))
		}
	case 722055:
		// "Client Type: Cisco AnyConnect VPN Agent for Windows 4.10.05085"
		b.setType(false, "info", "")
		auth.TunnelType = "anyconnect"
		_, ct, ok := bytes.Cut(rest, []byte("Client Type:"))
		if !ok {
			return errBadMessage
		}
		if ua := bytes.TrimSpace(ct); len(ua) > 0 {
			ev.UserAgent = &borderwatch.UserAgent{Original: string(ua)}
		}
	case 722051:
		b.setType(false, "info", "")
		auth.TunnelType = "anyconnect"
		if v4, r, ok := keyValue(bytes.TrimSpace(rest), "IPv4 Address", "IPv6"); ok {
			if a, ok := syslog.ParseAddr(string(v4)); ok {
				b.setNAT(a)
			}
			if v6, _, ok := keyValue(bytes.TrimSpace(r), "IPv6 address", ""); ok && ev.Source.NAT == nil {
				if a, ok := syslog.ParseAddr(string(v6)); ok {
					b.setNAT(a)
				}
			}
		}
	}
	return nil
}

// keyValue reads `<key> <value>` or `<key> value` at the start of s. Without brackets the
// value runs to " <next> " (when next is given and present) or to the next space.
func keyValue(s []byte, key, next string) (val, rest []byte, ok bool) {
	s = bytes.TrimLeft(s, " ")
	if len(s) < len(key)+1 || string(s[:len(key)]) != key {
		return nil, s, false
	}
	s = s[len(key):]
	if s[0] == ':' || s[0] == '=' {
		s = s[1:]
	}
	s = bytes.TrimLeft(s, " ")
	if len(s) > 0 && s[0] == '<' {
		j := bytes.IndexByte(s, '>')
		if j < 0 {
			return nil, s, false
		}
		return s[1:j], s[j+1:], true
	}
	if next != "" {
		if j := bytes.Index(s, []byte(" "+next+" ")); j >= 0 {
			return s[:j], s[j:], true
		}
	}
	j := bytes.IndexByte(s, ' ')
	if j < 0 {
		return s, nil, len(s) > 0
	}
	return s[:j], s[j:], true
}

// parse751025: "Local:10.0.0.1:4500 Remote:203.0.113.5:4500 Username:jdoe IKEv2
// Group:GroupPolicy_VPN IPv4 Address=10.10.10.5 IPv6 address=:: assigned to session."
func parse751025(b *block, text []byte) error {
	ev := &b.ev
	local, rest, ok := keyValue(text, "Local", "")
	if !ok {
		return errBadMessage
	}
	remote, rest, ok := keyValue(rest, "Remote", "")
	if !ok {
		return errBadMessage
	}
	user, rest, ok := keyValue(rest, "Username", "IKEv2")
	if !ok {
		return errBadMessage
	}
	ip, port, ok := syslog.ParseAddrPort(string(remote))
	if !ok {
		return fmt.Errorf("bad remote address %q", remote)
	}
	ev.Source.IP, ev.Source.Port = ip, port
	if lip, lport, ok := syslog.ParseAddrPort(string(local)); ok {
		ev.Destination.IP, ev.Destination.Port = lip, lport
	}
	ev.User = syslog.SplitUser(string(user))
	b.setType(false, "info", "")
	b.auth.TunnelType = "ikev2"
	ev.Borderwatch.Auth = &b.auth
	if i := bytes.Index(rest, []byte("Group:")); i >= 0 {
		if g, _, ok := keyValue(rest[i:], "Group", ""); ok && len(g) > 0 {
			ev.Labels = borderwatch.Labels{"vpn_group": string(g)}
		}
	}
	for _, key := range []string{"IPv4 Address=", "IPv6 address="} {
		i := bytes.Index(rest, []byte(key))
		if i < 0 {
			continue
		}
		v, _, _ := bytes.Cut(rest[i+len(key):], []byte(" "))
		if a, ok := syslog.ParseAddr(string(v)); ok {
			b.setNAT(a)
			break
		}
	}
	return nil
}

// parse113019: "Group = g, Username = u, IP = ip, Session disconnected. Session Type: SSL,
// Duration: 0h:32m:16s, Bytes xmt: 1234, Bytes rcv: 5678, Reason: User Requested"
func parse113019(b *block, text []byte) error {
	ev := &b.ev
	group, rest, ok := commaValue(text, "Group = ")
	if !ok {
		return errBadMessage
	}
	user, rest, ok := commaValue(rest, "Username = ")
	if !ok {
		return errBadMessage
	}
	ipb, rest, ok := commaValue(rest, "IP = ")
	if !ok {
		return errBadMessage
	}
	ip, ok := syslog.ParseAddr(string(ipb))
	if !ok {
		return fmt.Errorf("bad client address %q", ipb)
	}
	ev.Source.IP = ip
	ev.User = syslog.SplitUser(string(user))
	if len(group) > 0 {
		ev.Labels = borderwatch.Labels{"vpn_group": string(group)}
	}
	b.setType(true, "end", "")
	auth := &b.auth
	ev.Borderwatch.Auth = auth
	if v, ok := after(rest, "Session Type: "); ok {
		auth.TunnelType = lowerWord(v)
	}
	if v, ok := after(rest, "Duration: "); ok {
		if d, ok := parseDuration(v); ok {
			ev.Event.Duration = int64(d) // Parse derives event.start and event.end from it
		}
	}
	var xmt, rcv uint64
	if v, ok := after(rest, "Bytes xmt: "); ok {
		xmt, _ = strconv.ParseUint(string(v), 10, 64)
	}
	if v, ok := after(rest, "Bytes rcv: "); ok {
		rcv, _ = strconv.ParseUint(string(v), 10, 64)
	}
	// Bytes received by the ASA came from the client (source); transmitted went to it.
	ev.Source.Bytes, ev.Destination.Bytes = rcv, xmt
	ev.Network.Bytes = xmt + rcv
	if i := bytes.Index(rest, []byte("Reason: ")); i >= 0 {
		ev.Event.Reason = string(bytes.TrimSpace(rest[i+8:]))
	}
	return nil
}

// commaValue reads "<key>value, " at the start of s.
func commaValue(s []byte, key string) (val, rest []byte, ok bool) {
	s = bytes.TrimLeft(s, " ")
	if !bytes.HasPrefix(s, []byte(key)) {
		return nil, s, false
	}
	s = s[len(key):]
	j := bytes.Index(s, []byte(", "))
	if j < 0 {
		return bytes.TrimSpace(s), nil, true
	}
	return bytes.TrimSpace(s[:j]), s[j+2:], true
}

// after returns the value following key up to the next comma.
func after(s []byte, key string) ([]byte, bool) {
	i := bytes.Index(s, []byte(key))
	if i < 0 {
		return nil, false
	}
	v := s[i+len(key):]
	if j := bytes.IndexByte(v, ','); j >= 0 {
		v = v[:j]
	}
	return bytes.TrimSpace(v), true
}

// parseDuration reads ASA durations: "0h:32m:16s", "1d 2h:03m:04s", "1d2h:03m:04s".
func parseDuration(b []byte) (time.Duration, bool) {
	var d time.Duration
	n, digits := 0, 0
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			n = n*10 + int(c-'0')
			digits++
			if digits > 9 {
				return 0, false
			}
		case c == 'd' || c == 'h' || c == 'm' || c == 's':
			if digits == 0 {
				return 0, false
			}
			unit := time.Second
			switch c {
			case 'd':
				unit = 24 * time.Hour
			case 'h':
				unit = time.Hour
			case 'm':
				unit = time.Minute
			}
			if time.Duration(n) > syslog.MaxDuration/unit {
				return 0, false
			}
			d += time.Duration(n) * unit
			n, digits = 0, 0
		case c == ':' || c == ' ':
		default:
			return 0, false
		}
	}
	return d, digits == 0 && d <= syslog.MaxDuration
}

// parseAAA handles 113004/113005 (AAA server) and 113012/113015 (local database):
// "AAA user authentication Rejected : reason = AAA failure : server = 10.0.0.5 :
// user = jdoe : user IP = 203.0.113.9".
func parseAAA(b *block, id int, text []byte) error {
	ev := &b.ev
	head, rest, _ := bytes.Cut(text, []byte(" : "))
	if !bytes.HasPrefix(head, []byte("AAA user ")) {
		return errBadMessage
	}
	if !bytes.Contains(head, []byte("authentication")) {
		return logs.ErrSkip // authorization and accounting results are not logins
	}
	method := "aaa"
	for len(rest) > 0 {
		var seg []byte
		seg, rest, _ = bytes.Cut(rest, []byte(" : "))
		k, v, ok := bytes.Cut(seg, []byte(" = "))
		if !ok {
			if bytes.Equal(bytes.TrimSpace(seg), []byte("local database")) {
				method = "local"
			}
			continue
		}
		v = bytes.TrimSpace(v)
		switch string(bytes.TrimSpace(k)) {
		case "reason":
			ev.Event.Reason = string(v)
		case "server":
			if a, ok := syslog.ParseAddr(string(v)); ok {
				ev.Destination.IP = a
			}
		case "user", "User":
			ev.User = syslog.SplitUser(string(v))
		case "user IP", "User IP":
			if a, ok := syslog.ParseAddr(string(v)); ok {
				ev.Source.IP = a
			}
		}
	}
	if ev.User.Name == "" {
		return errBadMessage
	}
	outcome := borderwatch.OutcomeSuccess
	if id == 113005 || id == 113015 {
		outcome = borderwatch.OutcomeFailure
	}
	b.setType(false, "info", outcome)
	b.auth.Method = method
	ev.Borderwatch.Auth = &b.auth
	return nil
}

func trimDot(b []byte) []byte {
	return bytes.TrimRight(b, ". ")
}

func lowerWord(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return string(out)
}

// parse605 handles management logins: "Login permitted|denied from 203.0.113.9/52100 to
// outside:198.51.100.1/ssh for user "admin"".
func parse605(b *block, id int, text []byte) error {
	ev := &b.ev
	_, r, ok := bytes.Cut(text, []byte(" from "))
	if !ok {
		return errBadMessage
	}
	src, r, ok := bytes.Cut(r, []byte(" to "))
	if !ok {
		return errBadMessage
	}
	dst, r, ok := bytes.Cut(r, []byte(" for user "))
	if !ok {
		return errBadMessage
	}
	ipb, portb, _ := bytes.Cut(src, []byte("/"))
	ip, ok := syslog.ParseAddr(string(ipb))
	if !ok {
		return fmt.Errorf("bad client address %q", ipb)
	}
	ev.Source.IP = ip
	if p, err := strconv.ParseUint(string(portb), 10, 16); err == nil {
		ev.Source.Port = uint16(p)
	}
	// "outside:198.51.100.1/ssh"
	if i := bytes.IndexByte(dst, ':'); i >= 0 {
		dst = dst[i+1:]
	}
	dip, service, _ := bytes.Cut(dst, []byte("/"))
	if a, ok := syslog.ParseAddr(string(dip)); ok {
		ev.Destination.IP = a
	}
	ev.User = syslog.SplitUser(string(bytes.TrimSpace(r)))
	outcome := borderwatch.OutcomeSuccess
	if id == 605004 {
		outcome = borderwatch.OutcomeFailure
	}
	b.setType(false, "info", outcome)
	b.auth.Method = lowerWord(service)
	ev.Borderwatch.Auth = &b.auth
	ev.AddTag("admin_login")
	return nil
}

// parse611 handles "User authentication succeeded|failed: IP address: 10.0.0.5, Uname: admin"
// (VPN client or management authentication).
func parse611(b *block, id int, text []byte) error {
	ev := &b.ev
	ipb, ok := after(text, "IP address: ")
	if !ok {
		return errBadMessage
	}
	ip, ok := syslog.ParseAddr(string(ipb))
	if !ok {
		return fmt.Errorf("bad client address %q", ipb)
	}
	ev.Source.IP = ip
	if u, ok := after(text, "Uname: "); ok {
		ev.User = syslog.SplitUser(string(u))
	}
	outcome := borderwatch.OutcomeSuccess
	if id == 611102 {
		outcome = borderwatch.OutcomeFailure
	}
	b.setType(false, "info", outcome)
	return nil
}
