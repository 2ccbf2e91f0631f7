package app

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Errors of the TLS parsers.
var (
	ErrNeedMore  = errors.New("need more data")
	ErrNotTLS    = errors.New("not a tls handshake")
	ErrMalformed = errors.New("malformed message")
)

// maxHandshake bounds a handshake message the parsers reassemble.
const maxHandshake = 64 << 10

// ClientHello is what a TLS ClientHello says.
type ClientHello struct {
	LegacyVersion     uint16
	Ciphers           []uint16
	Extensions        []uint16 // in order, GREASE included
	Curves            []uint16
	PointFormats      []uint8
	SignatureAlgs     []uint16
	SupportedVersions []uint16
	ServerName        string
	ALPN              []string
}

// ServerHello is what a TLS ServerHello says.
type ServerHello struct {
	LegacyVersion    uint16
	Cipher           uint16
	Extensions       []uint16
	SupportedVersion uint16 // from the supported_versions extension (TLS 1.3), else 0
	ALPN             string
}

// Certificate is the first (leaf) certificate a server sent in the clear.
type Certificate struct {
	Subject, Issuer     string
	NotBefore, NotAfter time.Time
	SHA1, SHA256        string
}

// handshakes extracts the handshake-protocol byte stream from TLS records in b. It stops at
// the first record of another type (encrypted or change_cipher_spec) and reports whether it did
// (stopped), so callers know no more handshake bytes will come in the clear.
func handshakes(b []byte) (stream []byte, stopped bool, err error) {
	for len(b) > 0 {
		if len(b) < 5 {
			return stream, false, nil
		}
		typ := b[0]
		if b[1] != 3 && !(b[1] == 2 && b[2] == 0) {
			return stream, true, ErrNotTLS
		}
		n := int(b[3])<<8 | int(b[4])
		if n > 18432 {
			return stream, true, ErrMalformed
		}
		if typ != 22 {
			return stream, true, nil
		}
		if len(b) < 5+n {
			// a partial record still yields its bytes: enough for a ClientHello cut by snaplen is not
			return stream, false, nil
		}
		stream = append(stream, b[5:5+n]...)
		b = b[5+n:]
	}
	return stream, false, nil
}

// handshakeMessage finds the first handshake message of type want in stream. It returns
// ErrNeedMore when the stream ends before that message does.
func handshakeMessage(stream []byte, want uint8) ([]byte, error) {
	for len(stream) > 0 {
		if len(stream) < 4 {
			return nil, ErrNeedMore
		}
		typ := stream[0]
		n := int(stream[1])<<16 | int(stream[2])<<8 | int(stream[3])
		if n > maxHandshake {
			return nil, ErrMalformed
		}
		if len(stream) < 4+n {
			return nil, ErrNeedMore
		}
		if typ == want {
			return stream[4 : 4+n], nil
		}
		stream = stream[4+n:]
	}
	return nil, ErrNeedMore
}

// ParseClientHelloRecords parses a ClientHello from TLS records (the start of a TLS client's
// byte stream). It returns ErrNeedMore when more bytes are needed.
func ParseClientHelloRecords(b []byte) (*ClientHello, error) {
	if len(b) > 0 && b[0] != 22 {
		return nil, ErrNotTLS
	}
	stream, _, err := handshakes(b)
	if err != nil {
		return nil, err
	}
	body, err := handshakeMessage(stream, 1)
	if err != nil {
		if len(stream) >= 1 && stream[0] != 1 {
			return nil, ErrNotTLS
		}
		return nil, err
	}
	return ParseClientHello(body)
}

// ParseClientHello parses a ClientHello handshake body (after the 4-byte handshake header).
func ParseClientHello(body []byte) (*ClientHello, error) {
	c := newCursor(body)
	ch := &ClientHello{LegacyVersion: c.u16()}
	c.bytes(32)
	c.bytes(int(c.u8())) // session id
	cs := c.sub(int(c.u16()))
	for cs.ok && len(cs.b) >= 2 {
		ch.Ciphers = append(ch.Ciphers, cs.u16())
	}
	c.bytes(int(c.u8())) // compression methods
	if !c.ok {
		return nil, fmt.Errorf("client hello: %w", ErrMalformed)
	}
	if c.empty() {
		return ch, nil
	}
	exts := c.sub(int(c.u16()))
	if !c.ok {
		return nil, fmt.Errorf("client hello extensions: %w", ErrMalformed)
	}
	for exts.ok && !exts.empty() {
		typ := exts.u16()
		e := exts.sub(int(exts.u16()))
		if !exts.ok {
			return nil, fmt.Errorf("client hello extension %d: %w", typ, ErrMalformed)
		}
		ch.Extensions = append(ch.Extensions, typ)
		switch typ {
		case 0: // server_name
			l := e.sub(int(e.u16()))
			for l.ok && !l.empty() {
				kind := l.u8()
				name := l.bytes(int(l.u16()))
				if l.ok && kind == 0 && ch.ServerName == "" {
					ch.ServerName = cleanName(name)
				}
			}
		case 10: // supported_groups
			l := e.sub(int(e.u16()))
			for l.ok && len(l.b) >= 2 {
				ch.Curves = append(ch.Curves, l.u16())
			}
		case 11: // ec_point_formats
			l := e.sub(int(e.u8()))
			for l.ok && !l.empty() {
				ch.PointFormats = append(ch.PointFormats, l.u8())
			}
		case 13: // signature_algorithms
			l := e.sub(int(e.u16()))
			for l.ok && len(l.b) >= 2 {
				ch.SignatureAlgs = append(ch.SignatureAlgs, l.u16())
			}
		case 16: // ALPN
			l := e.sub(int(e.u16()))
			for l.ok && !l.empty() {
				p := l.bytes(int(l.u8()))
				if l.ok && len(ch.ALPN) < 16 {
					ch.ALPN = append(ch.ALPN, printable(p))
				}
			}
		case 43: // supported_versions
			l := e.sub(int(e.u8()))
			for l.ok && len(l.b) >= 2 {
				ch.SupportedVersions = append(ch.SupportedVersions, l.u16())
			}
		}
	}
	return ch, nil
}

// ParseServerHello parses a ServerHello handshake body.
func ParseServerHello(body []byte) (*ServerHello, error) {
	c := newCursor(body)
	sh := &ServerHello{LegacyVersion: c.u16()}
	c.bytes(32)
	c.bytes(int(c.u8()))
	sh.Cipher = c.u16()
	c.u8() // compression
	if !c.ok {
		return nil, fmt.Errorf("server hello: %w", ErrMalformed)
	}
	if c.empty() {
		return sh, nil
	}
	exts := c.sub(int(c.u16()))
	for exts.ok && !exts.empty() {
		typ := exts.u16()
		e := exts.sub(int(exts.u16()))
		if !exts.ok {
			return nil, fmt.Errorf("server hello extension %d: %w", typ, ErrMalformed)
		}
		sh.Extensions = append(sh.Extensions, typ)
		switch typ {
		case 43:
			sh.SupportedVersion = e.u16()
		case 16:
			l := e.sub(int(e.u16()))
			if p := l.bytes(int(l.u8())); l.ok {
				sh.ALPN = printable(p)
			}
		}
	}
	return sh, nil
}

// ParseCertificate parses the leaf of a TLS ≤ 1.2 Certificate handshake body.
func ParseCertificate(body []byte) (*Certificate, error) {
	c := newCursor(body)
	list := c.sub(c.u24())
	der := list.bytes(list.u24())
	if !list.ok {
		return nil, fmt.Errorf("certificate: %w", ErrMalformed)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	s1 := sha1.Sum(der)
	s256 := sha256.Sum256(der)
	return &Certificate{
		Subject: cert.Subject.String(), Issuer: cert.Issuer.String(),
		NotBefore: cert.NotBefore.UTC(), NotAfter: cert.NotAfter.UTC(),
		SHA1: strings.ToUpper(hex.EncodeToString(s1[:])), SHA256: strings.ToUpper(hex.EncodeToString(s256[:])),
	}, nil
}

// IsGREASE reports whether v is a GREASE value (RFC 8701).
func IsGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

func joinDec16(b *strings.Builder, vs []uint16) {
	first := true
	for _, v := range vs {
		if IsGREASE(v) {
			continue
		}
		if !first {
			b.WriteByte('-')
		}
		first = false
		b.WriteString(strconv.Itoa(int(v)))
	}
}

// JA3String returns the JA3 input string of ch.
func (ch *ClientHello) JA3String() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(ch.LegacyVersion)))
	b.WriteByte(',')
	joinDec16(&b, ch.Ciphers)
	b.WriteByte(',')
	joinDec16(&b, ch.Extensions)
	b.WriteByte(',')
	joinDec16(&b, ch.Curves)
	b.WriteByte(',')
	for i, f := range ch.PointFormats {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(strconv.Itoa(int(f)))
	}
	return b.String()
}

// JA3 returns the JA3 fingerprint (MD5 of JA3String, hex).
func (ch *ClientHello) JA3() string {
	sum := md5.Sum([]byte(ch.JA3String()))
	return hex.EncodeToString(sum[:])
}

// JA3S returns the JA3S fingerprint of a ServerHello.
func (sh *ServerHello) JA3S() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(sh.LegacyVersion)))
	b.WriteByte(',')
	b.WriteString(strconv.Itoa(int(sh.Cipher)))
	b.WriteByte(',')
	joinDec16(&b, sh.Extensions)
	sum := md5.Sum([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// Version returns the negotiated version, e.g. "1.3".
func (sh *ServerHello) Version() string {
	if sh.SupportedVersion != 0 {
		return versionString(sh.SupportedVersion)
	}
	return versionString(sh.LegacyVersion)
}

func versionString(v uint16) string {
	switch v {
	case 0x0304:
		return "1.3"
	case 0x0303:
		return "1.2"
	case 0x0302:
		return "1.1"
	case 0x0301:
		return "1.0"
	case 0x0300:
		return "3.0"
	}
	return ""
}

// MaxVersion returns the highest version the client offers, e.g. "1.3".
func (ch *ClientHello) MaxVersion() uint16 {
	best := uint16(0)
	for _, v := range ch.SupportedVersions {
		if !IsGREASE(v) && v > best && v < 0x7f00 {
			best = v
		}
	}
	if best == 0 {
		best = ch.LegacyVersion
	}
	return best
}

// JA4 returns the JA4 fingerprint; transport is 't' (TCP), 'q' (QUIC) or 'd' (DTLS).
func (ch *ClientHello) JA4(transport byte) string {
	var ver string
	switch ch.MaxVersion() {
	case 0x0304:
		ver = "13"
	case 0x0303:
		ver = "12"
	case 0x0302:
		ver = "11"
	case 0x0301:
		ver = "10"
	case 0x0300:
		ver = "s3"
	case 0x0002:
		ver = "s2"
	case 0xfeff:
		ver = "d1"
	case 0xfefd:
		ver = "d2"
	case 0xfefc:
		ver = "d3"
	default:
		ver = "00"
	}
	sni := byte('i')
	if ch.ServerName != "" {
		sni = 'd'
	}
	ciphers := make([]uint16, 0, len(ch.Ciphers))
	for _, c := range ch.Ciphers {
		if !IsGREASE(c) {
			ciphers = append(ciphers, c)
		}
	}
	exts := make([]uint16, 0, len(ch.Extensions))
	nExt := 0
	for _, e := range ch.Extensions {
		if IsGREASE(e) {
			continue
		}
		nExt++
		if e != 0 && e != 16 {
			exts = append(exts, e)
		}
	}
	alpn := "00"
	if len(ch.ALPN) > 0 && ch.ALPN[0] != "" {
		a := ch.ALPN[0]
		f, l := a[0], a[len(a)-1]
		if isAlnum(f) && isAlnum(l) {
			alpn = string([]byte{f, l})
		} else {
			h := hex.EncodeToString([]byte{f, l})
			alpn = string([]byte{h[0], h[3]})
		}
	}
	a := make([]byte, 0, 10)
	a = append(a, transport)
	a = append(a, ver...)
	a = append(a, sni)
	a = appendTwoDigits(a, min(len(ciphers), 99))
	a = appendTwoDigits(a, min(nExt, 99))
	a = append(a, alpn...)
	slices.Sort(ciphers)
	slices.Sort(exts)
	b := hash12(hexList(ciphers))
	if len(ciphers) == 0 {
		b = "000000000000"
	}
	cIn := hexList(exts)
	var sigs []uint16
	for _, s := range ch.SignatureAlgs {
		if !IsGREASE(s) {
			sigs = append(sigs, s)
		}
	}
	if len(sigs) > 0 {
		cIn += "_" + hexList(sigs)
	}
	c := hash12(cIn)
	if len(exts) == 0 {
		c = "000000000000"
	}
	return string(a) + "_" + b + "_" + c
}

func appendTwoDigits(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

func hexList(vs []uint16) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 0, len(vs)*5)
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15])
	}
	return string(b)
}

func hash12(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// CipherNames returns the IANA names of the offered suites (hex for unknown ones).
func CipherNames(vs []uint16) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if IsGREASE(v) {
			continue
		}
		out = append(out, CipherName(v))
	}
	return out
}

// cleanName lower-cases a DNS name from the wire and drops a trailing dot; bytes outside
// printable ASCII are escaped so that a hostile name cannot break output.
func cleanName(b []byte) string {
	if len(b) > 255 {
		b = b[:255]
	}
	clean := true
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || (c >= 'A' && c <= 'Z') || c == '\\' {
			clean = false
			break
		}
	}
	s := ""
	if clean {
		s = string(b)
	} else {
		var sb strings.Builder
		for _, c := range b {
			switch {
			case c >= 'A' && c <= 'Z':
				sb.WriteByte(c + 32)
			case c <= ' ' || c >= 0x7f || c == '\\':
				fmt.Fprintf(&sb, "\\x%02x", c)
			default:
				sb.WriteByte(c)
			}
		}
		s = sb.String()
	}
	return strings.TrimSuffix(s, ".")
}

// printable returns b as a string with bytes outside printable ASCII escaped.
func printable(b []byte) string {
	for _, c := range b {
		if c < ' ' || c >= 0x7f || c == '\\' {
			var sb strings.Builder
			for _, c := range b {
				if c < ' ' || c >= 0x7f || c == '\\' {
					fmt.Fprintf(&sb, "\\x%02x", c)
				} else {
					sb.WriteByte(c)
				}
			}
			return sb.String()
		}
	}
	return string(b)
}

// cipherNames maps suite ids to IANA names; built once (tls.CipherSuiteName builds the
// whole list on every call).
var cipherNames = func() map[uint16]string {
	m := map[uint16]string{}
	for _, c := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		m[c.ID] = c.Name
	}
	return m
}()

// CipherName returns the IANA name of a cipher suite, or its hex value.
func CipherName(v uint16) string {
	if n, ok := cipherNames[v]; ok {
		return n
	}
	return tls.CipherSuiteName(v)
}
