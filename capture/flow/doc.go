// Package flow keeps bidirectional sessions: a bounded table keyed by a packed, comparable
// 5-tuple, per-direction counters, TCP flags, idle timeouts per protocol, FIN/RST close with
// a short linger, interim records for long flows, and Community ID v1.
package flow
