package replay_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/rules/replay"
)

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
func (c *collect) TryEmit(ev *borderwatch.Event) bool { c.Emit(context.Background(), ev); return true }
func (c *collect) Reject(_ context.Context, r borderwatch.Rejected) error {
	c.rejected = append(c.rejected, r)
	return nil
}

const input = `{"@timestamp":"2026-03-02T09:00:00+01:00","event":{"kind":"event","category":["authentication"],"outcome":"success"},"user":{"name":"alice"},"source":{"ip":"198.51.100.1","geo":{"country_iso_code":"US"}}}

not json
{"@timestamp":"2026-03-02T09:00:00Z","event":{"kind":"alert"},"rule":{"name":"x"}}
{"event":{"kind":"event"}}
{"@timestamp":"2026-03-02T09:00:00Z","source":{"ip":"300.1.1.1"}}
`

func TestSource(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "a.ndjson")
	os.WriteFile(plain, []byte(input), 0o600)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(input))
	zw.Close()
	packed := filepath.Join(dir, "b.ndjson.gz")
	os.WriteFile(packed, gz.Bytes(), 0o600)
	for _, p := range []string{plain, packed} {
		s := &replay.Source{Paths: []string{p}}
		var c collect
		if err := s.Run(context.Background(), &c); err != nil {
			t.Fatal(err)
		}
		if len(c.evs) != 1 || s.Skipped != 1 || len(c.rejected) != 3 {
			t.Fatalf("%s: %d events, %d skipped, %d rejected", p, len(c.evs), s.Skipped, len(c.rejected))
		}
		ev := c.evs[0]
		if ev.User.Name != "alice" || ev.Timestamp.Location().String() != "UTC" || ev.Timestamp.Hour() != 8 || ev.Borderwatch.Input.Line != 1 {
			t.Errorf("event %+v", ev)
		}
		wants := []string{p + ":3", p + ":5", p + ":6"}
		for i, r := range c.rejected {
			if r.Where != wants[i] || r.Format != "ecs" || r.Err == nil {
				t.Errorf("reject %d: %+v, want at %s", i, r, wants[i])
			}
		}
		if !strings.Contains(c.rejected[1].Err.Error(), "no @timestamp") {
			t.Errorf("reason %v", c.rejected[1].Err)
		}
	}
	if err := (&replay.Source{Paths: []string{filepath.Join(dir, "missing")}}).Run(context.Background(), &collect{}); err == nil {
		t.Error("missing file accepted")
	}
}

func TestLooksLikeECS(t *testing.T) {
	for in, want := range map[string]bool{
		input: true,
		`{"eventType":"user.session.start","published":"2026-03-02T09:00:00Z"}`: false,
		"<134>Mar  2 09:00:00 asa %ASA-6-113039: ...":                           false,
		"": false,
	} {
		if got := replay.LooksLikeECS([]byte(in)); got != want {
			t.Errorf("%.40q: %v, want %v", in, got, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, l := range strings.Split(input, "\n") {
		f.Add([]byte(l))
	}
	f.Add([]byte(`{"@timestamp":"2026-03-02T09:00:00Z","source":{"ip":"::ffff:1.2.3.4","geo":{"location":{"lat":1e400}}}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := replay.Decode(raw)
		if err == nil && (ev == nil || ev.Timestamp.IsZero()) {
			t.Fatal("accepted an event without a timestamp")
		}
		_ = replay.Scan(bytes.NewReader(raw), func(int64, *borderwatch.Event, error, []byte) error { return nil })
		replay.LooksLikeECS(raw)
	})
}
