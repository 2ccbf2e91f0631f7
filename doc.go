// Package borderwatch holds the normalized Event that every stage passes on, the interfaces of
// those stages (Source, Enricher, Rule, Sink) and the Pipeline that connects them over bounded
// channels. It imports the standard library only; capture, logs, enrich, rules and sink import
// it, and only cmd/borderwatch wires them together.
package borderwatch
