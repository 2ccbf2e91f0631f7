package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"syscall"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/metrics"
)

// startOps prepares a pipeline for long runs before it starts: with metrics.address set it
// serves /metrics and /healthz (pipeline counters, queue depth, timed sinks, and the Stats()
// of every source, enricher and rule), and on SIGHUP it reloads every stage that can reload
// (range lists, allowlists, GeoIP databases, and the rules section of the configuration file).
// The returned function stops both.
func startOps(cfg *Config, e *env, p *borderwatch.Pipeline) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	stops = append(stops, watchReload(e, p))
	if cfg.Metrics.Address == "" {
		return stop, nil
	}
	reg := metrics.NewRegistry(version, commit)
	q := metrics.NewQueue(&p.Stats)
	p.Enrichers = append([]borderwatch.Enricher{q}, p.Enrichers...)
	errs := []error{reg.Pipeline(&p.Stats), reg.Queue(q)}
	var stages []any
	for i, s := range p.Sinks {
		stages = append(stages, s)
		w, err := reg.Sink(stageName(s), s)
		errs = append(errs, err)
		if err == nil {
			p.Sinks[i] = w
		}
	}
	for _, s := range p.Sources {
		stages = append(stages, s)
	}
	for _, x := range p.Enrichers {
		stages = append(stages, x)
	}
	for _, r := range p.Rules {
		stages = append(stages, r)
	}
	if err := registerStats(reg, stages); err != nil {
		e.log.Warn("some component counters are not exported", "err", err)
	}
	if err := errors.Join(errs...); err != nil {
		stop()
		return nil, fmt.Errorf("metrics: %w", err)
	}
	srv, err := metrics.NewServer(cfg.Metrics, reg, e.log.With("component", "metrics"))
	if err != nil {
		stop()
		return nil, usageError(err)
	}
	srv.Heartbeat("pipeline", q.LastEvent)
	srv.AddCheck("sinks", func() error {
		if n := p.Stats.SinkErrors.Load(); n > 0 {
			return fmt.Errorf("%d sink errors; output stopped", n)
		}
		return nil
	})
	if err := srv.Start(); err != nil {
		stop()
		return nil, &exitError{code: exitRuntime, err: err}
	}
	stops = append(stops, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			e.log.Warn("metrics server shutdown", "err", err)
		}
	})
	return stop, nil
}

// stageName names a stage by its package: *ndjson.Sink → ndjson, *logs.Source → logs; a
// wrapper says whose name it carries with a StageName method.
func stageName(x any) string {
	if n, ok := x.(interface{ StageName() string }); ok {
		return n.StageName()
	}
	t := reflect.TypeOf(x)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := t.PkgPath()
	name = name[strings.LastIndexByte(name, '/')+1:]
	if name == "" || name == "main" {
		name = strings.ToLower(t.Name())
	}
	return name
}

// registerStats exports the result of every stage's Stats(), Snapshot() or Counters() method (a struct,
// a pointer to one, or a map of them), grouped by package; several stages of one package get
// an instance label.
func registerStats(reg *metrics.Registry, stages []any) error {
	groups := map[string][]reflect.Value{}
	var order []string
	for _, s := range stages {
		var m reflect.Value
		for _, name := range []string{"Stats", "Snapshot", "Counters"} {
			if c := reflect.ValueOf(s).MethodByName(name); c.IsValid() && c.Type().NumIn() == 0 && c.Type().NumOut() == 1 {
				m = c
				break
			}
		}
		if !m.IsValid() {
			continue
		}
		name := stageName(s)
		if _, ok := groups[name]; !ok {
			order = append(order, name)
		}
		groups[name] = append(groups[name], m)
	}
	var errs []error
	for _, name := range order {
		ms := groups[name]
		if len(ms) == 1 {
			m := ms[0]
			label := ""
			if m.Type().Out(0).Kind() == reflect.Map {
				label = strings.TrimSuffix(name, "s") // rules → rule
			}
			errs = append(errs, reg.Struct(name, label, func() any { return m.Call(nil)[0].Interface() }))
			continue
		}
		if ms[0].Type().Out(0).Kind() == reflect.Map {
			continue // several maps of one kind: not exported
		}
		out := ms[0].Type().Out(0)
		errs = append(errs, reg.Struct(name, "instance", func() any {
			mv := reflect.MakeMap(reflect.MapOf(reflect.TypeFor[string](), out))
			for i, m := range ms {
				mv.SetMapIndex(reflect.ValueOf(fmt.Sprint(i)), m.Call(nil)[0])
			}
			return mv.Interface()
		}))
	}
	return errors.Join(errs...)
}

// watchReload reloads, on SIGHUP, every enricher and rule with a Reload() (bool, error)
// method.
func watchReload(e *env, p *borderwatch.Pipeline) func() {
	type reloader interface{ Reload() (bool, error) }
	var rs []reloader
	for _, x := range p.Enrichers {
		if r, ok := x.(reloader); ok {
			rs = append(rs, r)
		}
	}
	for _, x := range p.Rules {
		if r, ok := x.(reloader); ok {
			rs = append(rs, r)
		}
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-ch:
				e.log.Info("SIGHUP: reloading lists, databases and rules", "stages", len(rs))
				for _, r := range rs {
					changed, err := r.Reload()
					if err != nil {
						e.log.Error("reload failed; keeping the previous data", "stage", stageName(r), "err", err)
						continue
					}
					e.log.Info("reloaded", "stage", stageName(r), "changed", changed)
				}
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
