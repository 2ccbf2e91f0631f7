// Package logsbench holds the benchmark of Okta parsing followed by enrichment with the real
// GeoLite2 databases (the per-core log target); run.sh compares borderwatch with jq.
package logsbench
