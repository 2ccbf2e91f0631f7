package report

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch"
)

// FuzzCollector feeds arbitrary ECS documents (as alerts and events) through a Collector with
// tight bounds and renders every format: nothing may panic, and hostile text must come out
// escaped in the HTML.
func FuzzCollector(f *testing.F) {
	for _, ev := range sampleDay() {
		b, _ := json.Marshal(ev)
		f.Add(b)
	}
	f.Add([]byte(`{"@timestamp":"2026-03-14T09:00:00Z","event":{"kind":"alert","severity":99},"message":"<script>x</script>","rule":{"id":"r"},` +
		`"source":{"ip":"1.2.3.4","geo":{"location":{"lat":95,"lon":-400}}},"borderwatch":{"alert":{"previous":{"geo":{"location":{"lat":-90,"lon":180}}}}}}`))
	f.Add([]byte(`{"event":{"kind":"alert"},"borderwatch":{"alert":{"severity":"bogus","users":["","a"]}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		var ev borderwatch.Event
		if err := json.Unmarshal(doc, &ev); err != nil {
			return
		}
		cfg := DefaultConfig()
		cfg.MaxLocations, cfg.MaxAlerts, cfg.MaxRows, cfg.MaxUsers, cfg.TimelineUsers = 2, 2, 2, 2, 2
		cfg.TimelineEvents, cfg.AlertedEvents, cfg.AlertedTimelines = 1, 2, 1
		c, err := NewCollector(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			cp := ev
			c.Publish(context.Background(), []*borderwatch.Event{&cp})
		}
		r := c.Report(Meta{})
		var html bytes.Buffer
		if err := r.WriteHTML(&html); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(html.String(), "<script") {
			t.Fatal("unescaped <script in the HTML report")
		}
		if err := r.WriteText(io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteJSON(io.Discard); err != nil {
			t.Fatal(err)
		}
	})
}
