package synth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"math/big"
	"net/netip"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// Hello configures a generated ClientHello.
type Hello struct {
	SNI    string
	ALPN   []string
	GREASE bool
	PadTo  int  // pad the handshake message to this many bytes (0: no padding extension)
	QUIC   bool // add QUIC transport parameters
	TLS12  bool // offer TLS 1.2 only (no supported_versions)
}

func u16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }

// lp16 prefixes b with its 16-bit length.
func lp16(b []byte) []byte { return append(u16(nil, uint16(len(b))), b...) }

func ext(b []byte, typ uint16, body []byte) []byte {
	b = u16(b, typ)
	b = u16(b, uint16(len(body)))
	return append(b, body...)
}

func seq(n int, start byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// ClientHelloCiphers are the suites of generated ClientHellos (after the GREASE value).
var ClientHelloCiphers = []uint16{0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035}

// ClientHello returns a ClientHello handshake message (type, length and body) shaped like a
// current browser's.
func ClientHello(h Hello) []byte {
	body := u16(nil, 0x0303)
	body = append(body, seq(32, 1)...)
	body = append(body, 32)
	body = append(body, seq(32, 100)...)
	var cs []byte
	if h.GREASE {
		cs = u16(cs, 0x0a0a)
	}
	for _, c := range ClientHelloCiphers {
		cs = u16(cs, c)
	}
	body = u16(body, uint16(len(cs)))
	body = append(body, cs...)
	body = append(body, 1, 0)
	var e []byte
	if h.GREASE {
		e = ext(e, 0x1a1a, nil)
	}
	if h.SNI != "" {
		sn := []byte{0}
		sn = u16(sn, uint16(len(h.SNI)))
		sn = append(sn, h.SNI...)
		e = ext(e, 0, lp16(sn))
	}
	e = ext(e, 23, nil)
	e = ext(e, 0xff01, []byte{0})
	groups := []byte{}
	if h.GREASE {
		groups = u16(groups, 0x2a2a)
	}
	groups = append(groups, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18)
	e = ext(e, 10, lp16(groups))
	e = ext(e, 11, []byte{1, 0})
	e = ext(e, 35, nil)
	if len(h.ALPN) > 0 {
		var l []byte
		for _, p := range h.ALPN {
			l = append(l, byte(len(p)))
			l = append(l, p...)
		}
		e = ext(e, 16, lp16(l))
	}
	e = ext(e, 5, []byte{1, 0, 0, 0, 0})
	sigs := []byte{0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01}
	e = ext(e, 13, lp16(sigs))
	e = ext(e, 18, nil)
	if !h.TLS12 {
		ks := []byte{}
		if h.GREASE {
			ks = append(ks, 0x2a, 0x2a, 0x00, 0x01, 0x00)
		}
		ks = append(ks, 0x00, 0x1d, 0x00, 0x20)
		ks = append(ks, seq(32, 50)...)
		e = ext(e, 51, lp16(ks))
		e = ext(e, 45, []byte{1, 1})
		vs := []byte{}
		if h.GREASE {
			vs = u16(vs, 0x3a3a)
		}
		vs = append(vs, 0x03, 0x04, 0x03, 0x03)
		e = ext(e, 43, append([]byte{byte(len(vs))}, vs...))
	}
	e = ext(e, 27, []byte{2, 0, 2})
	if h.QUIC {
		e = ext(e, 0x39, []byte{0x01, 0x04, 0x80, 0x00, 0x75, 0x30, 0x04, 0x04, 0x80, 0x98, 0x96, 0x80})
	}
	if h.GREASE {
		e = ext(e, 0x4a4a, []byte{0})
	}
	if h.PadTo > 0 {
		cur := len(body) + 2 + len(e) + 4 + 4 // + extensions length, padding header, handshake header
		if pad := h.PadTo - cur; pad >= 0 {
			e = ext(e, 21, make([]byte, pad))
		}
	}
	body = u16(body, uint16(len(e)))
	body = append(body, e...)
	return handshake(1, body)
}

func handshake(typ byte, body []byte) []byte {
	return append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

// Record wraps data in TLS records of the given content type (split at 16 KiB).
func Record(typ byte, data []byte) []byte {
	var out []byte
	for len(data) > 0 || out == nil {
		n := min(len(data), 16384)
		out = append(out, typ, 3, 3, byte(n>>8), byte(n))
		out = append(out, data[:n]...)
		data = data[n:]
		if n == 0 {
			break
		}
	}
	return out
}

// ServerHello returns a ServerHello message; tls13 adds supported_versions and key_share.
func ServerHello(tls13 bool, alpn string) []byte {
	body := u16(nil, 0x0303)
	body = append(body, seq(32, 7)...)
	body = append(body, 32)
	body = append(body, seq(32, 100)...)
	var e []byte
	if tls13 {
		body = u16(body, 0x1301)
		body = append(body, 0)
		e = ext(e, 43, []byte{3, 4})
		e = ext(e, 51, append([]byte{0x00, 0x1d, 0x00, 0x20}, seq(32, 9)...))
	} else {
		body = u16(body, 0xc02f)
		body = append(body, 0)
		e = ext(e, 0xff01, []byte{0})
		e = ext(e, 11, []byte{1, 0})
		e = ext(e, 23, nil)
		if alpn != "" {
			l := append([]byte{byte(len(alpn))}, alpn...)
			e = ext(e, 16, lp16(l))
		}
	}
	body = u16(body, uint16(len(e)))
	body = append(body, e...)
	return handshake(2, body)
}

// SelfSigned returns a deterministic self-signed certificate (DER) with the given subject.
func SelfSigned(org, cn string) []byte {
	key := ed25519.NewKeyFromSeed(seq(32, 3))
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(4242),
		Subject:      pkix.Name{Organization: []string{org}, CommonName: cn},
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		DNSNames:     []string{cn},
	}
	der, err := x509.CreateCertificate(zeroReader{}, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic("synth: certificate: " + err.Error())
	}
	return der
}

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// CertificateMsg returns a Certificate handshake message holding der.
func CertificateMsg(der []byte) []byte {
	n := len(der)
	list := append([]byte{byte(n >> 16), byte(n >> 8), byte(n)}, der...)
	m := len(list)
	return handshake(11, append([]byte{byte(m >> 16), byte(m >> 8), byte(m)}, list...))
}

// TLS12ServerFlight is ServerHello, Certificate and ServerHelloDone in one record.
func TLS12ServerFlight(der []byte) []byte {
	msgs := append(ServerHello(false, ""), CertificateMsg(der)...)
	msgs = append(msgs, handshake(14, nil)...)
	return Record(22, msgs)
}

// TLS13ServerFlight is ServerHello, change_cipher_spec and an encrypted-looking record.
func TLS13ServerFlight(alpn string) []byte {
	out := Record(22, ServerHello(true, alpn))
	out = append(out, 20, 3, 3, 0, 1, 1)
	return append(out, Record(23, seq(200, 0))...)
}

// DNSQuery returns a query for name (type A or AAAA).
func DNSQuery(id uint16, name string, aaaa bool) []byte {
	t := dnsmessage.TypeA
	if aaaa {
		t = dnsmessage.TypeAAAA
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: id, RecursionDesired: true})
	b.EnableCompression()
	must(b.StartQuestions())
	must(b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(name + "."), Type: t, Class: dnsmessage.ClassINET}))
	out, err := b.Finish()
	must(err)
	return out
}

// DNSAnswer returns a response to name: an optional CNAME, then the addresses.
func DNSAnswer(id uint16, name, cname string, ttl uint32, addrs ...netip.Addr) []byte {
	t := dnsmessage.TypeA
	if len(addrs) > 0 && addrs[0].Is6() {
		t = dnsmessage.TypeAAAA
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: id, Response: true, RecursionDesired: true, RecursionAvailable: true})
	b.EnableCompression()
	must(b.StartQuestions())
	must(b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(name + "."), Type: t, Class: dnsmessage.ClassINET}))
	must(b.StartAnswers())
	owner := name
	if cname != "" {
		must(b.CNAMEResource(dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(name + "."), Class: dnsmessage.ClassINET, TTL: ttl},
			dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName(cname + ".")}))
		owner = cname
	}
	for _, a := range addrs {
		h := dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(owner + "."), Class: dnsmessage.ClassINET, TTL: ttl}
		if a.Is4() {
			must(b.AResource(h, dnsmessage.AResource{A: a.As4()}))
		} else {
			must(b.AAAAResource(h, dnsmessage.AAAAResource{AAAA: a.As16()}))
		}
	}
	out, err := b.Finish()
	must(err)
	return out
}

// DNSNXDomain returns an NXDOMAIN response.
func DNSNXDomain(id uint16, name string) []byte {
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: id, Response: true, RCode: dnsmessage.RCodeNameError, RecursionDesired: true, RecursionAvailable: true})
	must(b.StartQuestions())
	must(b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(name + "."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}))
	out, err := b.Finish()
	must(err)
	return out
}

func must(err error) {
	if err != nil {
		panic("synth: " + err.Error())
	}
}

// SSHKexInit returns an SSH binary packet with SSH_MSG_KEXINIT.
func SSHKexInit(kex, hostkey, enc, mac, comp string) []byte {
	p := []byte{20}
	p = append(p, seq(16, 30)...)
	for _, l := range []string{kex, hostkey, enc, enc, mac, mac, comp, comp, "", ""} {
		p = binary.BigEndian.AppendUint32(p, uint32(len(l)))
		p = append(p, l...)
	}
	p = append(p, 0, 0, 0, 0, 0)
	pad := 8 - (5+len(p))%8
	if pad < 4 {
		pad += 8
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(1+len(p)+pad))
	out = append(out, byte(pad))
	out = append(out, p...)
	return append(out, make([]byte, pad)...)
}

// RDPConnectionRequest returns a TPKT/X.224 connection request with an mstshash cookie.
func RDPConnectionRequest(user string) []byte {
	x := []byte{0, 0xe0, 0, 0, 0, 0, 0}
	x = append(x, "Cookie: mstshash="+user+"\r\n"...)
	x = append(x, 1, 0, 8, 0, 3, 0, 0, 0)
	x[0] = byte(len(x) - 1)
	return append([]byte{3, 0, byte((len(x) + 4) >> 8), byte(len(x) + 4)}, x...)
}

// WireGuardInitiation and WireGuardResponse return handshake messages of the right sizes.
func WireGuardInitiation() []byte { return append([]byte{1, 0, 0, 0}, seq(144, 11)...) }

// WireGuardResponse is the responder's handshake message.
func WireGuardResponse() []byte { return append([]byte{2, 0, 0, 0}, seq(88, 21)...) }

// OpenVPNHardReset returns P_CONTROL_HARD_RESET_CLIENT_V2.
func OpenVPNHardReset() []byte { return append([]byte{0x38}, append(seq(8, 5), 0, 0, 0, 0, 0)...) }

// IKESAInit returns an IKEv2 IKE_SA_INIT request header with a nonce payload.
func IKESAInit() []byte {
	h := seq(8, 40)
	h = append(h, make([]byte, 8)...)
	h = append(h, 40, 0x20, 34, 0x08, 0, 0, 0, 0)
	nonce := append([]byte{0, 0, 0, 36}, seq(32, 1)...)
	h = binary.BigEndian.AppendUint32(h, uint32(28+len(nonce)))
	return append(h, nonce...)
}

// TeamViewerHello returns bytes starting with TeamViewer's protocol magic.
func TeamViewerHello() []byte { return append([]byte{0x17, 0x24, 0x0a, 0x20}, seq(20, 0)...) }

// QUIC Initial sealing (RFC 9001), kept separate from the decoder's code.

var quicSalt = []byte{0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a}

func hkdfLabel(secret []byte, label string, n int) []byte {
	l := "tls13 " + label
	info := []byte{byte(n >> 8), byte(n), byte(len(l))}
	info = append(info, l...)
	info = append(info, 0)
	out, err := hkdf.Expand(sha256.New, secret, string(info), n)
	must(err)
	return out
}

// QUICInitials returns client Initial packets carrying ch in CRYPTO frames, split over as many
// packets as needed (each padded to 1200 bytes); with shuffle, each packet's CRYPTO data is sent
// as two frames, the second half first.
func QUICInitials(dcid []byte, ch []byte, shuffle bool) [][]byte {
	prk, err := hkdf.Extract(sha256.New, dcid, quicSalt)
	must(err)
	client := hkdfLabel(prk, "client in", 32)
	key, iv, hpKey := hkdfLabel(client, "quic key", 16), hkdfLabel(client, "quic iv", 12), hkdfLabel(client, "quic hp", 16)
	blk, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(blk)
	hp, _ := aes.NewCipher(hpKey)
	var out [][]byte
	const chunk = 1000
	for off, pn := 0, 0; off < len(ch); off, pn = off+chunk, pn+1 {
		data := ch[off:min(off+chunk, len(ch))]
		var frames []byte
		frame := func(o int, d []byte) {
			frames = append(frames, 0x06)
			frames = appendVarint(frames, uint64(o))
			frames = appendVarint(frames, uint64(len(d)))
			frames = append(frames, d...)
		}
		if shuffle && len(data) > 10 {
			h := len(data) / 2
			frame(off+h, data[h:])
			frame(off, data[:h])
		} else {
			frame(off, data)
		}
		hdr := []byte{0xc1, 0, 0, 0, 1, byte(len(dcid))}
		hdr = append(hdr, dcid...)
		hdr = append(hdr, 8)
		hdr = append(hdr, seq(8, 200)...)
		hdr = append(hdr, 0) // token length
		pnLen := 2
		// pad so that the datagram is 1200 bytes
		total := len(hdr) + 2 + pnLen + len(frames) + 16
		if total < 1200 {
			frames = append(frames, make([]byte, 1200-total)...)
		}
		length := pnLen + len(frames) + 16
		hdr = append(hdr, byte(0x40|length>>8), byte(length))
		pnOff := len(hdr)
		hdr = append(hdr, byte(pn>>8), byte(pn))
		nonce := append([]byte(nil), iv...)
		nonce[len(nonce)-1] ^= byte(pn)
		nonce[len(nonce)-2] ^= byte(pn >> 8)
		pkt := aead.Seal(append([]byte(nil), hdr...), nonce, frames, hdr)
		var mask [16]byte
		hp.Encrypt(mask[:], pkt[pnOff+4:pnOff+20])
		pkt[0] ^= mask[0] & 0x0f
		for i := 0; i < pnLen; i++ {
			pkt[pnOff+i] ^= mask[1+i]
		}
		out = append(out, pkt)
	}
	return out
}

func appendVarint(b []byte, v uint64) []byte {
	switch {
	case v < 1<<6:
		return append(b, byte(v))
	case v < 1<<14:
		return append(b, byte(0x40|v>>8), byte(v))
	default:
		return append(b, byte(0x80|v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
}
