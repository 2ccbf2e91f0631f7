package app

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// HTTPRequest is the request line and the headers borderwatch keeps.
type HTTPRequest struct {
	Method, URI, Version, Host, UserAgent string
}

var httpMethods = [][]byte{[]byte("GET "), []byte("POST "), []byte("HEAD "), []byte("PUT "),
	[]byte("DELETE "), []byte("OPTIONS "), []byte("CONNECT "), []byte("PATCH "), []byte("TRACE ")}

// LooksLikeHTTPRequest reports whether b starts with an HTTP/1.x method.
func LooksLikeHTTPRequest(b []byte) bool {
	for _, m := range httpMethods {
		if bytes.HasPrefix(b, m) {
			return true
		}
	}
	return false
}

// ParseHTTPRequest parses an HTTP/1.x request head. It returns ErrNeedMore until the blank
// line that ends the head is in b.
func ParseHTTPRequest(b []byte) (*HTTPRequest, error) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		end = bytes.Index(b, []byte("\n\n"))
		if end < 0 {
			return nil, ErrNeedMore
		}
	}
	head := b[:end]
	line, rest, _ := bytes.Cut(head, []byte("\n"))
	line = bytes.TrimRight(line, "\r")
	parts := bytes.SplitN(line, []byte(" "), 3)
	if len(parts) != 3 || !bytes.HasPrefix(parts[2], []byte("HTTP/1.")) {
		return nil, fmt.Errorf("http request line: %w", ErrMalformed)
	}
	r := &HTTPRequest{Method: printable(parts[0]), URI: printable(truncate(parts[1], 2048)),
		Version: strings.TrimPrefix(string(printable(parts[2])), "HTTP/")}
	for len(rest) > 0 {
		var l []byte
		l, rest, _ = bytes.Cut(rest, []byte("\n"))
		l = bytes.TrimRight(l, "\r")
		k, v, ok := bytes.Cut(l, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Host")):
			r.Host = cleanName(truncate(v, 255))
		case bytes.EqualFold(k, []byte("User-Agent")):
			r.UserAgent = printable(truncate(v, 1024))
		}
	}
	return r, nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// HTTPStatus parses the status code of an HTTP/1.x response head, or 0.
func HTTPStatus(b []byte) int {
	if len(b) < 12 || !bytes.HasPrefix(b, []byte("HTTP/1.")) || b[8] != ' ' {
		return 0
	}
	code := 0
	for _, c := range b[9:12] {
		if c < '0' || c > '9' {
			return 0
		}
		code = code*10 + int(c-'0')
	}
	return code
}

// SSHBanner returns the identification line at the start of b ("SSH-2.0-OpenSSH_9.6"), or
// ErrNeedMore, or ErrMalformed when b is not SSH.
func SSHBanner(b []byte) (string, int, error) {
	if !bytes.HasPrefix(b, []byte("SSH-")) {
		if len(b) < 4 && bytes.HasPrefix([]byte("SSH-"), b) {
			return "", 0, ErrNeedMore
		}
		return "", 0, ErrMalformed
	}
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		if len(b) > 255 {
			return "", 0, ErrMalformed
		}
		return "", 0, ErrNeedMore
	}
	return printable(bytes.TrimRight(b[:i], "\r")), i + 1, nil
}

// HASSH computes HASSH (client) and HASSHServer inputs from an SSH_MSG_KEXINIT binary packet
// at the start of b; server selects the server-to-client algorithm lists.
func HASSH(b []byte, server bool) (string, error) {
	c := newCursor(b)
	n := int(c.u32())
	if !c.ok {
		return "", ErrNeedMore
	}
	if n > 35000 || n < 16 {
		return "", fmt.Errorf("ssh packet length %d: %w", n, ErrMalformed)
	}
	if len(c.b) < n {
		return "", ErrNeedMore
	}
	c = newCursor(c.b[:n])
	pad := int(c.u8())
	if c.u8() != 20 { // SSH_MSG_KEXINIT
		return "", fmt.Errorf("ssh: not a kexinit: %w", ErrMalformed)
	}
	_ = pad
	c.bytes(16)
	var lists [10]string
	for i := range lists {
		lists[i] = printable(c.bytes(int(c.u32())))
	}
	if !c.ok {
		return "", fmt.Errorf("ssh kexinit: %w", ErrMalformed)
	}
	kex, encC, encS, macC, macS, compC, compS := lists[0], lists[2], lists[3], lists[4], lists[5], lists[6], lists[7]
	in := kex + ";" + encC + ";" + macC + ";" + compC
	if server {
		in = kex + ";" + encS + ";" + macS + ";" + compS
	}
	sum := md5.Sum([]byte(in))
	return hex.EncodeToString(sum[:]), nil
}

// RDPCookie returns the mstshash (or msts) cookie of an X.224 Connection Request in TPKT.
func RDPCookie(b []byte) (string, bool) {
	if len(b) < 11 || b[0] != 3 || b[1] != 0 {
		return "", false
	}
	tl := int(binary.BigEndian.Uint16(b[2:4]))
	if tl < 11 || b[5]&0xf0 != 0xe0 { // X.224 CR TPDU
		return "", false
	}
	body := b[11:min(tl, len(b))]
	for _, prefix := range []string{"Cookie: mstshash=", "Cookie: msts="} {
		if i := bytes.Index(body, []byte(prefix)); i >= 0 {
			v := body[i+len(prefix):]
			if j := bytes.Index(v, []byte("\r\n")); j >= 0 {
				v = v[:j]
			}
			return printable(truncate(v, 128)), true
		}
	}
	return "", true
}

// VNCVersion returns the RFB protocol version banner ("RFB 003.008").
func VNCVersion(b []byte) (string, bool) {
	if len(b) < 12 || !bytes.HasPrefix(b, []byte("RFB ")) || b[11] != '\n' || b[7] != '.' {
		return "", false
	}
	return string(printable(b[:11])), true
}

// Payload fingerprints of VPN and remote-access protocols.

// IsWireGuard reports whether a UDP payload is a WireGuard message.
func IsWireGuard(b []byte) bool {
	if len(b) < 4 || b[1] != 0 || b[2] != 0 || b[3] != 0 {
		return false
	}
	switch b[0] {
	case 1:
		return len(b) == 148
	case 2:
		return len(b) == 92
	case 3:
		return len(b) == 64
	case 4:
		return len(b) >= 32 && len(b)%16 == 0
	}
	return false
}

// IsOpenVPN reports whether a payload starts with an OpenVPN hard-reset control packet
// (client or server, v1-v3); tcp payloads carry a two-byte length first.
func IsOpenVPN(b []byte, tcp bool) bool {
	if tcp {
		if len(b) < 2 {
			return false
		}
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		if n != len(b) && n > len(b) {
			// a first segment may be cut; require at least the header
			if len(b) < 14 {
				return false
			}
		}
	}
	if len(b) < 14 {
		return false
	}
	op := b[0] >> 3
	key := b[0] & 7
	// P_CONTROL_HARD_RESET_CLIENT_V1=1, _SERVER_V1=2, _CLIENT_V2=7, _SERVER_V2=8, _CLIENT_V3=10
	return key == 0 && (op == 1 || op == 2 || op == 7 || op == 8 || op == 10)
}

// IsIKE reports whether a UDP payload is an ISAKMP/IKE header (port 4500 payloads carry the
// four-byte non-ESP marker first).
func IsIKE(b []byte, natT bool) bool {
	if natT {
		if len(b) < 4 || binary.BigEndian.Uint32(b) != 0 {
			return false
		}
		b = b[4:]
	}
	if len(b) < 28 {
		return false
	}
	ver := b[17]
	exch := b[18]
	n := binary.BigEndian.Uint32(b[24:28])
	okVer := ver == 0x20 || ver == 0x10
	okExch := (exch >= 34 && exch <= 37) || (exch >= 1 && exch <= 6) || exch == 32
	return okVer && okExch && int(n) >= 28 && int(n) <= 65535
}

// IsTeamViewer reports whether a TCP/UDP payload starts with TeamViewer's protocol magic.
func IsTeamViewer(b []byte) bool {
	return len(b) >= 4 && ((b[0] == 0x17 && b[1] == 0x24) || (b[0] == 0x11 && b[1] == 0x30))
}

// IsL2TP reports whether a UDP payload is an L2TPv2 control or data header.
func IsL2TP(b []byte) bool {
	return len(b) >= 6 && b[1]&0x0f == 2 // version 2
}

// IsPPTP reports whether a TCP payload is a PPTP control message (magic cookie 0x1A2B3C4D).
func IsPPTP(b []byte) bool {
	return len(b) >= 8 && binary.BigEndian.Uint32(b[4:8]) == 0x1A2B3C4D
}

var errNotQUIC = errors.New("not a quic v1 initial packet")
