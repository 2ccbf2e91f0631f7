package app

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/borderwatch/borderwatch"
)

// App categories.
const (
	CategoryRemoteAccess = "remote_access"
	CategoryVPN          = "vpn"
	CategoryProxy        = "proxy"
)

// Signature describes one remote-access tool, VPN or proxy: the server ports it uses, the DNS
// name suffixes of its services, substrings of its self-signed certificates' subjects, and the
// payload fingerprint that names it. It is data: users add their own in the config.
type Signature struct {
	Name         string   `yaml:"name"`
	Category     string   `yaml:"category"`                // remote_access | vpn | proxy
	TCPPorts     []string `yaml:"tcp_ports,omitempty"`     // "5938", "21115-21119"
	UDPPorts     []string `yaml:"udp_ports,omitempty"`     //
	Domains      []string `yaml:"domains,omitempty"`       // suffixes: "teamviewer.com" matches it and its subdomains
	CertSubjects []string `yaml:"cert_subjects,omitempty"` // substrings of tls.server.subject, e.g. "O=PiKVM"
	Payload      string   `yaml:"payload,omitempty"`       // built-in fingerprint: wireguard, openvpn, ike, l2tp, pptp, teamviewer, rdp, vnc, esp
}

// DefaultSignatures is the built-in table (DETECTION.md).
func DefaultSignatures() []Signature {
	return []Signature{
		{Name: "teamviewer", Category: CategoryRemoteAccess, TCPPorts: []string{"5938"}, UDPPorts: []string{"5938"}, Domains: []string{"teamviewer.com", "teamviewer.cn"}, Payload: "teamviewer"},
		{Name: "anydesk", Category: CategoryRemoteAccess, TCPPorts: []string{"6568"}, Domains: []string{"anydesk.com"}},
		{Name: "rustdesk", Category: CategoryRemoteAccess, TCPPorts: []string{"21115-21119"}, UDPPorts: []string{"21116"}, Domains: []string{"rustdesk.com"}},
		{Name: "chrome_remote_desktop", Category: CategoryRemoteAccess, UDPPorts: []string{"12400-12409"}, Domains: []string{"remotedesktop-pa.googleapis.com", "remotedesktop.google.com"}},
		{Name: "splashtop", Category: CategoryRemoteAccess, TCPPorts: []string{"6783-6785"}, Domains: []string{"splashtop.com", "splashtop.eu"}},
		{Name: "screenconnect", Category: CategoryRemoteAccess, TCPPorts: []string{"8040-8041"}, Domains: []string{"screenconnect.com"}},
		{Name: "goto", Category: CategoryRemoteAccess, Domains: []string{"logmein.com", "logme.in", "logmeininc.com", "gotomypc.com", "gotoassist.com", "getgo.com", "goto.com"}},
		{Name: "atera", Category: CategoryRemoteAccess, Domains: []string{"atera.com", "atera-agent-heartbeat.servicebus.windows.net"}},
		{Name: "kaseya", Category: CategoryRemoteAccess, Domains: []string{"kaseya.com", "kaseya.net"}},
		{Name: "parsec", Category: CategoryRemoteAccess, Domains: []string{"parsec.app", "parsecgaming.com"}},
		{Name: "getscreen", Category: CategoryRemoteAccess, Domains: []string{"getscreen.me"}},
		{Name: "zoho_assist", Category: CategoryRemoteAccess, Domains: []string{"zohoassist.com", "assist.zoho.com"}},
		{Name: "beyondtrust", Category: CategoryRemoteAccess, Domains: []string{"beyondtrustcloud.com", "bomgarcloud.com"}},
		{Name: "meshcentral", Category: CategoryRemoteAccess, Domains: []string{"meshcentral.com"}},
		{Name: "rdp", Category: CategoryRemoteAccess, TCPPorts: []string{"3389"}, UDPPorts: []string{"3389"}, Payload: "rdp"},
		{Name: "vnc", Category: CategoryRemoteAccess, TCPPorts: []string{"5900-5903", "5800"}, Payload: "vnc"},
		{Name: "pikvm", Category: CategoryRemoteAccess, CertSubjects: []string{"O=PiKVM", "CN=PiKVM", "pikvm"}},
		{Name: "tinypilot", Category: CategoryRemoteAccess, CertSubjects: []string{"tinypilot", "TinyPilot"}},
		{Name: "astrill", Category: CategoryVPN, Domains: []string{"astrill.com", "astrill.org", "astrill.net"}},
		{Name: "nordvpn", Category: CategoryVPN, Domains: []string{"nordvpn.com", "nordvpn.net"}},
		{Name: "expressvpn", Category: CategoryVPN, Domains: []string{"expressvpn.com", "expressvpn.net", "expressapisv2.net"}},
		{Name: "protonvpn", Category: CategoryVPN, Domains: []string{"protonvpn.com", "protonvpn.ch", "protonvpn.net"}},
		{Name: "surfshark", Category: CategoryVPN, Domains: []string{"surfshark.com"}},
		{Name: "mullvad", Category: CategoryVPN, Domains: []string{"mullvad.net"}},
		{Name: "pia", Category: CategoryVPN, Domains: []string{"privateinternetaccess.com"}},
		{Name: "windscribe", Category: CategoryVPN, Domains: []string{"windscribe.com"}},
		{Name: "tunnelbear", Category: CategoryVPN, Domains: []string{"tunnelbear.com"}},
		{Name: "hotspotshield", Category: CategoryVPN, Domains: []string{"hotspotshield.com", "hsselite.com"}},
		{Name: "wireguard", Category: CategoryVPN, UDPPorts: []string{"51820"}, Payload: "wireguard"},
		{Name: "openvpn", Category: CategoryVPN, TCPPorts: []string{"1194"}, UDPPorts: []string{"1194"}, Payload: "openvpn"},
		{Name: "ipsec", Category: CategoryVPN, UDPPorts: []string{"500", "4500"}, Payload: "ike"},
		{Name: "ipsec_esp", Category: CategoryVPN, Payload: "esp"},
		{Name: "l2tp", Category: CategoryVPN, UDPPorts: []string{"1701"}, Payload: "l2tp"},
		{Name: "pptp", Category: CategoryVPN, TCPPorts: []string{"1723"}, Payload: "pptp"},
		{Name: "ngrok", Category: CategoryProxy, Domains: []string{"ngrok.io", "ngrok.com", "ngrok-free.app", "ngrok.app"}},
	}
}

// Identifier matches flows against signatures. The zero value matches nothing; it is
// immutable after NewIdentifier and safe for concurrent use.
type Identifier struct {
	domains map[string]*Signature
	tcp     map[uint16]*Signature
	udp     map[uint16]*Signature
	certs   []certSig
	payload map[string]*Signature
}

type certSig struct {
	sub string
	sig *Signature
}

func parsePorts(specs []string) ([][2]uint16, error) {
	var out [][2]uint16
	for _, s := range specs {
		lo, hi, rng := strings.Cut(strings.TrimSpace(s), "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil || a == 0 {
			return nil, fmt.Errorf("port %q: want a number 1-65535 or a range like 21115-21119", s)
		}
		b := a
		if rng {
			if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
				return nil, fmt.Errorf("port range %q: want low-high with low <= high", s)
			}
		}
		out = append(out, [2]uint16{uint16(a), uint16(b)})
	}
	return out, nil
}

var knownPayloads = map[string]bool{"wireguard": true, "openvpn": true, "ike": true, "l2tp": true,
	"pptp": true, "teamviewer": true, "rdp": true, "vnc": true, "esp": true}

// NewIdentifier builds an identifier; later signatures override earlier ones for the same
// port, domain or payload, so user entries placed after the defaults win.
func NewIdentifier(sigs []Signature) (*Identifier, error) {
	id := &Identifier{domains: map[string]*Signature{}, tcp: map[uint16]*Signature{},
		udp: map[uint16]*Signature{}, payload: map[string]*Signature{}}
	for i := range sigs {
		s := &sigs[i]
		if s.Name == "" {
			return nil, fmt.Errorf("signature %d: name is empty", i+1)
		}
		switch s.Category {
		case CategoryRemoteAccess, CategoryVPN, CategoryProxy:
		default:
			return nil, fmt.Errorf("%s: category %q is not known: use remote_access, vpn or proxy", s.Name, s.Category)
		}
		for _, set := range []struct {
			specs []string
			m     map[uint16]*Signature
		}{{s.TCPPorts, id.tcp}, {s.UDPPorts, id.udp}} {
			rs, err := parsePorts(set.specs)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.Name, err)
			}
			for _, r := range rs {
				if int(r[1])-int(r[0]) > 1024 {
					return nil, fmt.Errorf("%s: port range %d-%d is wider than 1024 ports", s.Name, r[0], r[1])
				}
				for p := int(r[0]); p <= int(r[1]); p++ {
					set.m[uint16(p)] = s
				}
			}
		}
		for _, d := range s.Domains {
			d = strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(d)), "*."), ".")
			if d == "" || strings.ContainsAny(d, " /*") {
				return nil, fmt.Errorf("%s: domain %q: want a name suffix such as example.com", s.Name, d)
			}
			id.domains[d] = s
		}
		for _, c := range s.CertSubjects {
			if c != "" {
				id.certs = append(id.certs, certSig{strings.ToLower(c), s})
			}
		}
		if s.Payload != "" {
			if !knownPayloads[s.Payload] {
				return nil, fmt.Errorf("%s: payload %q is not a built-in fingerprint (wireguard, openvpn, ike, l2tp, pptp, teamviewer, rdp, vnc, esp)", s.Name, s.Payload)
			}
			id.payload[s.Payload] = s
		}
	}
	return id, nil
}

// ByDomain returns the signature whose suffix matches name most specifically.
func (id *Identifier) ByDomain(name string) (*Signature, string) {
	if id == nil || name == "" {
		return nil, ""
	}
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	for s := name; s != ""; {
		if sig, ok := id.domains[s]; ok {
			return sig, s
		}
		i := strings.IndexByte(s, '.')
		if i < 0 {
			break
		}
		s = s[i+1:]
	}
	return nil, ""
}

// ByPort returns the signature of a server port.
func (id *Identifier) ByPort(proto uint8, port uint16) *Signature {
	if id == nil {
		return nil
	}
	switch proto {
	case 6:
		return id.tcp[port]
	case 17:
		return id.udp[port]
	}
	return nil
}

// IsServerPort reports whether port is a known service port (for client/server guessing).
func (id *Identifier) IsServerPort(proto uint8, port uint16) bool {
	return id.ByPort(proto, port) != nil
}

// Evidence is what Identify looks at.
type Evidence struct {
	Proto      uint8
	ServerPort uint16
	State      *State // may be nil
	PassiveDNS string
}

// Identify names the tool or VPN behind a flow, strongest evidence first: names (SNI, HTTP
// host, DNS question, passive DNS), certificate subjects, payload fingerprints, then ports.
// It returns nil when nothing matches.
func (id *Identifier) Identify(e Evidence) *borderwatch.App {
	if id == nil {
		return nil
	}
	var app *borderwatch.App
	add := func(s *Signature, ev string) {
		if app == nil {
			app = &borderwatch.App{Name: s.Name, Category: s.Category}
		}
		if s.Name == app.Name {
			app.Evidence = append(app.Evidence, ev)
		}
	}
	if s := e.State; s != nil {
		if s.TLS != nil && s.TLS.Client != nil && s.TLS.Client.ServerName != "" {
			if sig, _ := id.ByDomain(s.TLS.Client.ServerName); sig != nil {
				add(sig, "sni:"+s.TLS.Client.ServerName)
			}
		}
		if s.URL != nil && s.URL.Domain != "" {
			if sig, _ := id.ByDomain(s.URL.Domain); sig != nil {
				add(sig, "http_host:"+s.URL.Domain)
			}
		}
		if s.DNS != nil && s.DNS.Question != nil {
			if sig, _ := id.ByDomain(s.DNS.Question.Name); sig != nil {
				add(sig, "dns:"+s.DNS.Question.Name)
			}
		}
	}
	if e.PassiveDNS != "" {
		if sig, _ := id.ByDomain(e.PassiveDNS); sig != nil {
			add(sig, "passive_dns:"+e.PassiveDNS)
		}
	}
	if s := e.State; s != nil {
		if s.TLS != nil && s.TLS.Server != nil && s.TLS.Server.Subject != "" {
			subj := strings.ToLower(s.TLS.Server.Subject)
			for _, c := range id.certs {
				if strings.Contains(subj, c.sub) {
					add(c.sig, "cert_subject:"+s.TLS.Server.Subject)
					break
				}
			}
		}
		if s.Fingerprint != "" {
			if sig := id.payload[s.Fingerprint]; sig != nil {
				add(sig, "payload:"+s.Fingerprint)
			}
		}
	}
	if e.Proto == 50 {
		if sig := id.payload["esp"]; sig != nil {
			add(sig, "transport:esp")
		}
	}
	if sig := id.ByPort(e.Proto, e.ServerPort); sig != nil {
		proto := "tcp"
		if e.Proto == 17 {
			proto = "udp"
		}
		add(sig, "port:"+proto+"/"+strconv.Itoa(int(e.ServerPort)))
	}
	return app
}
