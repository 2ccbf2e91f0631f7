package elasticsearch

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
)

// collect is an Emitter that keeps what it is given.
type collect struct {
	mu       sync.Mutex
	evs      []*borderwatch.Event
	rejected []borderwatch.Rejected
}

func (c *collect) Emit(_ context.Context, ev *borderwatch.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evs = append(c.evs, ev)
	return nil
}

func (c *collect) TryEmit(ev *borderwatch.Event) bool { return c.Emit(context.Background(), ev) == nil }

func (c *collect) Reject(_ context.Context, r borderwatch.Rejected) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rejected = append(c.rejected, r)
	return nil
}

func TestReaderWindowOrderAndPaging(t *testing.T) {
	cfg := testConfig(t, esURL(t))
	s := newTestSink(t, cfg)
	ctx := context.Background()

	// 90 auth events of three users over 90 minutes, published out of order, plus one without
	// a user, a session and an alert that the reader must not return.
	users := []string{"carol", "alice", "bob"}
	var evs []*borderwatch.Event
	for i := 89; i >= 0; i-- {
		evs = append(evs, authEvent(i, users[i%3]))
	}
	anon := authEvent(95, "x")
	anon.User = borderwatch.User{}
	borderwatch.Normalize(anon)
	evs = append(evs, anon, sessionEvent(3), alertEvent(1, 39.9, 116.4))
	if err := s.Publish(ctx, evs); err != nil {
		t.Fatal(err)
	}
	refresh(t, s.Client(), cfg.Index.Prefix+"-*")

	for _, tc := range []struct {
		name     string
		q        Query
		want     int // events
		noUser   int // of which without user.name (last)
		pageSize int
	}{
		{name: "all in pages of 7", q: Query{}, want: 91, noUser: 1, pageSize: 7},
		{name: "window", q: Query{Since: base.Add(10 * time.Minute), Until: base.Add(40 * time.Minute)}, want: 30, pageSize: 4},
		{name: "one user", q: Query{Users: []string{"bob"}}, want: 30, pageSize: 1000},
		{name: "exact page multiple", q: Query{Since: base, Until: base.Add(30 * time.Minute)}, want: 30, pageSize: 10},
		{name: "by time", q: Query{Order: OrderTime}, want: 91, pageSize: 10},
		{name: "empty window", q: Query{Since: base.Add(-time.Hour), Until: base}, want: 0, pageSize: 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.PageSize = tc.pageSize
			r := NewReader(s.Client(), cfg, tc.q, quietLog())
			var got collect
			if err := r.Run(ctx, &got); err != nil {
				t.Fatal(err)
			}
			if len(got.evs) != tc.want || len(got.rejected) != 0 {
				t.Fatalf("%d events and %d rejects, want %d and 0", len(got.evs), len(got.rejected), tc.want)
			}
			if pages := r.Stats().Pages.Load(); pages != uint64(tc.want/tc.pageSize+1) {
				t.Errorf("%d pages, want %d", pages, tc.want/tc.pageSize+1)
			}
			ids := map[string]bool{}
			for i, ev := range got.evs {
				if !ev.HasCategory(borderwatch.CategoryAuthentication) || ev.Event.Kind == borderwatch.KindAlert {
					t.Errorf("event %d is not an authentication event: %v %v", i, ev.Event.Kind, ev.Event.Category)
				}
				if ids[ev.DocumentID()] {
					t.Errorf("event %s returned twice", ev.DocumentID())
				}
				ids[ev.DocumentID()] = true
				if !tc.q.Since.IsZero() && (ev.Timestamp.Before(tc.q.Since) || !ev.Timestamp.Before(tc.q.Until)) {
					t.Errorf("event at %v is outside the window", ev.Timestamp)
				}
				if len(tc.q.Users) > 0 && !slices.Contains(tc.q.Users, ev.User.Name) {
					t.Errorf("event of user %q", ev.User.Name)
				}
				if i == 0 {
					continue
				}
				prev := got.evs[i-1]
				if tc.q.Order == OrderTime {
					if ev.Timestamp.Before(prev.Timestamp) {
						t.Errorf("event %d: %v before %v", i, ev.Timestamp, prev.Timestamp)
					}
					continue
				}
				switch {
				case prev.User.Name == "" && ev.User.Name != "":
					t.Errorf("event %d: user %q after an event without a user", i, ev.User.Name)
				case ev.User.Name != "" && prev.User.Name > ev.User.Name:
					t.Errorf("event %d: user %q after %q", i, ev.User.Name, prev.User.Name)
				case prev.User.Name == ev.User.Name && ev.Timestamp.Before(prev.Timestamp):
					t.Errorf("event %d of %s: %v before %v", i, ev.User.Name, ev.Timestamp, prev.Timestamp)
				}
			}
			if n := 0; tc.noUser > 0 {
				for _, ev := range got.evs[len(got.evs)-tc.noUser:] {
					if ev.User.Name == "" {
						n++
					}
				}
				if n != tc.noUser {
					t.Errorf("%d events without a user at the end, want %d", n, tc.noUser)
				}
			}
		})
	}

	// The events read back are the events written (the fields audit's rules use).
	r := NewReader(s.Client(), cfg, Query{Users: []string{"alice"}, PageSize: 5}, quietLog())
	var got collect
	if err := r.Run(ctx, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]*borderwatch.Event{}
	for _, ev := range evs {
		want[ev.DocumentID()] = ev
	}
	for _, ev := range got.evs {
		w := want[ev.DocumentID()]
		if w == nil {
			t.Fatalf("unknown event %s", ev.DocumentID())
		}
		if !ev.Timestamp.Equal(w.Timestamp) || ev.Source.IP != w.Source.IP || ev.User.Email != w.User.Email ||
			ev.Source.Geo == nil || ev.Source.Geo.Location == nil || *ev.Source.Geo.Location != *w.Source.Geo.Location ||
			ev.Event.ID != w.Event.ID || ev.Borderwatch.Input == nil || ev.Borderwatch.Input.Line != w.Borderwatch.Input.Line {
			t.Errorf("read back %+v, wrote %+v", ev, w)
		}
	}

	// The point in time is closed afterwards.
	var pits struct {
		Indices map[string]struct {
			Search struct {
				PointInTimeCurrent int `json:"point_in_time_current"`
			} `json:"search"`
		} `json:"indices"`
	}
	request(t, s.Client(), http.MethodGet, "/"+cfg.Index.Prefix+"-auth-*/_stats/search?expand_wildcards=all&level=indices", nil, &pits)
	for idx, st := range pits.Indices {
		if st.Search.PointInTimeCurrent != 0 {
			t.Errorf("%s has %d open points in time", idx, st.Search.PointInTimeCurrent)
		}
	}
}

func TestReaderUnreachable(t *testing.T) {
	cfg := DefaultConfig()
	cfg.URLs = []string{"http://127.0.0.1:1"}
	cfg.Retry.Backoff, cfg.Retry.MaxBackoff = time.Millisecond, time.Millisecond
	c, err := NewClient(cfg, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	err = NewReader(c, cfg, Query{}, quietLog()).Run(context.Background(), &collect{})
	if err == nil {
		t.Fatal("no error from an unreachable cluster")
	}
}
