// Package rules is borderwatch's detection engine: rules register by name, are configured in
// the `rules:` YAML section, evaluate ECS events one at a time in input order and turn their
// findings into ECS alert documents, with per-rule allowlists, per-(rule, key) suppression and,
// for stateful rules, baselines persisted in rules/state. Each rule lives in its own folder
// (rules/watchedcountry, rules/impossibletravel, ...); rules/all imports them all.
package rules
