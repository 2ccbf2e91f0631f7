package fortigate

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
const Name = "fortigate"

func init() {
	logs.Register(logs.Format{
		Name:        Name,
		Description: "FortiGate key=value logs: SSL-VPN and IPsec, user and admin logins, Proxy-category apps",
		Framing:     logs.FrameLines,
		New:         New,
		Detect:      Detect,
	})
}

// Parser parses FortiGate log lines. Create it with New; it is not safe for concurrent use.
type Parser struct {
	sp     syslog.Parser
	log    *slog.Logger
	fields map[string]string // reused per record; values are substrings of the record
}

var _ logs.Parser = (*Parser)(nil)

// New returns a parser configured with the zone (for date/time without tz or eventtime) and
// stamp year of opts.
func New(opts logs.Options) (logs.Parser, error) {
	lg := opts.Logger
	if lg == nil {
		lg = slog.Default()
	}
	return &Parser{sp: syslog.Parser{Clock: syslog.Clock{Year: opts.Year, Location: opts.Location}}, log: lg.With("format", Name)}, nil
}

// Detect scores a line: 100 for FortiOS key=value records (logid= with devid= or devname=
// and type=).
func Detect(rec []byte) int {
	if bytes.Contains(rec, []byte("logid=")) && bytes.Contains(rec, []byte("type=")) &&
		(bytes.Contains(rec, []byte("devid=")) || bytes.Contains(rec, []byte("devname="))) {
		return 100
	}
	return 0
}

// kvStart finds where the key=value part of a message starts: FortiGate sends it bare after
// <PRI>, or after an RFC 3164/5424 header added by a relay.
func kvStart(msg []byte) ([]byte, bool) {
	for _, k := range []string{"date=", "logver=", "logid=", "eventtime=", "itime=", "devname="} {
		if bytes.HasPrefix(msg, []byte(k)) {
			return msg, true
		}
	}
	for _, k := range []string{" date=", " logver=", " logid=", " devname="} {
		if i := bytes.Index(msg, []byte(k)); i >= 0 {
			return msg[i+1:], true
		}
	}
	return nil, false
}

var errNoKV = errors.New("no FortiOS key=value record")

// Parse turns one record into an event. Records of other types and subtypes (traffic without a
// Proxy application category, system events other than logins, ...) return logs.ErrSkip.
func (p *Parser) Parse(rec *logs.Record, emit func(*borderwatch.Event)) error {
	line := syslog.TrimLine(rec.Data)
	h, err := p.sp.Parse(line, rec.Received)
	if err != nil {
		return fmt.Errorf("fortigate: %w", err)
	}
	body, ok := kvStart(h.Message)
	if !ok {
		if h.Kind != syslog.KindNone {
			return foreign.Err(Name, line, "no FortiOS key=value record")
		}
		return foreign.Or(Name, line, fmt.Errorf("fortigate: %w", errNoKV))
	}
	if p.fields == nil {
		p.fields = make(map[string]string, 64)
	}
	f := p.fields
	clear(f)
	if err := syslog.ParseKV(string(body), func(k, v string) { f[k] = v }); err != nil {
		return fmt.Errorf("fortigate: %w", err)
	}
	if f["logid"] == "" || f["type"] == "" {
		return fmt.Errorf("fortigate: %w", errNoKV)
	}
	ev := &borderwatch.Event{}
	switch typ, sub := f["type"], f["subtype"]; {
	case typ == "event" && sub == "vpn":
		err = vpn(ev, f)
	case typ == "event" && (sub == "user" || sub == "system"):
		err = login(ev, f)
	case typ == "traffic" || typ == "utm":
		err = proxyApp(ev, f)
	default:
		err = logs.ErrSkip
	}
	if err != nil {
		return fmt.Errorf("fortigate: logid %s: %w", f["logid"], err)
	}
	ts, ok := p.stamp(f, rec)
	if ok && !syslog.SaneTime(ts) {
		return fmt.Errorf("fortigate: logid %s: time out of range: eventtime=%q", f["logid"], f["eventtime"])
	}
	if !ok {
		ts = h.Time
	}
	if ts.IsZero() {
		return fmt.Errorf("fortigate: logid %s: no usable eventtime or date/time", f["logid"])
	}
	ev.Timestamp = ts
	syslog.Fill(ev, Name, line, rec.Path, rec.Line, rec.Sender)
	ev.Event.Code = f["logid"]
	if ev.Event.Action == "" {
		ev.Event.Action = val(f, "action")
	}
	if ev.Event.Action == "" {
		ev.Event.Action = f["subtype"]
	}
	ev.Message = val(f, "msg")
	if r := val(f, "reason"); r != "" && ev.Event.Reason == "" {
		ev.Event.Reason = r
	}
	if d, err := strconv.ParseInt(f["duration"], 10, 64); err == nil && d > 0 && d < int64(syslog.MaxDuration/time.Second) && syslog.SaneTime(ts.Add(-time.Duration(d)*time.Second)) {
		ev.Event.Duration = d * int64(time.Second)
		ev.Event.End = ts
		ev.Event.Start = ts.Add(-time.Duration(ev.Event.Duration))
	}
	ev.Observer.Vendor = "Fortinet"
	ev.Observer.Product = "FortiGate"
	ev.Observer.Type = "firewall"
	ev.Observer.Name = val(f, "devname")
	ev.Observer.Hostname = ev.Observer.Name
	if ev.Observer.Hostname == "" && len(h.Hostname) > 0 {
		ev.Observer.Hostname = string(h.Hostname)
	}
	ev.Observer.SerialNumber = val(f, "devid")
	if c := val(f, "srccountry"); c != "" && c != "Reserved" {
		ev.Client = &borderwatch.Endpoint{Geo: &borderwatch.Geo{CountryName: c}}
	}
	emit(ev)
	return nil
}

// stamp prefers eventtime (s, ms, µs or ns since the epoch), then date+time in the record's
// tz (or the configured zone).
func (p *Parser) stamp(f map[string]string, rec *logs.Record) (time.Time, bool) {
	if et := f["eventtime"]; et != "" {
		if n, err := strconv.ParseInt(et, 10, 64); err == nil && n > 0 {
			switch {
			case len(et) >= 19:
				return time.Unix(0, n).UTC(), true
			case len(et) >= 16:
				return time.UnixMicro(n).UTC(), true
			case len(et) >= 13:
				return time.UnixMilli(n).UTC(), true
			case len(et) >= 9:
				return time.Unix(n, 0).UTC(), true
			}
		}
	}
	d, t := f["date"], f["time"]
	if d == "" || t == "" {
		return time.Time{}, false
	}
	clock := p.sp.Clock
	if loc, ok := syslog.OffsetZone(f["tz"]); ok {
		clock.Location = loc
	}
	ts, rest, ok := clock.ParseStamp([]byte(d+" "+t), rec.Received)
	if !ok || len(rest) != 0 {
		return time.Time{}, false
	}
	return ts, true
}

// val returns a field's value, with FortiOS's placeholders for "none" as "".
func val(f map[string]string, k string) string {
	v := f[k]
	switch v {
	case "N/A", "n/a", "none", "(null)", "unknown":
		return ""
	}
	return v
}

func setType(ev *borderwatch.Event, session bool, typ, outcome string) {
	ev.Event.Category = []string{borderwatch.CategoryAuthentication}
	if session {
		ev.Event.Category = append(ev.Event.Category, borderwatch.CategorySession)
	}
	ev.Event.Type = []string{typ}
	ev.Event.Outcome = outcome
}

// outcome maps status and result values; "" when the record does not say.
func outcome(f map[string]string) string {
	for _, k := range []string{"status", "result"} {
		switch strings.ToLower(f[k]) {
		case "success", "succeeded", "ok":
			return borderwatch.OutcomeSuccess
		case "failure", "failed", "fail", "error", "negotiate_error", "deny", "denied":
			return borderwatch.OutcomeFailure
		}
	}
	return ""
}

// user picks the account: IPsec puts the peer address in user, the account in xauthuser or
// eapuser.
func user(f map[string]string) string {
	for _, k := range []string{"xauthuser", "eapuser", "user", "srcuser", "unauthuser"} {
		v := val(f, k)
		if v == "" {
			continue
		}
		if _, ok := syslog.ParseAddr(v); ok {
			continue
		}
		return v
	}
	return ""
}

func vpn(ev *borderwatch.Event, f map[string]string) error {
	action := f["action"]
	ip, ok := syslog.ParseAddr(f["remip"])
	if !ok {
		if f["remip"] != "" && val(f, "remip") != "" {
			return fmt.Errorf("bad remip %q", f["remip"])
		}
		return logs.ErrSkip // a VPN event without a client (e.g. a phase-2 housekeeping record)
	}
	ev.Source.IP = ip
	if port, ok := port(f["remport"]); ok {
		ev.Source.Port = port
	}
	if lip, ok := syslog.ParseAddr(f["locip"]); ok {
		ev.Destination.IP = lip
		if port, ok := port(f["locport"]); ok {
			ev.Destination.Port = port
		}
	}
	for _, k := range []string{"tunnelip", "assignip"} {
		if a, ok := syslog.ParseAddr(f[k]); ok {
			ev.Source.NAT = &borderwatch.NAT{IP: a}
			break
		}
	}
	ev.User = syslog.SplitUser(user(f))
	auth := &borderwatch.Auth{TunnelType: val(f, "tunneltype")}
	if id := val(f, "tunnelid"); id != "0" {
		auth.SessionID = id
	}
	if auth.TunnelType == "" && (f["vpntunnel"] != "" || f["xauthuser"] != "") {
		auth.TunnelType = "ipsec"
	}
	if f["xauthuser"] != "" && val(f, "xauthuser") != "" {
		auth.Method = "xauth"
	} else if val(f, "eapuser") != "" {
		auth.Method = "eap"
	}
	ev.Borderwatch.Auth = auth
	if g := val(f, "group"); g != "" {
		ev.Labels = borderwatch.Labels{"vpn_group": g}
	}
	switch action {
	case "tunnel-up":
		setType(ev, true, "start", borderwatch.OutcomeSuccess)
	case "tunnel-down":
		setType(ev, true, "end", "")
	case "ssl-login-fail":
		setType(ev, false, "info", borderwatch.OutcomeFailure)
	default: // ssl-new-con, negotiate, tunnel-stats, ...
		setType(ev, false, "info", outcome(f))
	}
	rcvd, _ := strconv.ParseUint(f["rcvdbyte"], 10, 64)
	sent, _ := strconv.ParseUint(f["sentbyte"], 10, 64)
	ev.Network.Bytes = rcvd + sent
	return nil
}

// login handles user authentication (subtype user) and administrator logins (subtype system).
func login(ev *borderwatch.Event, f map[string]string) error {
	action := f["action"]
	switch action {
	case "login", "logout", "authentication", "auth-logon", "auth-logout", "auth-fail":
	default:
		return logs.ErrSkip
	}
	src := f["srcip"]
	if src == "" {
		// Admin logins name the client in ui="https(203.0.113.9)".
		if ui := f["ui"]; strings.HasSuffix(ui, ")") {
			if i := strings.IndexByte(ui, '('); i >= 0 {
				src = ui[i+1 : len(ui)-1]
			}
		}
	}
	if ip, ok := syslog.ParseAddr(src); ok {
		ev.Source.IP = ip
		if p, ok := port(f["srcport"]); ok {
			ev.Source.Port = p
		}
	}
	if ip, ok := syslog.ParseAddr(f["dstip"]); ok {
		ev.Destination.IP = ip
	}
	ev.User = syslog.SplitUser(user(f))
	if ev.User.Name == "" {
		return errors.New("login record without a user")
	}
	method := val(f, "method")
	if ap := val(f, "authproto"); method == "" && ap != "" {
		ap, _, _ = strings.Cut(ap, "(") // "HTTPS(10.1.20.77)"
		method = strings.ToLower(ap)
	}
	if method != "" {
		ev.Borderwatch.Auth = &borderwatch.Auth{Method: method}
	}
	out := outcome(f)
	if action == "auth-fail" {
		out = borderwatch.OutcomeFailure
	}
	switch action {
	case "logout", "auth-logout":
		setType(ev, true, "end", out)
	default:
		setType(ev, false, "info", out)
	}
	if f["subtype"] == "system" {
		ev.AddTag("admin_login")
	}
	return nil
}

// proxyApp keeps traffic and application-control records whose application category is
// Proxy (anonymizers such as X-VPN, Psiphon, Ultrasurf); other traffic is skipped.
func proxyApp(ev *borderwatch.Event, f map[string]string) error {
	appcat := val(f, "appcat")
	if !strings.EqualFold(appcat, "Proxy") {
		return logs.ErrSkip
	}
	ip, ok := syslog.ParseAddr(f["srcip"])
	if !ok {
		return fmt.Errorf("bad srcip %q", f["srcip"])
	}
	ev.Source.IP = ip
	if p, ok := port(f["srcport"]); ok {
		ev.Source.Port = p
	}
	if ip, ok := syslog.ParseAddr(f["dstip"]); ok {
		ev.Destination.IP = ip
		if p, ok := port(f["dstport"]); ok {
			ev.Destination.Port = p
		}
	}
	if h := val(f, "hostname"); h != "" {
		ev.Destination.Domain = h
	}
	ev.User = syslog.SplitUser(user(f))
	ev.Event.Category = []string{borderwatch.CategoryNetwork}
	ev.Event.Type = []string{"connection"}
	switch strings.ToLower(f["action"]) {
	case "block", "deny", "dropped", "reset":
		ev.Event.Type = append(ev.Event.Type, "denied")
	case "pass", "accept", "close", "timeout", "server-rst", "client-rst":
		ev.Event.Type = append(ev.Event.Type, "allowed")
	}
	if pr, err := strconv.Atoi(f["proto"]); err == nil {
		switch pr {
		case 6:
			ev.Network.Transport = "tcp"
		case 17:
			ev.Network.Transport = "udp"
		}
		ev.Network.IANANumber = f["proto"]
	}
	app := strings.ToLower(val(f, "app"))
	ev.Network.Application = app
	ev.Borderwatch.Vendor = &borderwatch.Vendor{AppCategory: appcat}
	ev.Borderwatch.App = &borderwatch.App{Name: app, Category: "proxy", Evidence: []string{"fortigate:appcat=" + appcat}}
	sent, _ := strconv.ParseUint(f["sentbyte"], 10, 64)
	rcvd, _ := strconv.ParseUint(f["rcvdbyte"], 10, 64)
	ev.Source.Bytes, ev.Destination.Bytes, ev.Network.Bytes = sent, rcvd, sent+rcvd
	ev.AddTag("proxy_application")
	return nil
}

func port(s string) (uint16, bool) {
	n, err := strconv.ParseUint(s, 10, 16)
	return uint16(n), err == nil && n > 0
}
