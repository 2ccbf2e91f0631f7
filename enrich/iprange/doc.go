// Package iprange loads named IP range lists (VPN, proxy, Tor, hosting, cloud, corporate and
// custom ones) in every common format, answers "which lists contain this address" from one
// prefix table, matches ASN lists through the ASN an address belongs to, and reloads lists
// whose files change.
package iprange
