// Package replay reads ECS events back from NDJSON files (borderwatch's own ndjson output, an
// Elasticsearch export, or the scenario generator's histories) so that rules can be run, tuned
// and tested on them. Lines that are not ECS events are rejected with file:line.
package replay
