// Package metrics serves Prometheus /metrics and a /healthz probe for the long-running
// commands (capture on an interface, logs --follow/--listen). It reads the pipeline's
// borderwatch.Stats and any component's counter struct by reflection, so components need not
// import Prometheus; it also times sinks and measures the pipeline's queue depth.
package metrics
