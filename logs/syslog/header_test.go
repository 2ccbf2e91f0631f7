package syslog

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	received := time.Date(2026, time.November, 23, 6, 0, 0, 0, time.UTC)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.FixedZone("CET", 3600)
	}
	tests := []struct {
		name  string
		clock Clock
		line  string
		kind  Kind
		pri   int
		time  string // RFC 3339 in UTC, "" for none
		host  string
		app   string
		pid   string
		msgid string
		sd    string
		msg   string
		err   error
	}{
		{name: "rfc3164", line: "<38>Nov 22 10:15:02 bastion sshd[4242]: Accepted publickey for jdoe",
			kind: KindRFC3164, pri: 38, time: "2026-11-22T10:15:02Z", host: "bastion", app: "sshd", pid: "4242", msg: "Accepted publickey for jdoe"},
		{name: "padded day no pri", line: "Nov  2 01:02:03 h app: x",
			kind: KindRFC3164, pri: -1, time: "2026-11-02T01:02:03Z", host: "h", app: "app", msg: "x"},
		{name: "december read in january", clock: Clock{}, line: "Dec 31 23:59:59 h app: x",
			kind: KindRFC3164, pri: -1, time: "2025-12-31T23:59:59Z", host: "h", app: "app", msg: "x"},
		{name: "configured year", clock: Clock{Year: 2024}, line: "Feb 29 12:00:00 h app: x",
			kind: KindRFC3164, pri: -1, time: "2024-02-29T12:00:00Z", host: "h", app: "app", msg: "x"},
		{name: "configured zone", clock: Clock{Location: berlin}, line: "Nov 22 10:15:02 h app: x",
			kind: KindRFC3164, pri: -1, time: "2026-11-22T09:15:02Z", host: "h", app: "app", msg: "x"},
		{name: "cisco year and colon", line: "<166>Nov 22 2026 10:15:02: %ASA-6-113039: Group",
			kind: KindRFC3164, pri: 166, time: "2026-11-22T10:15:02Z", msg: "%ASA-6-113039: Group"},
		{name: "cisco host", line: "<166>Nov 22 2026 10:15:02 asa01 : %ASA-6-113039: Group",
			kind: KindRFC3164, pri: 166, time: "2026-11-22T10:15:02Z", host: "asa01", msg: "%ASA-6-113039: Group"},
		{name: "utc suffix wins over zone", clock: Clock{Location: berlin}, line: "Nov 22 2026 10:15:02 UTC: %ASA-6-1: x",
			kind: KindRFC3164, pri: -1, time: "2026-11-22T10:15:02Z", msg: "%ASA-6-1: x"},
		{name: "pri only", line: "<166>%ASA-6-113039: Group", kind: KindNone, pri: 166, msg: "%ASA-6-113039: Group"},
		{name: "fortigate", line: "<189>date=2026-11-22 time=10:15:02 devname=x", kind: KindNone, pri: 189, msg: "date=2026-11-22 time=10:15:02 devname=x"},
		{name: "iso with offset", line: "2026-11-22T11:15:02.250+01:00 vpn ovpn-server[99]: hello",
			kind: KindRFC3164, pri: -1, time: "2026-11-22T10:15:02.25Z", host: "vpn", app: "ovpn-server", pid: "99", msg: "hello"},
		{name: "tag without host", line: "Nov 22 10:15:02 sshd[1]: Invalid user x",
			kind: KindRFC3164, pri: -1, time: "2026-11-22T10:15:02Z", app: "sshd", pid: "1", msg: "Invalid user x"},
		{name: "tag with colon no host", line: "Nov 22 10:15:02 PulseSecure: 2026-11-22 10:15:02 - ive",
			kind: KindRFC3164, pri: -1, time: "2026-11-22T10:15:02Z", app: "PulseSecure", msg: "2026-11-22 10:15:02 - ive"},
		{name: "crlf", line: "Nov 22 10:15:02 h app: x\r\n",
			kind: KindRFC3164, pri: -1, time: "2026-11-22T10:15:02Z", host: "h", app: "app", msg: "x"},
		{name: "rfc5424", line: "<165>1 2026-11-22T10:15:02.003Z fw01 sshd 4242 ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App]lication\"] \xEF\xBB\xBFAccepted",
			kind: KindRFC5424, pri: 165, time: "2026-11-22T10:15:02.003Z", host: "fw01", app: "sshd", pid: "4242", msgid: "ID47",
			sd: "[exampleSDID@32473 iut=\"3\" eventSource=\"App]lication\"]", msg: "Accepted"},
		{name: "rfc5424 nil fields", line: "<14>1 - - - - - -",
			kind: KindRFC5424, pri: 14},
		{name: "rfc5424 truncated", line: "<14>1 2026-11-22T10:15:02Z host", err: ErrBadRFC5424},
		{name: "rfc5424 bad sd", line: "<14>1 - - - - - [x a=\"b]", err: ErrBadRFC5424},
		{name: "bad pri", line: "<1x>Nov 22 10:15:02 h a: x", err: ErrBadPriority},
		{name: "pri too large", line: "<192>x", err: ErrBadPriority},
		{name: "empty", line: "\r\n", err: ErrEmpty},
		{name: "no header", line: "just text", kind: KindNone, pri: -1, msg: "just text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Parser{Clock: tt.clock}
			h, err := p.Parse([]byte(tt.line), received)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ts string
			if !h.Time.IsZero() {
				ts = h.Time.Format(time.RFC3339Nano)
				if h.Time.Location() != time.UTC {
					t.Errorf("time not in UTC: %v", h.Time)
				}
			}
			got := []string{h.Kind.String(), ts, string(h.Hostname), string(h.AppName), string(h.ProcID), string(h.MsgID), string(h.StructuredData), string(h.Message)}
			want := []string{tt.kind.String(), tt.time, tt.host, tt.app, tt.pid, tt.msgid, tt.sd, tt.msg}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("field %d = %q, want %q", i, got[i], want[i])
				}
			}
			if h.Priority != tt.pri {
				t.Errorf("priority = %d, want %d", h.Priority, tt.pri)
			}
		})
	}
}

func TestParseStamp(t *testing.T) {
	received := time.Date(2026, time.January, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in, want, rest string
		ok             bool
	}{
		{"Sun Nov 22 10:15:02 2026 us=1 x", "2026-11-22T10:15:02Z", " us=1 x", true},
		{"2026-11-22 10:15:02 x", "2026-11-22T10:15:02Z", " x", true},
		{"2026/11/22 10:15:02,a", "2026-11-22T10:15:02Z", ",a", true},
		{"2026-11-22T10:15:02-0500 x", "2026-11-22T15:15:02Z", " x", true},
		{"Dec 31 23:59:59 x", "2025-12-31T23:59:59Z", " x", true},             // before the received time
		{"Jan  2 12:00:00 x", "2026-01-02T12:00:00Z", " x", true},             // slightly ahead: same year
		{"Jan  1 00:00:01.5 x", "2026-01-01T00:00:01.5Z", " x", true},         // fraction
		{"*Mar  1 00:00:12.345: x", "2026-03-01T00:00:12.345Z", ": x", false}, // far ahead → 2025
		{"2026-02-30 10:15:02 x", "", "", false},
		{"Foo 22 10:15:02 x", "", "", false},
		{"Nov 22 25:15:02 x", "", "", false},
		{"Nov 32 10:15:02 x", "", "", false},
		{"2026-11-22", "", "", false},
	}
	for _, tt := range tests {
		var c Clock
		got, rest, ok := c.ParseStamp([]byte(tt.in), received)
		if tt.in[0] == '*' {
			// Mar 1 is more than a day after Jan 2: it belongs to the year before.
			if !ok || got.Format(time.RFC3339Nano) != "2025-03-01T00:00:12.345Z" {
				t.Errorf("%q: got %v %v", tt.in, got, ok)
			}
			continue
		}
		if ok != tt.ok {
			t.Errorf("%q: ok = %v", tt.in, ok)
			continue
		}
		if ok && (got.Format(time.RFC3339Nano) != tt.want || string(rest) != tt.rest) {
			t.Errorf("%q: got %s rest %q, want %s rest %q", tt.in, got.Format(time.RFC3339Nano), rest, tt.want, tt.rest)
		}
	}
}

func TestYearRollover(t *testing.T) {
	// A sender slightly ahead at New Year: received Dec 31 23:59:30, stamped Jan 1 00:00:10.
	var c Clock
	got := c.Date(time.January, 1, 0, 0, 10, 0, time.Date(2026, 12, 31, 23, 59, 30, 0, time.UTC))
	if got.Year() != 2027 {
		t.Errorf("got %v, want 2027", got)
	}
}

func TestSplitUser(t *testing.T) {
	tests := []struct{ in, name, domain, email string }{
		{`CORP\jdoe`, "jdoe", "CORP", ""},
		{"jdoe@example.com", "jdoe", "example.com", "jdoe@example.com"},
		{"jdoe@LOCAL", "jdoe", "LOCAL", ""},
		{` "jdoe" `, "jdoe", "", ""},
		{"@x", "@x", "", ""},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		u := SplitUser(tt.in)
		if u.Name != tt.name || u.Domain != tt.domain || u.Email != tt.email {
			t.Errorf("SplitUser(%q) = %+v", tt.in, u)
		}
	}
}

func TestParseAddrPort(t *testing.T) {
	tests := []struct {
		in   string
		ip   string
		port uint16
		ok   bool
	}{
		{"203.0.113.5:52311", "203.0.113.5", 52311, true},
		{"[2001:db8::5]:443", "2001:db8::5", 443, true},
		{"2001:db8::5:1194", "2001:db8::5", 1194, true},
		{"::ffff:203.0.113.5:52311", "203.0.113.5", 52311, true},
		{"203.0.113.5", "203.0.113.5", 0, true},
		{"2001:db8::1", "2001:db8::1", 0, true},
		{"0.0.0.0:0", "", 0, false},
		{"host:80", "", 0, false},
		{"", "", 0, false},
	}
	for _, tt := range tests {
		a, p, ok := ParseAddrPort(tt.in)
		if ok != tt.ok || (ok && (a.String() != tt.ip || p != tt.port)) {
			t.Errorf("ParseAddrPort(%q) = %v %d %v", tt.in, a, p, ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"<38>Nov 22 10:15:02 bastion sshd[4242]: Accepted publickey for jdoe",
		"<165>1 2026-11-22T10:15:02.003Z fw01 sshd 4242 ID47 [a b=\"c\\]\"] msg",
		"<166>Nov 22 2026 10:15:02 asa01 : %ASA-6-113039: Group",
		"Sun Nov 22 10:15:02 2026 x", "2026-11-22T10:15:02-05:00 h a: m", "<1>", "<14>1 ",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range []Clock{{}, {Year: 2026}} {
			p := Parser{Clock: c}
			h, err := p.Parse(data, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			if err != nil {
				continue
			}
			if h.Priority < -1 || h.Priority > 191 {
				t.Fatalf("priority %d", h.Priority)
			}
			if !h.Time.IsZero() && h.Time.Location() != time.UTC {
				t.Fatalf("time not UTC")
			}
		}
	})
}
