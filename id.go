package borderwatch

import (
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strconv"
	"sync"
	"time"
	"unsafe"
)

// DocumentID returns the event's deterministic document id (the Elasticsearch _id), so that
// replaying the same input yields the same ids and "create" turns a replay into a duplicate
// (409) instead of a second copy. In order of preference it derives from:
//   - alerts: rule id, suppression key, first-seen time and the events behind the alert;
//   - flows: community id, flow start, record time and observer;
//   - vendor event ids (event.id) within their dataset;
//   - the raw input (event.original) within its dataset;
//   - otherwise the normalized fields that identify the event.
//
// An id already stored in borderwatch.id is returned unchanged.
func (ev *Event) DocumentID() string {
	if ev.Borderwatch.ID != "" {
		return ev.Borderwatch.ID
	}
	h := hashers.Get().(hash.Hash)
	defer hashers.Put(h)
	h.Reset()
	add := func(parts ...string) {
		for _, p := range parts {
			// The hash reads the bytes and keeps none of them, so the string need not be copied.
			h.Write(unsafe.Slice(unsafe.StringData(p), len(p)))
			h.Write(separator[:])
		}
	}
	ts := func(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }
	switch {
	case ev.Event.Kind == KindAlert && ev.Rule != nil:
		add("alert", ev.Rule.ID)
		if a := ev.Borderwatch.Alert; a != nil {
			add(a.Key, ts(a.FirstSeen))
			add(a.Refs...)
		} else {
			add(ts(ev.Timestamp))
		}
	case ev.Network.CommunityID != "" && ev.Borderwatch.Flow != nil:
		add("flow", ev.Network.CommunityID, ts(ev.Event.Start), ts(ev.Timestamp), ev.Observer.Name, ev.Observer.Hostname)
	case ev.Event.ID != "":
		add("id", ev.Event.Dataset, ev.Event.ID, ev.Event.Action)
	case ev.Event.Original != "":
		add("raw", ev.Event.Dataset, ev.Event.Original)
	default:
		add("fields", ev.Event.Dataset, ts(ev.Timestamp), ev.Event.Action, ev.Event.Outcome,
			ev.User.Name, ev.Source.IP.String(), ev.Destination.IP.String(),
			strconv.Itoa(int(ev.Source.Port)), strconv.Itoa(int(ev.Destination.Port)))
	}
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.EncodeToString(h.Sum(sum[:0])[:15])
}

// hashers reuses SHA-256 states across events; separator ends each hashed part.
var (
	hashers   = sync.Pool{New: func() any { return sha256.New() }}
	separator = [1]byte{0}
)
