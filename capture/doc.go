// Package capture is borderwatch's sensor: it reads packets from capture files or a live
// interface, decodes them, keeps bidirectional flows, extracts application metadata and emits
// one ECS session event per flow record (event.dataset "borderwatch.flow").
package capture
