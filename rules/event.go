package rules

import (
	"slices"
	"strings"

	"github.com/borderwatch/borderwatch"
)

// CountrySet is a set of ISO 3166-1 alpha-2 codes (upper case). The zero value is empty.
type CountrySet map[string]struct{}

// NewCountrySet builds a set from codes in any case.
func NewCountrySet(codes []string) CountrySet {
	s := make(CountrySet, len(codes))
	for _, c := range codes {
		s[strings.ToUpper(strings.TrimSpace(c))] = struct{}{}
	}
	return s
}

// Has reports whether code (upper case) is in the set.
func (s CountrySet) Has(code string) bool {
	if code == "" {
		return false
	}
	_, ok := s[code]
	return ok
}

// IsAuthentication reports whether ev is a login-type event (event.category authentication).
func IsAuthentication(ev *borderwatch.Event) bool {
	return ev.Event.Kind != borderwatch.KindAlert && ev.HasCategory(borderwatch.CategoryAuthentication)
}

// IsSuccessfulLogin reports whether ev is an authentication event with outcome success.
func IsSuccessfulLogin(ev *borderwatch.Event) bool {
	return IsAuthentication(ev) && ev.Event.Outcome == borderwatch.OutcomeSuccess
}

// IsInteractive is false only when the source says the login was not interactive.
func IsInteractive(ev *borderwatch.Event) bool {
	a := ev.Borderwatch.Auth
	return a == nil || a.Interactive == nil || *a.Interactive
}

// IsNetwork reports whether ev is a network session record (event.category network).
func IsNetwork(ev *borderwatch.Event) bool {
	return ev.Event.Kind != borderwatch.KindAlert && ev.HasCategory(borderwatch.CategoryNetwork)
}

// UserKey is the identity a per-user rule tracks: user.name, else user.email, else user.id,
// lower-cased, with the domain when one is given ("corp\alice" and "alice" stay apart).
func UserKey(ev *borderwatch.Event) string {
	u := ev.User.Name
	if u == "" {
		u = ev.User.Email
	}
	if u == "" {
		u = ev.User.ID
	}
	if u == "" {
		return ""
	}
	u = strings.ToLower(u)
	if d := ev.User.Domain; d != "" && !strings.Contains(u, "@") && !strings.Contains(u, `\`) {
		u = strings.ToLower(d) + `\` + u
	}
	return u
}

// Country returns the endpoint's GeoIP country code, or "".
func Country(ep *borderwatch.Endpoint) string {
	if ep == nil || ep.Geo == nil {
		return ""
	}
	return strings.ToUpper(ep.Geo.CountryISOCode)
}

// Intel returns what enrichment knows of the source (src true) or destination.
func Intel(ev *borderwatch.Event, src bool) *borderwatch.Intel {
	if src {
		return ev.Borderwatch.Source
	}
	return ev.Borderwatch.Destination
}

// HasCategory reports whether the intel carries one of the categories.
func HasCategory(in *borderwatch.Intel, cats ...string) bool {
	if in == nil {
		return false
	}
	for _, c := range cats {
		if slices.Contains(in.Categories, c) {
			return true
		}
		for _, l := range in.Lists {
			if l.Category == c {
				return true
			}
		}
	}
	return false
}

// Providers returns the provider labels of the intel's list hits ("astrill", "aws", ...).
func Providers(in *borderwatch.Intel) []string {
	if in == nil {
		return nil
	}
	var out []string
	for _, l := range in.Lists {
		if l.Provider != "" && !slices.Contains(out, l.Provider) {
			out = append(out, l.Provider)
		}
	}
	return out
}

// IsInternal reports whether enrichment marked the endpoint as internal.
func IsInternal(ev *borderwatch.Event, src bool) bool {
	in := Intel(ev, src)
	return in != nil && in.Internal
}

// DescribeEndpoint renders "203.0.113.7 (Beijing, CN, AS4134 CHINANET)" for messages.
func DescribeEndpoint(ep *borderwatch.Endpoint) string {
	if ep == nil || !ep.IP.IsValid() {
		return "an unknown address"
	}
	var b strings.Builder
	b.WriteString(ep.IP.String())
	var parts []string
	if g := ep.Geo; g != nil {
		if g.CityName != "" {
			parts = append(parts, g.CityName)
		}
		if g.CountryISOCode != "" {
			parts = append(parts, g.CountryISOCode)
		}
	}
	if as := ep.AS; as != nil && as.Number != 0 {
		s := "AS" + itoa(uint64(as.Number))
		if as.Organization.Name != "" {
			s += " " + as.Organization.Name
		}
		parts = append(parts, s)
	}
	if len(parts) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(parts, ", "))
		b.WriteString(")")
	}
	return b.String()
}

// DisplayUser is the user as written in messages.
func DisplayUser(ev *borderwatch.Event) string {
	switch {
	case ev.User.Name != "":
		return ev.User.Name
	case ev.User.Email != "":
		return ev.User.Email
	case ev.User.ID != "":
		return ev.User.ID
	}
	return "an unknown user"
}

// DocRef returns the document id of ev (computing it if Normalize has not run).
func DocRef(ev *borderwatch.Event) string {
	if ev.Borderwatch.ID != "" {
		return ev.Borderwatch.ID
	}
	return ev.DocumentID()
}

func itoa(n uint64) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}

// HumanBytes renders a byte count as "12.3 MB" (decimal units) for messages.
func HumanBytes(n uint64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if i == 0 {
		return itoa(n) + " B"
	}
	return trimFloat(f) + " " + units[i]
}

func trimFloat(f float64) string {
	s := []byte(itoa(uint64(f*10+0.5) / 10))
	d := (uint64(f*10+0.5) % 10)
	if d != 0 {
		s = append(s, '.', byte('0'+d))
	}
	return string(s)
}

// SessionBytes is the session's total volume: network.bytes, else source plus destination bytes.
func SessionBytes(ev *borderwatch.Event) uint64 {
	if ev.Network.Bytes > 0 {
		return ev.Network.Bytes
	}
	return ev.Source.Bytes + ev.Destination.Bytes
}

// Threat builds an ATT&CK threat object.
func Threat(tacticID, tacticName, techID, techName string) *borderwatch.Threat {
	t := &borderwatch.Threat{Framework: "MITRE ATT&CK"}
	t.Tactic = borderwatch.ThreatEntity{ID: []string{tacticID}, Name: []string{tacticName},
		Reference: []string{"https://attack.mitre.org/tactics/" + tacticID + "/"}}
	ref := "https://attack.mitre.org/techniques/" + strings.ReplaceAll(techID, ".", "/") + "/"
	t.Technique = borderwatch.ThreatEntity{ID: []string{techID}, Name: []string{techName}, Reference: []string{ref}}
	return t
}

// InternalSide returns which endpoint of a network session is the monitored host: "source",
// "destination" or "" when neither is known to be internal. Enrichment's internal flags decide;
// network.direction is the fallback.
func InternalSide(ev *borderwatch.Event) string {
	si, di := IsInternal(ev, true), IsInternal(ev, false)
	switch {
	case si && !di:
		return "source"
	case di && !si:
		return "destination"
	case si && di:
		return ""
	}
	switch ev.Network.Direction {
	case borderwatch.DirectionOutbound:
		return "source"
	case borderwatch.DirectionInbound:
		return "destination"
	}
	return ""
}
