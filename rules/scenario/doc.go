// Package scenario generates labelled authentication and network histories for testing the
// rules: a benign population (hundreds of users over weeks, office and home logins, ordinary
// travel, consumer-VPN users, mobile carriers, sanctioned tools) and planted cases (a DPRK-style
// worker behind a US laptop farm with Astrill sessions interleaved, impossible travel, CN/RU
// logins, a home IP shared by four employees, always-on sessions, night work for the claimed
// timezone, remote-access and VPN tools, bulk egress). Events come enriched (geo, ASN, intel),
// as enrichment would leave them, and the output is deterministic for a seed.
package scenario
