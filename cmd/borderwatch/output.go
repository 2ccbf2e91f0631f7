package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/sink/ndjson"
	"github.com/borderwatch/borderwatch/sink/pretty"
)

// sinkNames lists the values --output accepts.
func sinkNames() []string { return []string{"pretty", "ndjson", "elasticsearch"} }

// buildSinks opens the configured sinks. On error, the sinks already opened are closed.
func buildSinks(ctx context.Context, cfg *Config, e *env) (sinks []borderwatch.Sink, err error) {
	defer func() {
		if err != nil {
			for _, s := range sinks {
				s.Close(ctx)
			}
			sinks = nil
		}
	}()
	for _, name := range cfg.Output.Sinks {
		switch name {
		case "pretty":
			sinks = append(sinks, pretty.New(e.stdout))
		case "ndjson":
			opt := ndjson.Options{AlertsOnly: cfg.Output.AlertsOnly}
			if cfg.Output.File == "" || cfg.Output.File == "-" {
				sinks = append(sinks, ndjson.New(e.stdout, opt))
				continue
			}
			s, err := ndjson.Create(cfg.Output.File, opt)
			if err != nil {
				return sinks, err
			}
			sinks = append(sinks, s)
		case "elasticsearch":
			s, err := newESSink(ctx, cfg, e)
			if err != nil {
				return sinks, err
			}
			sinks = append(sinks, s)
		default:
			return sinks, fmt.Errorf("output %q is not available in this build", name)
		}
	}
	if len(sinks) == 0 {
		return nil, errors.New("no output configured")
	}
	return sinks, nil
}
