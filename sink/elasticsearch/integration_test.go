package elasticsearch

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	es "github.com/elastic/go-elasticsearch/v8"
)

func TestSetupMappingsRoutingAndReplay(t *testing.T) {
	cfg := testConfig(t, esURL(t))
	ctx := context.Background()
	s := newTestSink(t, cfg)
	c := s.Client()

	// Setup ran at start; a second run changes nothing and says so.
	steps, err := Setup(ctx, c, cfg, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 1+2+3+1 {
		t.Fatalf("setup steps = %v", steps)
	}
	for _, st := range steps {
		want := Unchanged
		if st.Kind == "ilm_policy" {
			want = Skipped // the test distribution has no ILM
		}
		if st.Result != want {
			t.Errorf("second setup: %s %s = %s, want %s", st.Kind, st.Name, st.Result, want)
		}
	}

	var evs []*borderwatch.Event
	for i := range 50 {
		evs = append(evs, sessionEvent(i), authEvent(i, []string{"alice", "bob"}[i%2]))
	}
	// Alerts: two near Beijing, one in Lisbon.
	evs = append(evs, alertEvent(1, 39.90, 116.40), alertEvent(2, 39.95, 116.30), alertEvent(3, 38.72, -9.14))
	if err := s.Publish(ctx, evs); err != nil {
		t.Fatal(err)
	}
	p := cfg.Index.Prefix
	for _, tc := range []struct {
		index string
		want  int
	}{{p + "-sessions-*", 50}, {p + "-auth-*", 50}, {p + "-alerts-*", 3}} {
		if n := count(t, c, tc.index); n != tc.want {
			t.Errorf("%s holds %d documents, want %d", tc.index, n, tc.want)
		}
	}

	// Field types as declared by the templates.
	var mapping map[string]struct {
		Mappings map[string]any `json:"mappings"`
	}
	request(t, c, http.MethodGet, "/"+p+"-*/_mapping", nil, &mapping)
	if len(mapping) < 3 {
		t.Fatalf("mappings of %d indices, want 3", len(mapping))
	}
	for index, m := range mapping {
		for _, tc := range []struct{ field, typ string }{
			{"@timestamp", "date"},
			{"source.ip", "ip"},
			{"destination.ip", "ip"},
			{"source.geo.location", "geo_point"},
			{"destination.geo.location", "geo_point"},
			{"user.name", "keyword"},
			{"event.duration", "long"},
			{"network.bytes", "long"},
			{"related.ip", "ip"},
			{"message", "text"},
			{"borderwatch.alert.distance_km", "double"},
		} {
			if got := fieldType(m.Mappings, tc.field); got != tc.typ {
				t.Errorf("%s: %s is %q, want %q", index, tc.field, got, tc.typ)
			}
		}
	}

	// A geo query finds the alerts near Beijing, not the one in Lisbon.
	var hits struct {
		Hits struct {
			Total struct {
				Value int `json:"value"`
			} `json:"total"`
		} `json:"hits"`
	}
	request(t, c, http.MethodPost, "/"+p+"-alerts-*/_search", map[string]any{
		"query": map[string]any{"geo_distance": map[string]any{
			"distance": "50km", "source.geo.location": map[string]any{"lat": 39.9, "lon": 116.4},
		}},
	}, &hits)
	if hits.Hits.Total.Value != 2 {
		t.Errorf("geo_distance found %d alerts, want 2", hits.Hits.Total.Value)
	}

	checkDocValuesOnlyFields(t, c, p, evs)

	// Replaying the same input leaves the counts unchanged: every document answers 409.
	before := s.Snapshot()
	if err := s.Publish(ctx, evs); err != nil {
		t.Fatal(err)
	}
	after := s.Snapshot()
	if got := after.Duplicates - before.Duplicates; got != uint64(len(evs)) {
		t.Errorf("replay: %d duplicates, want %d", got, len(evs))
	}
	if after.Acked != before.Acked {
		t.Errorf("replay indexed %d new documents", after.Acked-before.Acked)
	}
	if n := count(t, c, p+"-*"); n != 103 {
		t.Errorf("after replay %d documents, want 103", n)
	}
}

// fieldType walks a mapping to a dotted field's type.
func fieldType(m map[string]any, field string) string {
	cur := m
	parts := strings.Split(field, ".")
	for i, part := range parts {
		props, _ := cur["properties"].(map[string]any)
		f, ok := props[part].(map[string]any)
		if !ok {
			return ""
		}
		if i == len(parts)-1 {
			typ, _ := f["type"].(string)
			return typ
		}
		cur = f
	}
	return ""
}

func TestIndexModeDailyIndices(t *testing.T) {
	cfg := testConfig(t, esURL(t))
	cfg.Index.Mode = ModeIndex
	s := newTestSink(t, cfg)
	if err := s.Publish(context.Background(), []*borderwatch.Event{authEvent(1, "alice"), authEvent(2000, "bob")}); err != nil {
		t.Fatal(err)
	}
	p := cfg.Index.Prefix
	for _, idx := range []string{p + "-auth-default-2026.11.20", p + "-auth-default-2026.11.21"} {
		if n := count(t, s.Client(), idx); n != 1 {
			t.Errorf("%s holds %d documents, want 1", idx, n)
		}
	}
}

func TestMappingConflictsGoToDeadLetter(t *testing.T) {
	url := esURL(t)
	for _, tc := range []struct {
		name       string
		index      bool
		file       bool
		wantInFile bool
	}{
		{name: "index", index: true},
		{name: "file", file: true, wantInFile: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, url)
			if !tc.index {
				cfg.DeadLetter.Index = ""
			}
			dlFile := filepath.Join(t.TempDir(), "dead.ndjson")
			if tc.file {
				cfg.DeadLetter.File = dlFile
			}
			s := newTestSink(t, cfg)
			c := s.Client()
			p := cfg.Index.Prefix
			// A stricter template for the auth stream: unknown fields are refused with 400.
			if st := request(t, c, http.MethodPut, "/_index_template/"+p+"-strict", map[string]any{
				"index_patterns": []string{p + "-auth-*"}, "priority": 500, "data_stream": map[string]any{},
				"template": map[string]any{"mappings": map[string]any{"dynamic": "strict", "properties": map[string]any{
					"@timestamp": map[string]any{"type": "date"},
				}}},
			}, nil); st != 200 {
				t.Fatalf("strict template: status %d", st)
			}
			evs := []*borderwatch.Event{authEvent(1, "alice"), authEvent(2, "bob"), sessionEvent(1)}
			if err := s.Publish(context.Background(), evs); err != nil {
				t.Fatal(err)
			}
			snap := s.Snapshot()
			if snap.DeadLettered != 2 || snap.Acked != 1 || snap.DeadLetterLost != 0 {
				t.Fatalf("acked %d, dead-lettered %d, lost %d; want 1, 2, 0", snap.Acked, snap.DeadLettered, snap.DeadLetterLost)
			}
			var got []deadLetterDoc
			if tc.wantInFile {
				b, err := os.ReadFile(dlFile)
				if err != nil {
					t.Fatal(err)
				}
				for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
					var d deadLetterDoc
					if err := jsonUnmarshal([]byte(line), &d); err != nil {
						t.Fatal(err)
					}
					got = append(got, d)
				}
			} else {
				refresh(t, c, cfg.DeadLetter.Index)
				var r struct {
					Hits struct {
						Hits []struct {
							Source deadLetterDoc `json:"_source"`
						} `json:"hits"`
					} `json:"hits"`
				}
				request(t, c, http.MethodGet, "/"+cfg.DeadLetter.Index+"/_search", nil, &r)
				for _, h := range r.Hits.Hits {
					got = append(got, h.Source)
				}
			}
			if len(got) != 2 {
				t.Fatalf("%d dead letters, want 2", len(got))
			}
			for _, d := range got {
				if d.Status != 400 || d.Error.Type != "strict_dynamic_mapping_exception" || !strings.Contains(d.Error.Message, "dynamic") ||
					!strings.HasPrefix(d.Index, p+"-auth-") || d.DocumentID == "" || !strings.Contains(d.Document, `"user"`) {
					t.Errorf("dead letter = %+v", d)
				}
			}
			// Refused documents are not retried: a replay is refused again, not looping.
			if err := s.Publish(context.Background(), evs[:1]); err != nil {
				t.Fatal(err)
			}
			if r := s.Snapshot().Retried; r != 0 {
				t.Errorf("%d retries for refused documents", r)
			}
		})
	}
}

func TestDocRecordRoundTrip(t *testing.T) {
	d := doc{index: "borderwatch-auth-default", id: "abc", body: []byte(`{"a":1}`)}
	got, err := unmarshalDoc(d.marshal())
	if err != nil || got.index != d.index || got.id != d.id || string(got.body) != string(d.body) {
		t.Fatalf("round trip = %+v, %v", got, err)
	}
	for _, bad := range [][]byte{nil, {2}, {1, 200}, {1, 0, 0}, append(d.marshal(), '}')} {
		if _, err := unmarshalDoc(bad); !errors.Is(err, errBadRecord) {
			t.Errorf("unmarshalDoc(%q) = %v", bad, err)
		}
	}
}

func FuzzUnmarshalDoc(f *testing.F) {
	f.Add((&doc{index: "i", id: "x", body: []byte(`{}`)}).marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := unmarshalDoc(b)
		if err != nil {
			return
		}
		again, err := unmarshalDoc(d.marshal())
		if err != nil || again.index != d.index || again.id != d.id || string(again.body) != string(d.body) {
			t.Fatalf("re-marshal changed the record: %+v %v", again, err)
		}
	})
}

func TestSetupRefreshIntervalsAndSplitBatches(t *testing.T) {
	cfg := testConfig(t, esURL(t))
	cfg.Index.RefreshInterval = 30 * time.Second
	cfg.Index.AlertsRefreshInterval = time.Second
	cfg.Index.TranslogDurability = DurabilityAsync
	cfg.Workers = 2
	ctx := context.Background()
	s := newTestSink(t, cfg)
	c := s.Client()

	// 601 documents fit in one bulk request (bulk_max_docs 1600) but go as two of 301 and 300,
	// one per worker; every one is acknowledged once, and a replay is all duplicates.
	var evs []*borderwatch.Event
	for i := range 600 {
		evs = append(evs, authEvent(i, []string{"alice", "bob", "carol"}[i%3]))
	}
	evs = append(evs, alertEvent(1, 39.90, 116.40))
	if err := s.Publish(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if st := s.Snapshot(); st.Acked != 601 || st.Requests != 2 {
		t.Errorf("acked %d in %d requests, want 601 in 2", st.Acked, st.Requests)
	}
	if err := s.Publish(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if st := s.Snapshot(); st.Duplicates != 601 || st.Acked != 601 {
		t.Errorf("replay: %d duplicates, %d acked; want 601, 601", st.Duplicates, st.Acked)
	}
	p := cfg.Index.Prefix
	if n := count(t, c, p+"-*"); n != 601 {
		t.Errorf("%d documents, want 601", n)
	}
	if d := duplicates(t, c, p+"-auth-*"); len(d) != 0 {
		t.Errorf("duplicates: %v", d)
	}

	// Sessions and auth refresh every 30 s and sync their translog asynchronously; alerts
	// refresh every second and keep the translog synchronous.
	var settings map[string]struct {
		Settings struct {
			Index struct {
				RefreshInterval string `json:"refresh_interval"`
				Translog        struct {
					Durability string `json:"durability"`
				} `json:"translog"`
			} `json:"index"`
		} `json:"settings"`
	}
	request(t, c, http.MethodGet, "/"+p+"-*/_settings?expand_wildcards=all", nil, &settings)
	seen := map[string]bool{}
	for index, st := range settings {
		want, durability := "30000ms", DurabilityAsync
		switch {
		case strings.Contains(index, "-alerts-"):
			want, durability = "1000ms", DurabilityRequest
		case strings.Contains(index, "-auth-"):
		default:
			continue
		}
		seen[want] = true
		if got := st.Settings.Index.RefreshInterval; got != want {
			t.Errorf("%s: refresh_interval %q, want %q", index, got, want)
		}
		if got := st.Settings.Index.Translog.Durability; got != durability {
			t.Errorf("%s: translog.durability %q, want %q", index, got, durability)
		}
	}
	if len(seen) != 2 {
		t.Errorf("settings of auth and alerts indices not both found: %v", settings)
	}

	// Identifiers without doc values are still found by term.
	for _, tc := range []struct{ field, value string }{
		{"event.id", "okta-7"},
		{"borderwatch.id", evs[7].DocumentID()},
	} {
		var r struct {
			Count int `json:"count"`
		}
		request(t, c, http.MethodPost, "/"+p+"-auth-*/_count", map[string]any{"query": map[string]any{"term": map[string]any{tc.field: tc.value}}}, &r)
		if r.Count != 1 {
			t.Errorf("term %s=%s found %d documents, want 1", tc.field, tc.value, r.Count)
		}
	}
}

// checkDocValuesOnlyFields queries the session fields that keep only doc values: evs holds
// sessionEvent(0..49) at its even indices.
func checkDocValuesOnlyFields(t *testing.T, c *es.Client, p string, evs []*borderwatch.Event) {
	t.Helper()
	// Counters and flow bookkeeping keep only doc values, and are still filtered and summed.
	for _, tc := range []struct {
		name  string
		query map[string]any
		want  int
	}{
		{"network.bytes >= 1040", map[string]any{"range": map[string]any{"network.bytes": map[string]any{"gte": 1040}}}, 10},
		{"event.duration = 30 s", map[string]any{"term": map[string]any{"event.duration": int64(30 * time.Second)}}, 50},
		{"borderwatch.flow.reason = fin", map[string]any{"term": map[string]any{"borderwatch.flow.reason": "fin"}}, 50},
		{"borderwatch.flow.final = true", map[string]any{"term": map[string]any{"borderwatch.flow.final": true}}, 50},
		{"borderwatch.flow.tcp_flags = SYN", map[string]any{"term": map[string]any{"borderwatch.flow.tcp_flags": "SYN"}}, 25},
		{"source.bytes < 500", map[string]any{"range": map[string]any{"source.bytes": map[string]any{"lt": 500}}}, 2},
	} {
		var r struct {
			Count int `json:"count"`
		}
		request(t, c, http.MethodPost, "/"+p+"-sessions-*/_count", map[string]any{"query": tc.query}, &r)
		if r.Count != tc.want {
			t.Errorf("%s found %d sessions, want %d", tc.name, r.Count, tc.want)
		}
	}
	var sum struct {
		Aggregations struct {
			Bytes struct {
				Value float64 `json:"value"`
			} `json:"bytes"`
		} `json:"aggregations"`
	}
	request(t, c, http.MethodPost, "/"+p+"-sessions-*/_search", map[string]any{
		"size": 0, "aggs": map[string]any{"bytes": map[string]any{"sum": map[string]any{"field": "network.bytes"}}},
	}, &sum)
	if want := float64(50*1000 + 49*50/2); sum.Aggregations.Bytes.Value != want {
		t.Errorf("sum of network.bytes = %v, want %v", sum.Aggregations.Bytes.Value, want)
	}
	// The cipher list and the message are kept in the document as sent.
	var got struct {
		Hits struct {
			Hits []struct {
				Source struct {
					Message string          `json:"message"`
					TLS     borderwatch.TLS `json:"tls"`
				} `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	request(t, c, http.MethodPost, "/"+p+"-sessions-*/_search", map[string]any{
		"size": 1, "query": map[string]any{"term": map[string]any{"network.community_id": evs[6].Network.CommunityID}},
	}, &got)
	if len(got.Hits.Hits) != 1 || got.Hits.Hits[0].Source.TLS.Client == nil ||
		strings.Join(got.Hits.Hits[0].Source.TLS.Client.SupportedCiphers, ",") != strings.Join(evs[6].TLS.Client.SupportedCiphers, ",") {
		t.Errorf("session 3 read back as %+v, want its cipher list %v", got.Hits.Hits, evs[6].TLS.Client.SupportedCiphers)
	} else if got.Hits.Hits[0].Source.Message != evs[6].Message {
		t.Errorf("session 3 message read back as %q, want %q", got.Hits.Hits[0].Source.Message, evs[6].Message)
	}
	// Sessions do not analyze their message (every part of it is a field of its own); alerts,
	// whose message says why, do.
	var mapping map[string]struct {
		Mappings map[string]any `json:"mappings"`
	}
	request(t, c, http.MethodGet, "/"+p+"-sessions-*,"+p+"-alerts-*/_mapping", nil, &mapping)
	for index, m := range mapping {
		props, _ := m.Mappings["properties"].(map[string]any)
		msg, _ := props["message"].(map[string]any)
		indexed := msg["index"] != false
		if want := !strings.Contains(index, "-sessions-"); msg["type"] != "text" || indexed != want {
			t.Errorf("%s: message mapped as %v, want text with indexed=%v", index, msg, want)
		}
	}
	var r struct {
		Count int `json:"count"`
	}
	request(t, c, http.MethodPost, "/"+p+"-alerts-*/_count", map[string]any{"query": map[string]any{"match": map[string]any{"message": "too far apart"}}}, &r)
	if r.Count != 3 {
		t.Errorf("match on the alerts' message found %d, want 3", r.Count)
	}
}
