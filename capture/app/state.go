package app

import (
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch"
)

// Limits of what a flow's State inspects and buffers per direction.
const (
	MaxPackets = 8        // payload packets inspected per direction
	MaxBuffer  = 16 << 10 // bytes buffered per direction to reassemble a message
)

// Protocol values for network.protocol.
const (
	ProtoTLS  = "tls"
	ProtoQUIC = "quic"
	ProtoHTTP = "http"
	ProtoDNS  = "dns"
	ProtoSSH  = "ssh"
	ProtoRDP  = "rdp"
	ProtoVNC  = "vnc"
)

type kind uint8

const (
	kindUnknown kind = iota
	kindTLS
	kindHTTP
	kindSSH
	kindOther
)

type dirState struct {
	buf       []byte
	next      uint32
	seqSet    bool
	pkts      uint8
	done      bool
	kind      kind
	sshBanner bool
}

// State is one flow's application metadata and parsing state. The zero value is ready to
// use. It is not safe for concurrent use; the flow's owner calls Analyzer.Inspect with it.
type State struct {
	Protocol    string // network.protocol
	Fingerprint string // payload fingerprint: wireguard, openvpn, ike, l2tp, pptp, teamviewer, rdp, vnc
	TLS         *borderwatch.TLS
	DNS         *borderwatch.DNS
	HTTP        *borderwatch.HTTP
	URL         *borderwatch.URL
	UserAgent   *borderwatch.UserAgent
	SSH         *borderwatch.SSH
	RDP         *borderwatch.RDP
	VNC         *borderwatch.VNC
	dir         [2]dirState
	quic        *QUICAssembler
	tlsb        tlsBlock // where TLS, TLS.Client and TLS.Server point when set here
	gotSH       bool
}

// Domain returns the server name seen in the flow itself (SNI, then HTTP host).
func (s *State) Domain() string {
	if s.TLS != nil && s.TLS.Client != nil && s.TLS.Client.ServerName != "" {
		return s.TLS.Client.ServerName
	}
	if s.URL != nil && s.URL.Domain != "" {
		return s.URL.Domain
	}
	return ""
}

// Finished reports whether Inspect will look at no further packet of the flow: both
// directions are done (DNS flows never are: every message is read). The caller may stop
// handing packets over.
func (s *State) Finished() bool { return s.dir[0].done && s.dir[1].done }

// Release drops the reassembly buffers (the metadata stays).
func (s *State) Release() {
	s.dir[0].buf, s.dir[1].buf = nil, nil
	s.quic = nil
}

// Stats count the analyzers' work and the malformed input they met.
type Stats struct {
	TLSClientHellos, TLSServerHellos, TLSCerts uint64
	QUICInitials                               uint64
	DNSMessages, HTTPRequests, SSHBanners      uint64
	TLSErrors, QUICErrors, DNSErrors           uint64
	HTTPErrors, SSHErrors, CertErrors          uint64
	Gaps                                       uint64 // TCP gaps that ended reassembly
	Oversize                                   uint64 // messages larger than MaxBuffer
	HelloMemoHits                              uint64 // ClientHellos whose fingerprints were remembered
	HelloMemoEvicted                           uint64 // remembered fingerprints replaced by another hello's
	ServerMemoHits                             uint64 // ServerHellos whose JA3S was remembered
	ServerMemoEvicted                          uint64 // remembered JA3S replaced by another's
	NameMemoHits                               uint64 // server and DNS names found cleaned already
	NameMemoEvicted                            uint64 // remembered names replaced by another
}

// DNSSink receives the address records of DNS answers (passive DNS).
type DNSSink func(addr netip.Addr, name string, ttl uint32, at time.Time)

// Analyzer runs the parsers over flow payloads. It is not safe for concurrent use (its Stats
// are plain counters): give each capture worker its own.
type Analyzer struct {
	OnDNS   DNSSink
	Stats   Stats
	hellos  helloMemo
	servers serverMemo
	names   nameMemo
	ch      ClientHello      // scratch: the hello being parsed
	sh      ServerHello      // scratch
	addrs   []AddrTTL        // scratch: a DNS answer's addresses
	quics   []*QUICAssembler // assemblers done with, kept for their buffers (at most maxFreeQUIC)
}

// maxFreeQUIC bounds the QUIC assemblers an Analyzer keeps for reuse.
const maxFreeQUIC = 8

// newQUIC returns an empty assembler, reusing one done with.
func (a *Analyzer) newQUIC() *QUICAssembler {
	if n := len(a.quics); n > 0 {
		q := a.quics[n-1]
		a.quics[n-1] = nil
		a.quics = a.quics[:n-1]
		return q
	}
	return &QUICAssembler{}
}

// freeQUIC keeps q (which no flow uses any longer) for reuse: its plaintext and stream
// buffers stay, the rest is cleared.
func (a *Analyzer) freeQUIC(q *QUICAssembler) {
	if len(a.quics) >= maxFreeQUIC || cap(q.stream.buf) > maxCrypto || cap(q.pt) > 2*maxCrypto {
		return
	}
	*q = QUICAssembler{pt: q.pt[:0], stream: cryptoStream{buf: q.stream.buf[:0], pieces: q.stream.pieces[:0]}}
	a.quics = append(a.quics, q)
}

// Packet is the slice of a decoded packet the analyzers need.
type Packet struct {
	Proto      uint8
	SrcPort    uint16
	DstPort    uint16
	Seq        uint32
	Payload    []byte
	Cut        bool // the payload was cut by the snap length
	Time       time.Time
	FromClient bool
}

func isDNSPort(p uint16) bool { return p == 53 || p == 5353 || p == 5355 }

// Inspect looks at one payload-carrying packet of the flow.
func (a *Analyzer) Inspect(s *State, p *Packet) {
	if len(p.Payload) == 0 {
		return
	}
	if isDNSPort(p.SrcPort) || isDNSPort(p.DstPort) {
		a.dns(s, p)
		return
	}
	d := 1
	if p.FromClient {
		d = 0
	}
	ds := &s.dir[d]
	if ds.done {
		return
	}
	if ds.pkts >= MaxPackets {
		ds.done, ds.buf = true, nil
		return
	}
	ds.pkts++
	switch p.Proto {
	case 6:
		if ds.seqSet {
			diff := int32(p.Seq - ds.next)
			if diff < 0 {
				ds.pkts--
				return // retransmission
			}
			if diff > 0 {
				a.Stats.Gaps++
				ds.done, ds.buf = true, nil
				return
			}
		}
		ds.next = p.Seq + uint32(len(p.Payload))
		ds.seqSet = true
		a.tcp(s, d, ds, p)
		if p.Cut {
			ds.done, ds.buf = true, nil
		}
	case 17:
		a.udp(s, p)
	}
}

// feed returns the bytes to parse: the payload alone, or appended to what is buffered.
func feed(ds *dirState, payload []byte) []byte {
	if len(ds.buf) == 0 {
		return payload
	}
	return append(ds.buf, payload...)
}

// keep buffers data for the next packet, or gives up when it is too large.
func (a *Analyzer) keep(ds *dirState, data []byte) {
	if len(data) > MaxBuffer {
		a.Stats.Oversize++
		ds.done, ds.buf = true, nil
		return
	}
	if len(ds.buf) == 0 {
		ds.buf = append(make([]byte, 0, min(2*len(data)+1024, MaxBuffer)), data...)
	} else {
		ds.buf = data
	}
}

func (a *Analyzer) tcp(s *State, d int, ds *dirState, p *Packet) {
	data := feed(ds, p.Payload)
	if ds.kind == kindUnknown {
		switch {
		case data[0] == 0x16 && (len(data) < 2 || data[1] == 3):
			ds.kind = kindTLS
			if s.Protocol == "" {
				s.Protocol = ProtoTLS
			}
		case d == 0 && LooksLikeHTTPRequest(data), d == 1 && len(data) >= 7 && string(data[:7]) == "HTTP/1.":
			ds.kind = kindHTTP
		case len(data) >= 4 && string(data[:4]) == "SSH-":
			ds.kind = kindSSH
		default:
			ds.kind = kindOther
			a.other(s, d, data, p)
			ds.done, ds.buf = true, nil
			return
		}
	}
	var err error
	switch ds.kind {
	case kindTLS:
		if d == 0 {
			err = a.tlsClient(s, data, 't')
		} else {
			err = a.tlsServer(s, data)
		}
	case kindHTTP:
		if d == 0 {
			err = a.httpRequest(s, data)
		} else {
			if code := HTTPStatus(data); code > 0 {
				if s.HTTP == nil {
					s.HTTP = &borderwatch.HTTP{}
				}
				s.HTTP.Response = &borderwatch.HTTPResponse{StatusCode: code}
			}
		}
	case kindSSH:
		err = a.ssh(s, d, ds, data)
	}
	if err == errSSHKept && !p.Cut {
		return
	}
	if errors.Is(err, ErrNeedMore) && !p.Cut {
		a.keep(ds, data)
		return
	}
	ds.done, ds.buf = true, nil
}

func (a *Analyzer) tlsClient(s *State, data []byte, transport byte) error {
	body, err := clientHelloBody(data)
	if err == nil {
		err = parseClientHello(&a.ch, body, &a.names, &a.Stats)
	}
	if err != nil {
		if !errors.Is(err, ErrNeedMore) {
			a.Stats.TLSErrors++
		}
		return err
	}
	a.Stats.TLSClientHellos++
	a.setClientHello(s, &a.ch, transport)
	return nil
}

// setClientHello is State.setClientHello with the fingerprints from the analyzer's memo.
func (a *Analyzer) setClientHello(s *State, ch *ClientHello, transport byte) {
	e, hit, evicted := a.hellos.lookup(ch, transport)
	if hit {
		a.Stats.HelloMemoHits++
	}
	if evicted {
		a.Stats.HelloMemoEvicted++
	}
	s.setClient(ch, e.ja3, e.ja4, e.ciphers)
}

func (s *State) setClientHello(ch *ClientHello, transport byte) {
	s.setClient(ch, ch.JA3(), ch.JA4(transport), CipherNames(ch.Ciphers))
}

// tlsBlock holds a flow's tls.* objects inside its State. Events of the flow's final record
// point into it; interim records copy them.
type tlsBlock struct {
	tls    borderwatch.TLS
	client borderwatch.TLSClient
	server borderwatch.TLSServer
	alpn   [2]string
}

// tlsMeta returns s.TLS, setting it to the State's own first if needed.
func (s *State) tlsMeta() *borderwatch.TLS {
	if s.TLS == nil {
		s.tlsb.tls = borderwatch.TLS{VersionProtocol: "tls"}
		s.TLS = &s.tlsb.tls
	}
	return s.TLS
}

// setClient records a ClientHello and its fingerprints; ciphers may be shared with other
// states and is never modified. ch may be reused afterwards: what is kept is copied.
func (s *State) setClient(ch *ClientHello, ja3, ja4 string, ciphers []string) {
	t := s.tlsMeta()
	var c *borderwatch.TLSClient
	var alpn []string
	if t == &s.tlsb.tls && t.Client == nil {
		c = &s.tlsb.client
		if len(ch.ALPN) <= len(s.tlsb.alpn) {
			alpn = s.tlsb.alpn[:len(ch.ALPN):len(ch.ALPN)]
		}
	} else {
		c = &borderwatch.TLSClient{}
	}
	if len(ch.ALPN) > 0 {
		if alpn == nil {
			alpn = make([]string, len(ch.ALPN))
		}
		copy(alpn, ch.ALPN)
	} else {
		alpn = nil
	}
	*c = borderwatch.TLSClient{ServerName: ch.ServerName, JA3: ja3, JA4: ja4, SupportedCiphers: ciphers, ALPN: alpn}
	t.Client = c
	if t.Version == "" {
		t.Version = versionString(ch.MaxVersion())
	}
}

func (a *Analyzer) tlsServer(s *State, data []byte) error {
	stream, stopped, err := handshakes(data)
	if err != nil {
		a.Stats.TLSErrors++
		return err
	}
	if !s.gotSH {
		body, err := handshakeMessage(stream, 2)
		if err != nil {
			if errors.Is(err, ErrNeedMore) && stopped {
				return nil
			}
			if !errors.Is(err, ErrNeedMore) {
				a.Stats.TLSErrors++
			}
			return err
		}
		sh := &a.sh
		if err := parseServerHello(sh, body); err != nil {
			a.Stats.TLSErrors++
			return err
		}
		a.Stats.TLSServerHellos++
		s.gotSH = true
		t := s.tlsMeta()
		t.Version = sh.Version()
		t.Cipher = CipherName(sh.Cipher)
		t.NextProtocol = sh.ALPN
		ja3s, hit, evicted := a.servers.lookup(sh)
		if hit {
			a.Stats.ServerMemoHits++
		}
		if evicted {
			a.Stats.ServerMemoEvicted++
		}
		if t == &s.tlsb.tls && t.Server == nil {
			t.Server = &s.tlsb.server
		} else {
			t.Server = &borderwatch.TLSServer{}
		}
		*t.Server = borderwatch.TLSServer{JA3S: ja3s}
		if sh.SupportedVersion == 0x0304 {
			return nil // the certificate is encrypted
		}
	}
	body, err := handshakeMessage(stream, 11)
	if err != nil {
		if errors.Is(err, ErrNeedMore) && stopped {
			return nil
		}
		return err
	}
	cert, err := ParseCertificate(body)
	if err != nil {
		a.Stats.CertErrors++
		return nil
	}
	a.Stats.TLSCerts++
	srv := s.TLS.Server
	srv.Subject, srv.Issuer = cert.Subject, cert.Issuer
	srv.NotBefore, srv.NotAfter = cert.NotBefore.Format(time.RFC3339), cert.NotAfter.Format(time.RFC3339)
	srv.Hash = &borderwatch.Hash{SHA1: cert.SHA1, SHA256: cert.SHA256}
	return nil
}

func (a *Analyzer) httpRequest(s *State, data []byte) error {
	r, err := ParseHTTPRequest(data)
	if err != nil {
		if !errors.Is(err, ErrNeedMore) {
			a.Stats.HTTPErrors++
		}
		return err
	}
	a.Stats.HTTPRequests++
	s.Protocol = ProtoHTTP
	s.HTTP = &borderwatch.HTTP{Version: r.Version, Request: &borderwatch.HTTPRequest{Method: r.Method}}
	u := &borderwatch.URL{Original: r.URI, Domain: r.Host}
	path, query, _ := strings.Cut(r.URI, "?")
	if strings.HasPrefix(path, "/") {
		u.Path, u.Query = path, query
	}
	s.URL = u
	if r.UserAgent != "" {
		s.UserAgent = &borderwatch.UserAgent{Original: r.UserAgent}
	}
	return nil
}

func (a *Analyzer) ssh(s *State, d int, ds *dirState, data []byte) error {
	if s.SSH == nil {
		s.SSH = &borderwatch.SSH{}
	}
	s.Protocol = ProtoSSH
	rest := data
	if !ds.sshBanner {
		banner, n, err := SSHBanner(data)
		if err != nil {
			if !errors.Is(err, ErrNeedMore) {
				a.Stats.SSHErrors++
			}
			return err
		}
		a.Stats.SSHBanners++
		ds.sshBanner = true
		if d == 0 {
			s.SSH.ClientBanner = banner
		} else {
			s.SSH.ServerBanner = banner
		}
		rest = data[n:]
		ds.buf = nil
		if len(rest) == 0 {
			return errSSHKept
		}
	}
	h, err := HASSH(rest, d == 1)
	if err != nil {
		if errors.Is(err, ErrNeedMore) {
			// keep only what follows the banner
			ds.buf = nil
			if len(rest) > 0 {
				ds.buf = append(make([]byte, 0, 4096), rest...)
			}
			return errSSHKept
		}
		a.Stats.SSHErrors++
		return err
	}
	if d == 0 {
		s.SSH.HASSH = h
	} else {
		s.SSH.HASSHServer = h
	}
	return nil
}

// errSSHKept says the SSH parser already buffered what it needs.
var errSSHKept = errors.New("ssh: buffered")

func (a *Analyzer) other(s *State, d int, data []byte, p *Packet) {
	if d == 0 {
		if cookie, ok := RDPCookie(data); ok {
			s.Protocol, s.Fingerprint = ProtoRDP, "rdp"
			if cookie != "" {
				s.RDP = &borderwatch.RDP{Cookie: cookie}
			}
			return
		}
		switch {
		case IsTeamViewer(data):
			s.Protocol, s.Fingerprint = "teamviewer", "teamviewer"
		case IsPPTP(data):
			s.Protocol, s.Fingerprint = "pptp", "pptp"
		case IsOpenVPN(data, true) && (p.DstPort == 1194 || p.DstPort == 443 || p.DstPort == 1443):
			s.Protocol, s.Fingerprint = "openvpn", "openvpn"
		}
		return
	}
	if v, ok := VNCVersion(data); ok {
		s.Protocol, s.Fingerprint = ProtoVNC, "vnc"
		s.VNC = &borderwatch.VNC{Version: v}
	}
}

func (a *Analyzer) udp(s *State, p *Packet) {
	b := p.Payload
	if p.FromClient {
		if dcid, err := QUICInitialDCID(b); err == nil && len(dcid) >= 8 {
			if s.quic == nil && s.Protocol != "" && s.Protocol != ProtoQUIC {
				return
			}
			s.Protocol = ProtoQUIC
			if s.TLS != nil && s.TLS.Client != nil {
				return
			}
			if s.quic == nil {
				s.quic = a.newQUIC()
				a.Stats.QUICInitials++
			}
			ch := &a.ch
			err := s.quic.add(b, ch, &a.names, &a.Stats)
			if err != nil {
				if !errors.Is(err, ErrNeedMore) {
					a.Stats.QUICErrors++
					a.freeQUIC(s.quic)
					s.quic = nil
				}
				return
			}
			a.freeQUIC(s.quic)
			s.quic = nil
			a.Stats.TLSClientHellos++
			a.setClientHello(s, ch, 'q')
			s.TLS.Version = "1.3"
			return
		}
	}
	if s.Fingerprint != "" || s.Protocol != "" {
		return
	}
	switch {
	case IsWireGuard(b):
		s.Protocol, s.Fingerprint = "wireguard", "wireguard"
	case (p.DstPort == 500 || p.SrcPort == 500) && IsIKE(b, false),
		(p.DstPort == 4500 || p.SrcPort == 4500) && IsIKE(b, true):
		s.Protocol, s.Fingerprint = "ike", "ike"
	case (p.DstPort == 1701 || p.SrcPort == 1701) && IsL2TP(b):
		s.Protocol, s.Fingerprint = "l2tp", "l2tp"
	case (p.DstPort == 5938 || p.SrcPort == 5938) && IsTeamViewer(b):
		s.Protocol, s.Fingerprint = "teamviewer", "teamviewer"
	case p.FromClient && IsOpenVPN(b, false) && openVPNClientStart(b, p.DstPort):
		s.Protocol, s.Fingerprint = "openvpn", "openvpn"
	}
}

// openVPNClientStart narrows the UDP fingerprint to a client's first packet: the v2 hard reset
// (0x38, not a QUIC short header) of a plausible size anywhere, the v3 one only on 1194.
func openVPNClientStart(b []byte, dport uint16) bool {
	switch b[0] >> 3 {
	case 7:
		return len(b) <= 300
	case 10:
		return dport == 1194
	}
	return dport == 1194
}

func (a *Analyzer) dns(s *State, p *Packet) {
	b := p.Payload
	if p.Proto == 6 {
		// DNS over TCP: only messages that start a segment with their length are read.
		if len(b) < 2 {
			return
		}
		n := int(b[0])<<8 | int(b[1])
		if n > len(b)-2 {
			return
		}
		b = b[2 : 2+n]
	}
	d, response, addrs, err := parseDNS(b, a.addrs[:0], &a.names, &a.Stats)
	a.addrs = addrs[:0]
	if err != nil {
		a.Stats.DNSErrors++
		return
	}
	a.Stats.DNSMessages++
	s.Protocol = ProtoDNS
	if s.DNS == nil || (response && s.DNS.Type == "query") {
		s.DNS = d
	}
	if response && a.OnDNS != nil && d.Question != nil {
		for _, at := range addrs {
			a.OnDNS(at.Addr, d.Question.Name, at.TTL, p.Time)
		}
	}
}
