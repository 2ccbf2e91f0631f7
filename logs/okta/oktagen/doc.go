// Package oktagen writes synthetic Okta System Log events (NDJSON) for benchmarks and load
// tests: realistic field sets and sizes, many users and addresses, deterministic for a seed.
package oktagen
