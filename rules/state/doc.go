// Package state is the rules' persistent memory: an embedded bbolt file with one bucket per
// rule, entries with an expiry time, and a bound on their number, so that a scheduled run today
// remembers yesterday's baselines. Only one process may open a file at a time.
package state
