package borderwatch

import (
	"net/netip"
	"time"
)

// Borderwatch is the borderwatch.* namespace: what ECS has no field for.
type Borderwatch struct {
	ID          string  `json:"id,omitempty"` // the deterministic document id (Elasticsearch _id); see DocumentID
	Input       *Input  `json:"input,omitempty"`
	App         *App    `json:"app,omitempty"`
	Flow        *Flow   `json:"flow,omitempty"`
	Auth        *Auth   `json:"auth,omitempty"`
	Vendor      *Vendor `json:"vendor,omitempty"`
	Source      *Intel  `json:"source,omitempty"`      // what enrichment knows of source.ip
	Destination *Intel  `json:"destination,omitempty"` // what enrichment knows of destination.ip
	Alert       *Alert  `json:"alert,omitempty"`
}

// Input says where an event was read: a file and line, or a listener and sender.
type Input struct {
	Type   string `json:"type,omitempty"` // file | stdin | syslog | pcap | interface | elasticsearch
	Path   string `json:"path,omitempty"`
	Line   int64  `json:"line,omitempty"`
	Offset int64  `json:"offset,omitempty"`
	Sender string `json:"sender,omitempty"`
}

// App is what an analyzer identified a session as.
type App struct {
	Name     string   `json:"name,omitempty"`     // teamviewer, anydesk, wireguard, astrill, ...
	Category string   `json:"category,omitempty"` // remote_access | vpn | proxy
	Evidence []string `json:"evidence,omitempty"` // port:5938, sni:master1.teamviewer.com, payload:...
	SSH      *SSH     `json:"ssh,omitempty"`
	RDP      *RDP     `json:"rdp,omitempty"`
	VNC      *VNC     `json:"vnc,omitempty"`
}

// SSH holds SSH banners and HASSH fingerprints.
type SSH struct {
	ClientBanner string `json:"client_banner,omitempty"`
	ServerBanner string `json:"server_banner,omitempty"`
	HASSH        string `json:"hassh,omitempty"`
	HASSHServer  string `json:"hassh_server,omitempty"`
}

// RDP holds the X.224 connection-request cookie.
type RDP struct {
	Cookie string `json:"cookie,omitempty"`
}

// VNC holds the RFB protocol version banner.
type VNC struct {
	Version string `json:"version,omitempty"`
}

// Flow is session bookkeeping from the flow table.
type Flow struct {
	ID            string   `json:"id,omitempty"`
	Final         bool     `json:"final"`
	Reason        string   `json:"reason,omitempty"` // idle | fin | rst | active | eviction | end
	SourcePayload uint64   `json:"source_payload_bytes,omitempty"`
	DestPayload   uint64   `json:"destination_payload_bytes,omitempty"`
	TCPFlags      []string `json:"tcp_flags,omitempty"`
	Tunnel        *Tunnel  `json:"tunnel,omitempty"`
	VLANs         []uint16 `json:"vlans,omitempty"`
	PassiveDNS    []string `json:"passive_dns,omitempty"`
}

// Tunnel is the outer encapsulation of a session seen inside a tunnel.
type Tunnel struct {
	Type     string     `json:"type,omitempty"` // gre | erspan | vxlan | geneve | ipip | 6in4
	SourceIP netip.Addr `json:"source_ip,omitzero"`
	DestIP   netip.Addr `json:"destination_ip,omitzero"`
	VNI      uint32     `json:"vni,omitempty"`
}

// Auth holds authentication details that ECS has no field for.
type Auth struct {
	SessionID   string `json:"session_id,omitempty"`
	Method      string `json:"method,omitempty"`      // password, publickey, saml, ...
	MFA         string `json:"mfa,omitempty"`         // the second factor, when one was used
	Interactive *bool  `json:"interactive,omitempty"` // nil: the source does not say
	Application string `json:"application,omitempty"`
	LoginType   string `json:"login_type,omitempty"`
	TunnelType  string `json:"tunnel_type,omitempty"`
}

// Vendor holds the source's own risk signals, kept as the vendor stated them.
type Vendor struct {
	RiskLevel   string   `json:"risk_level,omitempty"`
	RiskReasons []string `json:"risk_reasons,omitempty"`
	IsProxy     *bool    `json:"is_proxy,omitempty"`
	Tunnels     []string `json:"tunnels,omitempty"`
	Detections  []string `json:"detections,omitempty"`
	ASNumber    uint32   `json:"as_number,omitempty"`
	ASOrg       string   `json:"as_organization,omitempty"`
	AppCategory string   `json:"app_category,omitempty"`
}

// Intel is what enrichment knows of one address beyond ECS geo and as.
type Intel struct {
	Internal    bool      `json:"internal,omitempty"`
	Lists       []ListHit `json:"lists,omitempty"`
	Categories  []string  `json:"categories,omitempty"` // union of the lists' categories and anonymous flags
	Anonymous   []string  `json:"anonymous,omitempty"`  // MaxMind anonymous-IP flags that are set
	Allowlisted []string  `json:"allowlisted,omitempty"`
	Names       []string  `json:"names,omitempty"` // passive-DNS names for the address
}

// ListHit is one range list that contains an address.
type ListHit struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	Provider string `json:"provider,omitempty"`
}

// Alert is the evidence an alert carries.
type Alert struct {
	Severity     string    `json:"severity,omitempty"` // low | medium | high | critical
	Key          string    `json:"key,omitempty"`      // the suppression key, e.g. the user
	Count        int       `json:"count,omitempty"`
	FirstSeen    time.Time `json:"first_seen,omitzero"`
	LastSeen     time.Time `json:"last_seen,omitzero"`
	Reasons      []string  `json:"reasons,omitempty"`
	Refs         []string  `json:"refs,omitempty"` // document ids of the events behind the alert
	Countries    []string  `json:"countries,omitempty"`
	Users        []string  `json:"users,omitempty"`
	Matched      []string  `json:"matched,omitempty"`
	DistanceKm   float64   `json:"distance_km,omitempty"`
	SpeedKmh     float64   `json:"speed_kmh,omitempty"`
	Previous     *Endpoint `json:"previous,omitempty"` // the earlier endpoint for travel-like rules
	PreviousTime time.Time `json:"previous_time,omitzero"`
}
