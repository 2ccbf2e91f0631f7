package main

// buildEnrichRules adds the configured enrichers and rules to st.
func buildEnrichRules(cfg *Config, e *env, st *stages) error {
	return nil
}
