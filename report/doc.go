// Package report turns a stream of events and alerts into an audit report: a terminal
// summary, a JSON document and a self-contained HTML page with a world map of login
// locations, impossible-travel arcs, per-user timelines and tables of watched-country
// activity and remote-access sessions. A Collector sits beside the other sinks and keeps only
// bounded aggregates, so memory does not grow with the input.
package report
