package iprange

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestFetch(t *testing.T) {
	var body atomic.Value
	body.Store("# exits\n192.0.2.1\n192.0.2.2\n")
	var requests, conditional atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/tor", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Sat, 21 Nov 2026 10:00:00 GMT")
		w.Write([]byte(body.Load().(string)))
	})
	mux.HandleFunc("/garbage", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>captive portal</html>\n")) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(strings.Repeat("192.0.2.1\n", 1000))) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusNotFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir := t.TempDir()
	path := filepath.Join(dir, "lists", "tor.txt")
	f := &Fetcher{Config: FetchConfig{Timeout: 300 * time.Millisecond, MaxBytes: 4096, UserAgent: "borderwatch-test"}}
	ctx := context.Background()
	l := ListConfig{Name: "tor", Category: "tor", URL: srv.URL + "/tor", Path: path}

	r := f.Fetch(ctx, l)
	if r.Status != FetchUpdated || r.Err != nil || r.Prefixes != 2 {
		t.Fatalf("first fetch: %+v", r)
	}
	if b, _ := os.ReadFile(path); string(b) != body.Load().(string) {
		t.Fatalf("file = %q", b)
	}
	r = f.Fetch(ctx, l)
	if r.Status != FetchNotModified || conditional.Load() != 1 {
		t.Fatalf("second fetch: %+v (conditional %d)", r, conditional.Load())
	}

	// Failures never touch the existing file.
	before, _ := os.ReadFile(path)
	for _, tt := range []struct{ path, want string }{
		{"/garbage", "no usable entry"},
		{"/big", "max_bytes"},
		{"/slow", "deadline exceeded"},
		{"/gone", "404"},
	} {
		r := f.Fetch(ctx, ListConfig{Name: "tor", Category: "tor", URL: srv.URL + tt.path, Path: path})
		if r.Status != FetchFailed || r.Err == nil || !strings.Contains(r.Err.Error(), tt.want) {
			t.Errorf("%s: %+v, want an error mentioning %q", tt.path, r, tt.want)
		}
		if after, _ := os.ReadFile(path); string(after) != string(before) {
			t.Errorf("%s replaced the file", tt.path)
		}
	}
	if r := f.Fetch(ctx, ListConfig{Name: "local", Path: path}); r.Status != FetchNoURL {
		t.Errorf("no url: %+v", r)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
	if requests.Load() != 2 {
		t.Errorf("requests to /tor = %d", requests.Load())
	}
}
