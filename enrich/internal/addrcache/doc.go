// Package addrcache is a bounded, set-associative cache for per-address results: a lookup
// reads one set of four entries, and each set drops its least recently used entry.
package addrcache
