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
	// Each list is gathered on the stack first and then appended at once: one allocation per
	// list instead of one per growth.
	var ips [5]netip.Addr
	nip := 0
	addIP := func(a netip.Addr) {
		if a.IsValid() && !slices.Contains(ev.Related.IP, a) && !slices.Contains(ips[:nip], a) {
			ips[nip] = a
			nip++
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
	if nip > 0 {
		ev.Related.IP = append(ev.Related.IP, ips[:nip]...)
	}
	ev.Related.User = appendNew(ev.Related.User, ev.User.Name, ev.User.Email)
	ev.Related.Hosts = appendNew(ev.Related.Hosts, ev.Source.Domain, ev.Destination.Domain)
	ev.Borderwatch.ID = ev.DocumentID()
}

// appendNew appends a and b to list, leaving out empty strings and those already there.
func appendNew(list []string, a, b string) []string {
	addA := a != "" && !slices.Contains(list, a)
	addB := b != "" && b != a && !slices.Contains(list, b)
	switch {
	case addA && addB:
		return append(list, a, b)
	case addA:
		return append(list, a)
	case addB:
		return append(list, b)
	}
	return list
}
