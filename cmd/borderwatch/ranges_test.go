package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/enrich/iprange"
)

func TestRunRangesFetch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/vpn.txt":
			w.Header().Set("ETag", `"a"`)
			if r.Header.Get("If-None-Match") == `"a"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Write([]byte("# vpn\n89.238.128.0/24\n2a0d:5600::/29\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := defaultConfig()
	cfg.Enrich.Ranges.Lists = []iprange.ListConfig{
		{Name: "vpn", Category: "vpn", URL: srv.URL + "/vpn.txt", Path: filepath.Join(dir, "vpn.txt")},
		{Name: "broken", Category: "tor", URL: srv.URL + "/missing", Path: filepath.Join(dir, "tor.txt")},
		{Name: "local", Category: "corporate", Path: filepath.Join(dir, "corp.txt")},
	}
	var out bytes.Buffer
	e := &env{stdout: &out, stderr: &out, log: slog.New(slog.DiscardHandler)}
	err := runRangesFetch(context.Background(), &cfg, e, nil)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 downloads failed") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(out.String(), "vpn                      updated") || !strings.Contains(out.String(), "broken                   FAILED") {
		t.Errorf("output:\n%s", out.String())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "vpn.txt")); !strings.Contains(string(b), "89.238.128.0/24") {
		t.Errorf("vpn.txt = %q", b)
	}

	out.Reset()
	if err := runRangesFetch(context.Background(), &cfg, e, []string{"vpn"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "not modified") {
		t.Errorf("second fetch:\n%s", out.String())
	}
	if err := runRangesFetch(context.Background(), &cfg, e, []string{"nope"}); err == nil || !strings.Contains(err.Error(), `no list named "nope"`) {
		t.Errorf("unknown list: %v", err)
	}

	out.Reset()
	if err := runRangesList(&cfg, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "vpn ") || !strings.Contains(out.String(), "2 distinct prefixes") {
		t.Errorf("list:\n%s", out.String())
	}
}
