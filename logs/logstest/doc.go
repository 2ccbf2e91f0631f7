// Package logstest runs log formats over sample files in tests: golden NDJSON comparison
// (regenerated with -update), README section checks, and a fuzz harness for parsers.
package logstest
