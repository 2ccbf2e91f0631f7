// Package addrcache is a bounded cache for per-address results whose hit costs one map
// lookup: entries live in two generations, and a hit leaves the entry where it is.
package addrcache
