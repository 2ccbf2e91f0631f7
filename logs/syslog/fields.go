package syslog

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/borderwatch/borderwatch"
)

// SplitUser normalizes a user name as the syslog-text parsers report it, the same way for
// every format: "DOMAIN\user" gives name "user" and domain "DOMAIN"; "user@example.com" gives
// name "user", domain "example.com" and email "user@example.com"; anything else is the name.
// Surrounding quotes and spaces are removed. It agrees with logs.SplitUser.
func SplitUser(raw string) borderwatch.User {
	raw = strings.TrimSpace(raw)
	if len(raw) >= 2 && (raw[0] == '"' || raw[0] == '\'') && raw[len(raw)-1] == raw[0] {
		raw = strings.TrimSpace(raw[1 : len(raw)-1])
	}
	if raw == "" {
		return borderwatch.User{}
	}
	if i := strings.IndexByte(raw, '\\'); i > 0 && i < len(raw)-1 {
		return borderwatch.User{Name: raw[i+1:], Domain: raw[:i]}
	}
	if i := strings.LastIndexByte(raw, '@'); i > 0 && i < len(raw)-1 && !strings.ContainsAny(raw, " /") {
		dom := raw[i+1:]
		u := borderwatch.User{Name: raw[:i], Domain: dom}
		if strings.IndexByte(dom, '.') > 0 {
			u.Email = raw
		}
		return u
	}
	return borderwatch.User{Name: raw}
}

// Input describes where a record was read for borderwatch.input: a syslog sender, stdin
// ("-") or a file path with its line.
func Input(path string, line int64, sender string) borderwatch.Input {
	switch {
	case sender != "":
		return borderwatch.Input{Type: "syslog", Path: path, Sender: sender}
	case path == "-":
		return borderwatch.Input{Type: "stdin", Line: line}
	}
	return borderwatch.Input{Type: "file", Path: path, Line: line}
}

// ParseAddr parses an IP address as appliances write it: plain, "[v6]", with a zone, or
// IPv4-mapped IPv6 (unmapped). It reports false for anything else, including "0.0.0.0" and "::".
func ParseAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	a = a.Unmap()
	if a.IsUnspecified() {
		return netip.Addr{}, false
	}
	return a, true
}

// ParseAddrPort parses "ip:port", "[v6]:port", "v6:port" (the last colon separates the port,
// as OpenVPN and ASA write it) or a bare address (port 0).
func ParseAddrPort(s string) (netip.Addr, uint16, bool) {
	s = strings.TrimSpace(s)
	if a, ok := ParseAddr(s); ok {
		if !a.Is6() || strings.HasPrefix(s, "[") || strings.Count(s, ":") < 2 {
			return a, 0, true
		}
		// "2001:db8::5:1194" parses as an address: appliances that write v6:port mean a port.
		// Callers that know there is no port use ParseAddr.
	}
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return netip.Addr{}, 0, false
	}
	p, err := strconv.ParseUint(s[i+1:], 10, 16)
	if err != nil {
		if a, ok := ParseAddr(s); ok {
			return a, 0, true
		}
		return netip.Addr{}, 0, false
	}
	a, ok := ParseAddr(s[:i])
	if !ok {
		if a, ok := ParseAddr(s); ok {
			return a, 0, true
		}
		return netip.Addr{}, 0, false
	}
	return a, uint16(p), true
}

// Bool returns a pointer to b, for the optional booleans of the event model.
func Bool(b bool) *bool { return &b }

// Fill sets the fields that every event of a syslog-text format shares: event.kind,
// event.dataset "borderwatch.<format>", event.module, event.original (raw, capped) and
// borderwatch.input from the record's location.
func Fill(ev *borderwatch.Event, format string, raw []byte, path string, line int64, sender string) {
	ev.Event.Kind = borderwatch.KindEvent
	ev.Event.Dataset = "borderwatch." + format
	ev.Event.Module = format
	ev.SetOriginal(string(raw))
	in := Input(path, line, sender)
	ev.Borderwatch.Input = &in
}
