package main

import (
	"fmt"

	"github.com/borderwatch/borderwatch/enrich"
	"github.com/borderwatch/borderwatch/rules"
	_ "github.com/borderwatch/borderwatch/rules/all" // every detection rule
)

// buildEnrichRules adds the configured enrichers and the rule engine to st.
func buildEnrichRules(cfg *Config, e *env, st *stages) error {
	chain, err := enrich.New(cfg.Enrich, e.log.With("component", "enrich"))
	if err != nil {
		return fmt.Errorf("enrich: %w", err)
	}
	st.enrichers = append(st.enrichers, chain)
	st.closers = append(st.closers, chain)
	// SIGHUP re-reads the rules section of the configuration file (see ops.go).
	load := func() (rules.Config, error) {
		c, err := loadConfig(e.configPath)
		return c.Rules, err
	}
	eng, err := newReloadableRules(cfg.Rules, load, e.log.With("component", "rules"))
	if err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	st.rules = append(st.rules, eng)
	st.closers = append(st.closers, eng)
	return nil
}
