// Package allowlist holds the named allowlists of addresses, networks, ASNs and users that
// detection rules consult (corporate egress, sanctioned VPN concentrators, service accounts).
// Enrichment records the names of matching allowlists in borderwatch.source.allowlisted and
// borderwatch.destination.allowlisted; rules decide what an allowlisting excuses.
package allowlist
