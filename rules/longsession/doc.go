// Package longsession is the long_session rule: VPN, remote-access or login sessions, and
// long single TLS flows to hosting ranges, that last a day or more: an always-on account or
// tunnel.
package longsession
