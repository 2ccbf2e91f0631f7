package syslog

import (
	"errors"
	"time"
)

// Kind says which header a line carried.
type Kind uint8

const (
	// KindNone: no header was recognized; Message is the line after an optional <PRI>.
	KindNone Kind = iota
	// KindRFC3164: a BSD-style header (a stamp, usually a host name and a tag).
	KindRFC3164
	// KindRFC5424: an RFC 5424 header.
	KindRFC5424
)

func (k Kind) String() string {
	switch k {
	case KindRFC3164:
		return "rfc3164"
	case KindRFC5424:
		return "rfc5424"
	}
	return "none"
}

// Header is a parsed syslog header. Its byte slices alias the parsed line: they are valid as
// long as the line is; copy what you keep. The zero value is an empty header.
type Header struct {
	Kind     Kind
	Priority int       // 0-191, or -1 when the line has no <PRI>
	Time     time.Time // zero when the line carries no stamp
	// Hostname, AppName (the RFC 3164 tag), ProcID (the [pid]), MsgID and StructuredData
	// (the raw RFC 5424 SD elements) are nil when absent or "-".
	Hostname       []byte
	AppName        []byte
	ProcID         []byte
	MsgID          []byte
	StructuredData []byte
	Message        []byte // what follows the header, without a leading BOM
}

// Facility returns the facility of the priority, or -1 without one.
func (h *Header) Facility() int {
	if h.Priority < 0 {
		return -1
	}
	return h.Priority >> 3
}

// Severity returns the severity of the priority, or -1 without one.
func (h *Header) Severity() int {
	if h.Priority < 0 {
		return -1
	}
	return h.Priority & 7
}

// Errors returned by Parse. A line without any recognizable header is not an error: it
// yields KindNone, because many appliances send bare messages.
var (
	ErrEmpty       = errors.New("empty line")
	ErrBadPriority = errors.New("malformed <PRI>")
	ErrBadRFC5424  = errors.New("malformed RFC 5424 header")
)

// Parser reads syslog headers. Year is used for stamps without one (0: infer it from the
// received time, see Clock); Location for stamps without a zone (nil: UTC).
//
// The zero value is ready to use. A Parser is safe for concurrent use; it keeps no state.
type Parser struct {
	Clock Clock
}

// Parse parses the header of line. received is when the record arrived (or the file's
// modification time); it supplies a missing year. Trailing CR and LF are ignored.
func (p *Parser) Parse(line []byte, received time.Time) (Header, error) {
	h := Header{Priority: -1}
	line = trimEOL(line)
	if len(line) == 0 {
		return h, ErrEmpty
	}
	rest := line
	if rest[0] == '<' {
		pri, n, ok := parsePRI(rest)
		if !ok {
			return h, ErrBadPriority
		}
		h.Priority = pri
		rest = rest[n:]
		if len(rest) >= 2 && rest[0] == '1' && rest[1] == ' ' {
			return p.parse5424(h, rest[2:], received)
		}
	}
	rest = trimBOM(rest)
	// Some senders put a colon or spaces between the PRI and the stamp (Cisco ":Nov 22 ...").
	body := rest
	if len(body) > 0 && body[0] == ':' {
		body = body[1:]
	}
	body = trimSpaces(body)
	t, after, ok := p.Clock.ParseStamp(body, received)
	if !ok {
		h.Message = rest
		return h, nil
	}
	h.Kind = KindRFC3164
	h.Time = t
	// Cisco ends the stamp with a colon: "Nov 22 2026 10:15:02: %ASA-...".
	if len(after) > 0 && after[0] == ':' {
		after = after[1:]
	}
	after = trimSpaces(after)
	// A host name, unless the next token is already the tag or a message.
	if tok, r := token(after); len(tok) > 0 && isHostname(tok) && len(r) > 0 {
		h.Hostname = tok
		after = trimSpaces(r)
		// FTD and ASA with a device id write "host : %FTD-...".
		if len(after) >= 2 && after[0] == ':' && after[1] == ' ' {
			after = trimSpaces(after[2:])
		}
	}
	h.AppName, h.ProcID, h.Message = parseTag(after)
	h.Message = trimBOM(h.Message)
	return h, nil
}

func (p *Parser) parse5424(h Header, rest []byte, received time.Time) (Header, error) {
	h.Kind = KindRFC5424
	var f [5][]byte
	for i := range f {
		tok, r := token(rest)
		if len(tok) == 0 {
			return h, ErrBadRFC5424
		}
		f[i] = tok
		if len(r) > 0 {
			r = r[1:] // exactly one space separates header fields
		} else if i < 4 {
			return h, ErrBadRFC5424
		}
		rest = r
	}
	if !isNil(f[0]) {
		t, after, ok := p.Clock.ParseStamp(f[0], received)
		if !ok || len(after) != 0 {
			return h, ErrBadRFC5424
		}
		h.Time = t
	}
	h.Hostname, h.AppName, h.ProcID, h.MsgID = nilable(f[1]), nilable(f[2]), nilable(f[3]), nilable(f[4])
	// Structured data: "-" or one or more [id param="value" ...] elements.
	if len(rest) == 0 {
		return h, ErrBadRFC5424
	}
	if rest[0] == '-' {
		rest = rest[1:]
	} else {
		n, ok := sdLen(rest)
		if !ok {
			return h, ErrBadRFC5424
		}
		h.StructuredData = rest[:n]
		rest = rest[n:]
	}
	if len(rest) > 0 {
		if rest[0] != ' ' {
			return h, ErrBadRFC5424
		}
		rest = rest[1:]
	}
	h.Message = trimBOM(rest)
	return h, nil
}

// sdLen returns the length of the structured-data elements at the start of b.
func sdLen(b []byte) (int, bool) {
	i := 0
	for i < len(b) && b[i] == '[' {
		i++
		quoted := false
		for ; i < len(b); i++ {
			c := b[i]
			if quoted {
				if c == '\\' {
					i++
				} else if c == '"' {
					quoted = false
				}
				continue
			}
			if c == '"' {
				quoted = true
			} else if c == ']' {
				break
			}
		}
		if i >= len(b) {
			return 0, false
		}
		i++ // ']'
	}
	return i, i > 0
}

func parsePRI(b []byte) (pri, n int, ok bool) {
	// b[0] == '<'
	for i := 1; i < len(b) && i <= 4; i++ {
		c := b[i]
		if c == '>' {
			if i == 1 || pri > 191 {
				return 0, 0, false
			}
			return pri, i + 1, true
		}
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		pri = pri*10 + int(c-'0')
	}
	return 0, 0, false
}

// parseTag splits "app[pid]: message" or "app: message". Without a tag it returns the input
// as the message.
func parseTag(b []byte) (app, pid, msg []byte) {
	i := 0
	for i < len(b) && i <= 64 && isTagChar(b[i]) {
		i++
	}
	if i == 0 || i > 64 || i >= len(b) {
		return nil, nil, b
	}
	app = b[:i]
	j := i
	if b[j] == '[' {
		k := j + 1
		for k < len(b) && b[k] != ']' && b[k] != ' ' {
			k++
		}
		if k >= len(b) || b[k] != ']' {
			return nil, nil, b
		}
		pid = b[j+1 : k]
		j = k + 1
	}
	if j >= len(b) || b[j] != ':' {
		if pid != nil && j < len(b) && b[j] == ' ' {
			// "app[pid] message": no colon, still a tag.
			return app, pid, trimSpaces(b[j:])
		}
		return nil, nil, b
	}
	j++
	if j < len(b) && b[j] != ' ' {
		return nil, nil, b // "key:value" text, not a tag
	}
	return app, pid, trimSpaces(b[j:])
}

func isTagChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	case c == '-', c == '_', c == '.', c == '/', c == '@':
		return true
	}
	return false
}

// isHostname reports whether tok can be a host name (or address) rather than a tag.
func isHostname(tok []byte) bool {
	if len(tok) > 255 {
		return false
	}
	for _, c := range tok {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	// "sshd:" or "ovpn:" is a tag without a host; a host ends with a letter or digit.
	last := tok[len(tok)-1]
	return last != ':' && last != '-' && last != '.'
}

func token(b []byte) (tok, rest []byte) {
	for i, c := range b {
		if c == ' ' {
			return b[:i], b[i:]
		}
	}
	return b, nil
}

func nilable(b []byte) []byte {
	if isNil(b) {
		return nil
	}
	return b
}

func isNil(b []byte) bool { return len(b) == 1 && b[0] == '-' }

func trimSpaces(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// TrimLine removes a UTF-8 byte-order mark and trailing CR/LF from a record.
func TrimLine(b []byte) []byte { return trimBOM(trimEOL(b)) }

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}
