// Package netdir knows which networks are internal (RFC 1918, ULA, CGNAT and the configured
// ones), which addresses are not public at all (loopback, documentation, multicast, ...), and
// from those the ECS network.direction of a session.
package netdir
