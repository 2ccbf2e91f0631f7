// Package pdns is a bounded, TTL-aware passive DNS cache: DNS answers seen on the wire map
// addresses to the names that were asked for, so that later sessions to an address can carry
// the name when they show none themselves (no SNI, no HTTP Host).
package pdns
