package borderwatch

import "net/netip"

// This file holds the ECS objects filled by application-layer analyzers (capture/app).

// TLS is the ECS tls.* object.
type TLS struct {
	Version         string     `json:"version,omitempty"`          // "1.3"
	VersionProtocol string     `json:"version_protocol,omitempty"` // "tls"
	Cipher          string     `json:"cipher,omitempty"`
	Established     bool       `json:"established,omitempty"`
	NextProtocol    string     `json:"next_protocol,omitempty"`
	Client          *TLSClient `json:"client,omitempty"`
	Server          *TLSServer `json:"server,omitempty"`
}

// TLSClient is tls.client.*; JA4 is not yet an ECS field and is kept beside JA3.
type TLSClient struct {
	ServerName       string   `json:"server_name,omitempty"`
	JA3              string   `json:"ja3,omitempty"`
	JA4              string   `json:"ja4,omitempty"`
	SupportedCiphers []string `json:"supported_ciphers,omitempty"`
	ALPN             []string `json:"alpn,omitempty"`
}

// TLSServer is tls.server.*.
type TLSServer struct {
	JA3S      string `json:"ja3s,omitempty"`
	Subject   string `json:"subject,omitempty"`
	Issuer    string `json:"issuer,omitempty"`
	NotBefore string `json:"not_before,omitempty"`
	NotAfter  string `json:"not_after,omitempty"`
	Hash      *Hash  `json:"hash,omitempty"`
}

// Hash holds certificate digests (tls.server.hash.*).
type Hash struct {
	SHA1   string `json:"sha1,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// DNS is the ECS dns.* object.
type DNS struct {
	ID           string       `json:"id,omitempty"`
	Type         string       `json:"type,omitempty"` // query | answer
	OpCode       string       `json:"op_code,omitempty"`
	ResponseCode string       `json:"response_code,omitempty"`
	HeaderFlags  []string     `json:"header_flags,omitempty"`
	Question     *DNSQuestion `json:"question,omitempty"`
	Answers      []DNSAnswer  `json:"answers,omitempty"`
	ResolvedIP   []netip.Addr `json:"resolved_ip,omitempty"`
}

// DNSQuestion is dns.question.*.
type DNSQuestion struct {
	Name             string `json:"name,omitempty"`
	Type             string `json:"type,omitempty"`
	Class            string `json:"class,omitempty"`
	RegisteredDomain string `json:"registered_domain,omitempty"`
}

// DNSAnswer is one element of dns.answers.
type DNSAnswer struct {
	Name  string `json:"name,omitempty"`
	Type  string `json:"type,omitempty"`
	Class string `json:"class,omitempty"`
	TTL   uint32 `json:"ttl,omitempty"`
	Data  string `json:"data,omitempty"`
}

// HTTP is the ECS http.* object.
type HTTP struct {
	Version  string        `json:"version,omitempty"`
	Request  *HTTPRequest  `json:"request,omitempty"`
	Response *HTTPResponse `json:"response,omitempty"`
}

// HTTPRequest is http.request.*.
type HTTPRequest struct {
	Method string `json:"method,omitempty"`
	Bytes  uint64 `json:"bytes,omitempty"`
}

// HTTPResponse is http.response.*.
type HTTPResponse struct {
	StatusCode int `json:"status_code,omitempty"`
}

// URL is the ECS url.* object.
type URL struct {
	Original string `json:"original,omitempty"`
	Domain   string `json:"domain,omitempty"`
	Path     string `json:"path,omitempty"`
	Query    string `json:"query,omitempty"`
}
