package borderwatch

import (
	"strings"
	"testing"
	"time"
)

// TestDocumentIDPaths checks that the one-call hash of short parts gives the same id as the
// streaming hash, for every kind of event and at the edge of the stack buffer.
func TestDocumentIDPaths(t *testing.T) {
	for name, ev := range sampleEvents() {
		if got, want := ev.DocumentID(), ev.documentIDStream(); got != want {
			t.Errorf("%s: id %q, streaming hash gives %q", name, got, want)
		}
	}
	for n := 200; n < 280; n++ {
		ev := sampleEvents()["auth"]
		ev.Event.ID = strings.Repeat("x", n)
		if got, want := ev.DocumentID(), ev.documentIDStream(); got != want {
			t.Errorf("event.id of %d bytes: id %q, streaming hash gives %q", n, got, want)
		}
		f := sampleEvents()["flow"]
		f.Observer.Hostname = strings.Repeat("h", n-100)
		f.Event.Start = time.Unix(0, -1<<63) // the longest decimal time
		if got, want := f.DocumentID(), f.documentIDStream(); got != want {
			t.Errorf("flow, hostname of %d bytes: id %q, streaming hash gives %q", n-100, got, want)
		}
	}
}

func TestDocumentIDAllocs(t *testing.T) {
	ev := sampleEvents()["auth"]
	if n := testing.AllocsPerRun(100, func() { _ = ev.DocumentID() }); n > 1 {
		t.Errorf("DocumentID of an event with event.id: %v allocations, want 1 (the id)", n)
	}
}

func FuzzDocumentIDPaths(f *testing.F) {
	f.Add("okta", "00000000-080e-11ef", "user.session.start", "", int64(0), int64(0))
	f.Add("flow", "", "", "1:abc=", int64(1), int64(-1))
	f.Fuzz(func(t *testing.T, dataset, id, action, community string, start, ts int64) {
		ev := &Event{Timestamp: time.Unix(0, ts)}
		ev.Event.Dataset, ev.Event.ID, ev.Event.Action = dataset, id, action
		ev.Event.Start = time.Unix(0, start)
		if community != "" {
			ev.Network.CommunityID = community
			ev.Borderwatch.Flow = &Flow{}
			ev.Observer.Name = action
		}
		if got, want := ev.DocumentID(), ev.documentIDStream(); got != want {
			t.Fatalf("id %q, streaming hash gives %q", got, want)
		}
	})
}
