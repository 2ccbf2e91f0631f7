// Package openvpn parses OpenVPN 2.x server logs (syslog or --log files) and the server's
// status file (versions 1, 2 and 3) into authentication and session events. It registers
// the "openvpn" log format.
package openvpn
