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
// (stopped), so callers know no more handshake bytes will come in the clear. The stream may
// alias b.
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
		if stream == nil {
			stream = b[5 : 5+n : 5+n] // one record: no copy (a second one makes append copy)
		} else {
			stream = append(stream, b[5:5+n]...)
		}
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
	body, err := clientHelloBody(b)
	if err != nil {
		return nil, err
	}
	return ParseClientHello(body)
}

// clientHelloBody finds the ClientHello body in TLS records.
func clientHelloBody(b []byte) ([]byte, error) {
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
	return body, nil
}

// ParseClientHello parses a ClientHello handshake body (after the 4-byte handshake header).
func ParseClientHello(body []byte) (*ClientHello, error) {
	ch := &ClientHello{}
	if err := parseClientHello(ch, body, nil, nil); err != nil {
		return nil, err
	}
	return ch, nil
}

// parseClientHello parses body into ch, reusing the arrays of ch's slices (their contents
// are overwritten: a caller that reuses ch copies what it keeps). ServerName and the ALPN
// strings are new strings (or constants, or remembered names) that stay valid. names may be
// nil; st counts its hits.
func parseClientHello(ch *ClientHello, body []byte, names *nameMemo, st *Stats) error {
	*ch = ClientHello{Ciphers: ch.Ciphers[:0], Extensions: ch.Extensions[:0], Curves: ch.Curves[:0],
		PointFormats: ch.PointFormats[:0], SignatureAlgs: ch.SignatureAlgs[:0],
		SupportedVersions: ch.SupportedVersions[:0], ALPN: ch.ALPN[:0]}
	c := newCursor(body)
	ch.LegacyVersion = c.u16()
	c.bytes(32)
	c.bytes(int(c.u8())) // session id
	ch.Ciphers = appendU16List(ch.Ciphers, c.sub(int(c.u16())))
	c.bytes(int(c.u8())) // compression methods
	if !c.ok {
		return fmt.Errorf("client hello: %w", ErrMalformed)
	}
	if c.empty() {
		return nil
	}
	exts := c.sub(int(c.u16()))
	if !c.ok {
		return fmt.Errorf("client hello extensions: %w", ErrMalformed)
	}
	if n := countExtensions(exts); n > cap(ch.Extensions) {
		ch.Extensions = make([]uint16, 0, n)
	}
	for exts.ok && !exts.empty() {
		typ := exts.u16()
		e := exts.sub(int(exts.u16()))
		if !exts.ok {
			return fmt.Errorf("client hello extension %d: %w", typ, ErrMalformed)
		}
		ch.Extensions = append(ch.Extensions, typ)
		switch typ {
		case 0: // server_name
			l := e.sub(int(e.u16()))
			for l.ok && !l.empty() {
				kind := l.u8()
				name := l.bytes(int(l.u16()))
				if l.ok && kind == 0 && ch.ServerName == "" {
					ch.ServerName = names.clean(name, st)
				}
			}
		case 10: // supported_groups
			ch.Curves = appendU16List(ch.Curves[:0], e.sub(int(e.u16())))
		case 11: // ec_point_formats
			if l := e.sub(int(e.u8())); l.ok && !l.empty() {
				ch.PointFormats = append(ch.PointFormats[:0], l.b...)
			}
		case 13: // signature_algorithms
			ch.SignatureAlgs = appendU16List(ch.SignatureAlgs[:0], e.sub(int(e.u16())))
		case 16: // ALPN
			l := e.sub(int(e.u16()))
			for l.ok && !l.empty() {
				p := l.bytes(int(l.u8()))
				if l.ok && len(ch.ALPN) < 16 {
					ch.ALPN = append(ch.ALPN, alpnName(p))
				}
			}
		case 43: // supported_versions
			ch.SupportedVersions = appendU16List(ch.SupportedVersions[:0], e.sub(int(e.u8())))
		}
	}
	return nil
}

// alpnName is printable(p), without allocating for the protocol names clients offer most.
func alpnName(p []byte) string {
	switch string(p) {
	case "h2":
		return "h2"
	case "http/1.1":
		return "http/1.1"
	case "h3":
		return "h3"
	case "http/1.0":
		return "http/1.0"
	case "spdy/3.1":
		return "spdy/3.1"
	case "acme-tls/1":
		return "acme-tls/1"
	}
	return printable(p)
}

// appendU16List appends the big-endian 16-bit values of l to out (an odd last byte is
// ignored); out comes back unchanged (nil stays nil) when l holds none.
func appendU16List(out []uint16, l cursor) []uint16 {
	if !l.ok || len(l.b) < 2 {
		return out
	}
	n := len(l.b) / 2
	out = slices.Grow(out, n)
	for i := 0; i < n; i++ {
		out = append(out, uint16(l.b[2*i])<<8|uint16(l.b[2*i+1]))
	}
	return out
}

// countExtensions counts the extensions in exts (as far as their headers are whole).
func countExtensions(exts cursor) int {
	n := 0
	for exts.ok && !exts.empty() {
		exts.u16()
		exts.sub(int(exts.u16()))
		if exts.ok {
			n++
		}
	}
	return n
}

// ParseServerHello parses a ServerHello handshake body.
func ParseServerHello(body []byte) (*ServerHello, error) {
	sh := &ServerHello{}
	if err := parseServerHello(sh, body); err != nil {
		return nil, err
	}
	return sh, nil
}

// parseServerHello parses body into sh, reusing the array of sh.Extensions.
func parseServerHello(sh *ServerHello, body []byte) error {
	*sh = ServerHello{Extensions: sh.Extensions[:0]}
	c := newCursor(body)
	sh.LegacyVersion = c.u16()
	c.bytes(32)
	c.bytes(int(c.u8()))
	sh.Cipher = c.u16()
	c.u8() // compression
	if !c.ok {
		return fmt.Errorf("server hello: %w", ErrMalformed)
	}
	if c.empty() {
		return nil
	}
	exts := c.sub(int(c.u16()))
	for exts.ok && !exts.empty() {
		typ := exts.u16()
		e := exts.sub(int(exts.u16()))
		if !exts.ok {
			return fmt.Errorf("server hello extension %d: %w", typ, ErrMalformed)
		}
		sh.Extensions = append(sh.Extensions, typ)
		switch typ {
		case 43:
			sh.SupportedVersion = e.u16()
		case 16:
			l := e.sub(int(e.u16()))
			if p := l.bytes(int(l.u8())); l.ok {
				sh.ALPN = alpnName(p)
			}
		}
	}
	return nil
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

// appendDec16 appends the non-GREASE values of vs in decimal, separated by '-'.
func appendDec16(b []byte, vs []uint16) []byte {
	first := true
	for _, v := range vs {
		if IsGREASE(v) {
			continue
		}
		if !first {
			b = append(b, '-')
		}
		first = false
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	return b
}

func (ch *ClientHello) appendJA3(b []byte) []byte {
	b = strconv.AppendUint(b, uint64(ch.LegacyVersion), 10)
	b = append(b, ',')
	b = appendDec16(b, ch.Ciphers)
	b = append(b, ',')
	b = appendDec16(b, ch.Extensions)
	b = append(b, ',')
	b = appendDec16(b, ch.Curves)
	b = append(b, ',')
	for i, f := range ch.PointFormats {
		if i > 0 {
			b = append(b, '-')
		}
		b = strconv.AppendUint(b, uint64(f), 10)
	}
	return b
}

// JA3String returns the JA3 input string of ch.
func (ch *ClientHello) JA3String() string { return string(ch.appendJA3(nil)) }

// JA3 returns the JA3 fingerprint (MD5 of JA3String, hex).
func (ch *ClientHello) JA3() string {
	var buf [1024]byte
	sum := md5.Sum(ch.appendJA3(buf[:0]))
	return hex.EncodeToString(sum[:])
}

// JA3S returns the JA3S fingerprint of a ServerHello.
func (sh *ServerHello) JA3S() string {
	var buf [256]byte
	return ja3sOf(sh.appendJA3S(buf[:0]))
}

// appendJA3S appends the JA3S input string.
func (sh *ServerHello) appendJA3S(b []byte) []byte {
	b = strconv.AppendUint(b, uint64(sh.LegacyVersion), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(sh.Cipher), 10)
	b = append(b, ',')
	return appendDec16(b, sh.Extensions)
}

// ja3sOf returns the JA3S fingerprint of its input string.
func ja3sOf(in []byte) string {
	sum := md5.Sum(in)
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
	var cbuf, ebuf [64]uint16
	ciphers := cbuf[:0]
	for _, c := range ch.Ciphers {
		if !IsGREASE(c) {
			ciphers = append(ciphers, c)
		}
	}
	exts := ebuf[:0]
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
	alpn := [2]byte{'0', '0'}
	if len(ch.ALPN) > 0 && ch.ALPN[0] != "" {
		a := ch.ALPN[0]
		f, l := a[0], a[len(a)-1]
		if isAlnum(f) && isAlnum(l) {
			alpn = [2]byte{f, l}
		} else {
			const digits = "0123456789abcdef"
			alpn = [2]byte{digits[f>>4], digits[l&15]}
		}
	}
	var out [10 + 1 + 12 + 1 + 12]byte
	a := append(out[:0], transport)
	a = append(a, ver...)
	a = append(a, sni)
	a = appendTwoDigits(a, min(len(ciphers), 99))
	a = appendTwoDigits(a, min(nExt, 99))
	a = append(a, alpn[:]...)
	slices.Sort(ciphers)
	slices.Sort(exts)
	var hbuf [1024]byte
	a = append(a, '_')
	if len(ciphers) == 0 {
		a = append(a, "000000000000"...)
	} else {
		a = appendHash12(a, appendHexList(hbuf[:0], ciphers))
	}
	a = append(a, '_')
	if len(exts) == 0 {
		a = append(a, "000000000000"...)
	} else {
		in := appendHexList(hbuf[:0], exts)
		first := true
		for _, s := range ch.SignatureAlgs {
			if IsGREASE(s) {
				continue
			}
			if first {
				in = append(in, '_')
			} else {
				in = append(in, ',')
			}
			first = false
			in = appendHex16(in, s)
		}
		a = appendHash12(a, in)
	}
	return string(a)
}

func appendTwoDigits(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// appendHexList appends vs as 4-digit lower-case hex, separated by commas.
func appendHexList(b []byte, vs []uint16) []byte {
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendHex16(b, v)
	}
	return b
}

func appendHex16(b []byte, v uint16) []byte {
	const digits = "0123456789abcdef"
	return append(b, digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15])
}

// appendHash12 appends the first 12 hex digits of the SHA-256 of in.
func appendHash12(b, in []byte) []byte {
	sum := sha256.Sum256(in)
	return hex.AppendEncode(b, sum[:6])
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
