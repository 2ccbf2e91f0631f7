package ndjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
)

func events() []*borderwatch.Event {
	ts := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	ev := &borderwatch.Event{Timestamp: ts, Event: borderwatch.EventMeta{Kind: borderwatch.KindEvent, Dataset: "borderwatch.okta"},
		Source: borderwatch.Endpoint{IP: netip.MustParseAddr("2001:db8::1")}, User: borderwatch.User{Name: "a<b>&c"}}
	al := &borderwatch.Event{Timestamp: ts, Event: borderwatch.EventMeta{Kind: borderwatch.KindAlert}, Rule: &borderwatch.RuleInfo{ID: "r"}}
	borderwatch.Normalize(ev)
	borderwatch.Normalize(al)
	return []*borderwatch.Event{ev, al}
}

func TestStreamOneDocumentPerLine(t *testing.T) {
	for _, alertsOnly := range []bool{false, true} {
		var buf bytes.Buffer
		s := New(&buf, Options{AlertsOnly: alertsOnly})
		if err := s.Publish(context.Background(), events()); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		want := 2
		if alertsOnly {
			want = 1
		}
		if len(lines) != want {
			t.Fatalf("alertsOnly=%v: %d lines, want %d:\n%s", alertsOnly, len(lines), want, buf.String())
		}
		for _, l := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("line is not JSON: %v: %s", err, l)
			}
		}
		if !alertsOnly && !strings.Contains(lines[0], `"name":"a<b>&c"`) {
			t.Errorf("HTML escaping applied: %s", lines[0])
		}
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFileAppendsAndSyncs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.ndjson")
	for i := 0; i < 2; i++ {
		s, err := Create(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Publish(context.Background(), events()); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte("\n")); n != 4 {
		t.Errorf("%d lines after two runs, want 4 (append)", n)
	}
}

func TestDevNullCloses(t *testing.T) {
	s, err := Create(os.DevNull, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Publish(context.Background(), events()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("closing %s: %v", os.DevNull, err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriteErrorIsReturned(t *testing.T) {
	s := New(failWriter{}, Options{})
	err := s.Publish(context.Background(), events())
	if err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Fatalf("err = %v", err)
	}
}

func TestCreateErrorNamesPath(t *testing.T) {
	_, err := Create("/nonexistent/dir/out.ndjson", Options{})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/dir/out.ndjson") {
		t.Fatalf("err = %v", err)
	}
}
