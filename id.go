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
// The id is the base64url SHA-256 (first 15 bytes) of those parts, each followed by a zero
// byte; times are decimal Unix nanoseconds. An id already stored in borderwatch.id is
// returned unchanged.
func (ev *Event) DocumentID() string {
	if ev.Borderwatch.ID != "" {
		return ev.Borderwatch.ID
	}
	// Parts that fit in a buffer on the stack are hashed in one call; longer ones (a raw
	// line, an alert's references) go through a pooled streaming hash. Both hash the same
	// bytes.
	var p idParts
	switch {
	case ev.Event.Kind == KindAlert && ev.Rule != nil:
		p.over = true // an alert hashes its references: too long for the stack
	case ev.Network.CommunityID != "" && ev.Borderwatch.Flow != nil:
		p.add("flow")
		p.add(ev.Network.CommunityID)
		p.addTime(ev.Event.Start)
		p.addTime(ev.Timestamp)
		p.add(ev.Observer.Name)
		p.add(ev.Observer.Hostname)
	case ev.Event.ID != "":
		p.add("id")
		p.add(ev.Event.Dataset)
		p.add(ev.Event.ID)
		p.add(ev.Event.Action)
	default: // the raw line, or the normalized fields
		p.over = true
	}
	if p.over {
		return ev.documentIDStream()
	}
	return encodeID(sha256.Sum256(p.buf[:p.n]))
}

// idParts is the hashed input of a short id, built on the caller's stack.
type idParts struct {
	buf  [256]byte
	n    int
	over bool // did not fit: use documentIDStream
}

func (p *idParts) add(s string) {
	if p.over || p.n+len(s)+1 > len(p.buf) {
		p.over = true
		return
	}
	p.n += copy(p.buf[p.n:], s)
	p.buf[p.n] = 0
	p.n++
}

// addTime adds t as decimal Unix nanoseconds (at most 20 bytes).
func (p *idParts) addTime(t time.Time) {
	if p.over || p.n+21 > len(p.buf) {
		p.over = true
		return
	}
	p.n = len(strconv.AppendInt(p.buf[:p.n], t.UnixNano(), 10))
	p.buf[p.n] = 0
	p.n++
}

func encodeID(sum [sha256.Size]byte) string {
	var out [20]byte // base64 of 15 bytes, no padding
	base64.RawURLEncoding.Encode(out[:], sum[:15])
	return string(out[:])
}

// documentIDStream is DocumentID for every kind of event, hashing the parts in a pooled
// streaming SHA-256 state.
func (ev *Event) documentIDStream() string {
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
	h.Sum(sum[:0])
	return encodeID(sum)
}

// hashers reuses SHA-256 states across events; separator ends each hashed part.
var (
	hashers   = sync.Pool{New: func() any { return sha256.New() }}
	separator = [1]byte{0}
)
