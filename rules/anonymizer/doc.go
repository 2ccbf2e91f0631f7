// Package anonymizer is the anonymizer_login rule: a successful login from a VPN, proxy, Tor,
// residential-proxy or hosting address, weighted by how much each kind hides.
package anonymizer
