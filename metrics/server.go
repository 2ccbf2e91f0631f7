package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server serves /metrics and /healthz, and Go's profiles under /debug/pprof/ when asked.
// Build it with NewServer, then Start; Shutdown stops it. AddCheck and Heartbeat are safe for
// concurrent use.
type Server struct {
	cfg  Config
	reg  *Registry
	log  *slog.Logger
	srv  *http.Server
	ln   net.Listener
	done chan error

	mu     sync.Mutex
	checks map[string]func() error
	beats  map[string]func() time.Time
}

// NewServer returns a server for reg. log may be nil.
func NewServer(cfg Config, reg *Registry, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Address == "" {
		return nil, errors.New("metrics: no address configured (metrics.address, e.g. 127.0.0.1:9478)")
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, reg: reg, log: log, checks: map[string]func() error{}, beats: map[string]func() time.Time{}}
	mux := http.NewServeMux()
	mux.Handle("GET "+cfg.Path, promhttp.HandlerFor(reg.reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn), ErrorHandling: promhttp.ContinueOnError,
		Registry: reg.reg, // exports promhttp_metric_handler_errors_total
	}))
	mux.HandleFunc("GET /healthz", s.healthz)
	if cfg.Pprof {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index) // and the named profiles under it
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
		log.Warn("metrics: serving Go profiles under /debug/pprof/ (metrics.pprof); keep the address private", "address", cfg.Address)
	}
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: cfg.ReadTimeout, ReadTimeout: cfg.ReadTimeout,
		WriteTimeout: cfg.WriteTimeout, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	return s, nil
}

// AddCheck adds a named health check; /healthz fails while it returns an error.
func (s *Server) AddCheck(name string, check func() error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks[name] = check
}

// Heartbeat adds a named liveness clock: /healthz fails when last() is older than
// Config.StaleAfter. A zero time (nothing seen yet) counts as healthy.
func (s *Server) Heartbeat(name string, last func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.beats[name] = last
}

// Start listens on the configured address and serves in the background.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Address)
	if err != nil {
		return fmt.Errorf("metrics: listen %s: %w", s.cfg.Address, err)
	}
	s.ln, s.done = ln, make(chan error, 1)
	s.log.Info("serving metrics", "address", ln.Addr().String(), "path", s.cfg.Path)
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return nil
}

// Addr returns the address the server listens on (useful with port 0).
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Shutdown stops the server, waiting for requests in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.done == nil {
		return nil
	}
	if err := s.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("metrics: shutdown: %w", err)
	}
	return <-s.done
}

type health struct {
	Status string            `json:"status"` // ok | failing
	Checks map[string]string `json:"checks,omitempty"`
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	names := make([]string, 0, len(s.checks)+len(s.beats))
	checks := map[string]func() error{}
	for n, c := range s.checks {
		names, checks[n] = append(names, n), c
	}
	for n, b := range s.beats {
		stale := s.cfg.StaleAfter
		names, checks[n] = append(names, n), func() error {
			t := b()
			if stale > 0 && !t.IsZero() && time.Since(t) > stale {
				return fmt.Errorf("last activity %s ago (stale after %s)", time.Since(t).Round(time.Second), stale)
			}
			return nil
		}
	}
	s.mu.Unlock()
	slices.Sort(names)
	h := health{Status: "ok", Checks: map[string]string{}}
	for _, n := range names {
		if err := checks[n](); err != nil {
			h.Status, h.Checks[n] = "failing", err.Error()
		} else {
			h.Checks[n] = "ok"
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if h.Status != "ok" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	json.NewEncoder(w).Encode(h)
}
