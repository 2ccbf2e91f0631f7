// Package pulse parses Ivanti Connect Secure (formerly Pulse Connect Secure) user-access
// syslog lines: primary and secondary authentication, logins, VPN tunnel sessions, logouts
// and timeouts. It registers the "pulse" log format.
package pulse
