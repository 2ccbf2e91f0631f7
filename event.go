package borderwatch

import (
	"net/netip"
	"time"
)

// Values of event.kind.
const (
	KindEvent = "event"
	KindAlert = "alert"
)

// Values of event.category used by borderwatch.
const (
	CategoryAuthentication = "authentication"
	CategoryNetwork        = "network"
	CategorySession        = "session"
	CategoryThreat         = "threat"
)

// Values of event.outcome. An empty outcome means the source did not say.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeUnknown = "unknown"
)

// Values of network.direction, seen from the monitored (internal) networks.
const (
	DirectionInbound  = "inbound"
	DirectionOutbound = "outbound"
	DirectionInternal = "internal"
	DirectionExternal = "external"
	DirectionUnknown  = "unknown"
)

// Event is the normalized, ECS-shaped record that every stage passes on: a log line, a network
// session or an alert. JSON names are ECS field names; our own fields live under borderwatch.*.
//
// The zero value is an empty event. An Event is not safe for concurrent use; after a Source
// emits it the pipeline owns it, and every stage after that may modify it in turn.
type Event struct {
	Timestamp   time.Time   `json:"@timestamp"`
	Message     string      `json:"message,omitempty"`
	Tags        []string    `json:"tags,omitempty"`
	Labels      Labels      `json:"labels,omitempty"`
	Event       EventMeta   `json:"event"`
	Source      Endpoint    `json:"source,omitzero"`
	Destination Endpoint    `json:"destination,omitzero"`
	Client      *Endpoint   `json:"client,omitempty"` // the vendor's own view (e.g. its geolocation), kept apart from ours
	Network     Network     `json:"network,omitzero"`
	User        User        `json:"user,omitzero"`
	UserAgent   *UserAgent  `json:"user_agent,omitempty"`
	Observer    Observer    `json:"observer,omitzero"`
	Related     Related     `json:"related,omitzero"`
	Rule        *RuleInfo   `json:"rule,omitempty"`
	Threat      *Threat     `json:"threat,omitempty"`
	TLS         *TLS        `json:"tls,omitempty"`
	DNS         *DNS        `json:"dns,omitempty"`
	HTTP        *HTTP       `json:"http,omitempty"`
	URL         *URL        `json:"url,omitempty"`
	Borderwatch Borderwatch `json:"borderwatch,omitzero"`

	lender Lender // set by Lend: whose memory the event is built in
}

// Lend records that ev is built in memory l reuses: once the pipeline is done with ev (see
// Lender) it hands ev back to l.
func (ev *Event) Lend(l Lender) { ev.lender = l }

// Labels are ECS labels: flat keyword pairs.
type Labels map[string]string

// EventMeta is the ECS event.* object.
type EventMeta struct {
	Kind      string    `json:"kind,omitempty"`
	Category  []string  `json:"category,omitempty"`
	Type      []string  `json:"type,omitempty"`
	Action    string    `json:"action,omitempty"`
	Outcome   string    `json:"outcome,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Code      string    `json:"code,omitempty"`
	Dataset   string    `json:"dataset,omitempty"`
	Module    string    `json:"module,omitempty"`
	Provider  string    `json:"provider,omitempty"`
	ID        string    `json:"id,omitempty"` // the vendor's event id, when it has one
	Severity  int       `json:"severity,omitempty"`
	RiskScore float64   `json:"risk_score,omitempty"`
	Start     time.Time `json:"start,omitzero"`
	End       time.Time `json:"end,omitzero"`
	Duration  int64     `json:"duration,omitempty"` // nanoseconds
	Timezone  string    `json:"timezone,omitempty"`
	Original  string    `json:"original,omitempty"` // the raw input, capped at MaxOriginal bytes
}

// MaxOriginal caps event.original; longer inputs are cut and tagged "original_truncated".
const MaxOriginal = 16 << 10

// Endpoint is an ECS source, destination or client.
type Endpoint struct {
	Address string     `json:"address,omitempty"`
	IP      netip.Addr `json:"ip,omitzero"`
	Port    uint16     `json:"port,omitempty"`
	MAC     string     `json:"mac,omitempty"`
	Domain  string     `json:"domain,omitempty"`
	Bytes   uint64     `json:"bytes,omitempty"`
	Packets uint64     `json:"packets,omitempty"`
	NAT     *NAT       `json:"nat,omitempty"`
	Geo     *Geo       `json:"geo,omitempty"`
	AS      *AS        `json:"as,omitempty"`
}

// NAT is the translated (for VPNs: the tunnel's inner) address of an endpoint.
type NAT struct {
	IP   netip.Addr `json:"ip,omitzero"`
	Port uint16     `json:"port,omitempty"`
}

// Geo is the ECS geo object. A missing location is nil, never 0,0.
//
// AccuracyRadius and CountryOnly are borderwatch extensions: the GeoIP accuracy radius in km
// (a 67 % confidence circle) and whether the record is only a country centroid, in which case
// the location must not be used for distance arithmetic.
type Geo struct {
	ContinentCode  string    `json:"continent_code,omitempty"`
	CountryISOCode string    `json:"country_iso_code,omitempty"`
	CountryName    string    `json:"country_name,omitempty"`
	RegionISOCode  string    `json:"region_iso_code,omitempty"`
	RegionName     string    `json:"region_name,omitempty"`
	CityName       string    `json:"city_name,omitempty"`
	PostalCode     string    `json:"postal_code,omitempty"`
	Timezone       string    `json:"timezone,omitempty"`
	Location       *GeoPoint `json:"location,omitempty"`
	AccuracyRadius uint16    `json:"accuracy_radius,omitempty"`
	CountryOnly    bool      `json:"country_only,omitempty"`
}

// GeoPoint is an ECS geo_point.
type GeoPoint struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// AS is the ECS autonomous-system object.
type AS struct {
	Number       uint32       `json:"number,omitempty"`
	Organization Organization `json:"organization,omitzero"`
}

// Organization names an AS operator.
type Organization struct {
	Name string `json:"name,omitempty"`
}

// Network is the ECS network.* object.
type Network struct {
	Transport   string `json:"transport,omitempty"`
	Protocol    string `json:"protocol,omitempty"`
	Type        string `json:"type,omitempty"` // ipv4 | ipv6
	IANANumber  string `json:"iana_number,omitempty"`
	CommunityID string `json:"community_id,omitempty"`
	Direction   string `json:"direction,omitempty"`
	Application string `json:"application,omitempty"`
	Bytes       uint64 `json:"bytes,omitempty"`
	Packets     uint64 `json:"packets,omitempty"`
	VLAN        *VLAN  `json:"vlan,omitempty"`
}

// VLAN is an ECS network.vlan object.
type VLAN struct {
	ID string `json:"id,omitempty"`
}

// User is the ECS user.* object.
type User struct {
	Name     string   `json:"name,omitempty"`
	Domain   string   `json:"domain,omitempty"`
	Email    string   `json:"email,omitempty"`
	ID       string   `json:"id,omitempty"`
	FullName string   `json:"full_name,omitempty"`
	Roles    []string `json:"roles,omitempty"`
}

// UserAgent is the ECS user_agent.* object.
type UserAgent struct {
	Original string `json:"original,omitempty"`
}

// Observer is the ECS observer.* object: the sensor or appliance that saw the event.
type Observer struct {
	Hostname     string       `json:"hostname,omitempty"`
	Name         string       `json:"name,omitempty"`
	Type         string       `json:"type,omitempty"`
	Vendor       string       `json:"vendor,omitempty"`
	Product      string       `json:"product,omitempty"`
	Version      string       `json:"version,omitempty"`
	SerialNumber string       `json:"serial_number,omitempty"`
	IP           []netip.Addr `json:"ip,omitempty"`
	Ingress      *Interface   `json:"ingress,omitempty"`
}

// Interface names an observer's network interface (observer.ingress.interface.name).
type Interface struct {
	Interface InterfaceName `json:"interface"`
}

// InterfaceName is observer.ingress.interface.
type InterfaceName struct {
	Name string `json:"name,omitempty"`
}

// Related is the ECS related.* object; Normalize fills it.
type Related struct {
	IP    []netip.Addr `json:"ip,omitempty"`
	User  []string     `json:"user,omitempty"`
	Hosts []string     `json:"hosts,omitempty"`
}

// RuleInfo is the ECS rule.* object set on alerts.
type RuleInfo struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Version     string `json:"version,omitempty"`
	Category    string `json:"category,omitempty"`
	Ruleset     string `json:"ruleset,omitempty"`
	Reference   string `json:"reference,omitempty"`
}

// Threat is the ECS threat.* object (MITRE ATT&CK mapping) set on alerts where it fits.
type Threat struct {
	Framework string       `json:"framework,omitempty"`
	Tactic    ThreatEntity `json:"tactic,omitzero"`
	Technique ThreatEntity `json:"technique,omitzero"`
}

// ThreatEntity is an ECS threat.tactic or threat.technique.
type ThreatEntity struct {
	ID        []string `json:"id,omitempty"`
	Name      []string `json:"name,omitempty"`
	Reference []string `json:"reference,omitempty"`
}

// AddTag appends tag unless it is already present.
func (ev *Event) AddTag(tag string) {
	for _, t := range ev.Tags {
		if t == tag {
			return
		}
	}
	ev.Tags = append(ev.Tags, tag)
}

// HasTag reports whether ev carries tag.
func (ev *Event) HasTag(tag string) bool {
	for _, t := range ev.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// HasCategory reports whether event.category contains c.
func (ev *Event) HasCategory(c string) bool {
	for _, x := range ev.Event.Category {
		if x == c {
			return true
		}
	}
	return false
}

// SetOriginal stores raw as event.original, cut to MaxOriginal bytes.
func (ev *Event) SetOriginal(raw string) {
	if len(raw) > MaxOriginal {
		raw = raw[:MaxOriginal]
		ev.AddTag("original_truncated")
	}
	ev.Event.Original = raw
}
