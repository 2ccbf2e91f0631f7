package borderwatch

import (
	"net/netip"
	"slices"
)

// Normalize computes the derived fields in one place, after parsing and enrichment and before
// rules: UTC timestamps, event.duration from start and end, related.ip and related.user,
// event.kind when unset, and the deterministic document id in borderwatch.id.
func Normalize(ev *Event) {
	ev.Timestamp = ev.Timestamp.UTC()
	if ev.Event.Kind == "" {
		ev.Event.Kind = KindEvent
	}
	if !ev.Event.Start.IsZero() {
		ev.Event.Start = ev.Event.Start.UTC()
	}
	if !ev.Event.End.IsZero() {
		ev.Event.End = ev.Event.End.UTC()
		if ev.Event.Duration == 0 && !ev.Event.Start.IsZero() && ev.Event.End.After(ev.Event.Start) {
			ev.Event.Duration = int64(ev.Event.End.Sub(ev.Event.Start))
		}
	}
	addIP := func(a netip.Addr) {
		if a.IsValid() && !slices.Contains(ev.Related.IP, a) {
			ev.Related.IP = append(ev.Related.IP, a)
		}
	}
	addIP(ev.Source.IP)
	addIP(ev.Destination.IP)
	if ev.Source.NAT != nil {
		addIP(ev.Source.NAT.IP)
	}
	if ev.Destination.NAT != nil {
		addIP(ev.Destination.NAT.IP)
	}
	if ev.Client != nil {
		addIP(ev.Client.IP)
	}
	addUser := func(u string) {
		if u != "" && !slices.Contains(ev.Related.User, u) {
			ev.Related.User = append(ev.Related.User, u)
		}
	}
	addUser(ev.User.Name)
	addUser(ev.User.Email)
	addHost := func(h string) {
		if h != "" && !slices.Contains(ev.Related.Hosts, h) {
			ev.Related.Hosts = append(ev.Related.Hosts, h)
		}
	}
	addHost(ev.Source.Domain)
	addHost(ev.Destination.Domain)
	ev.Borderwatch.ID = ev.DocumentID()
}
