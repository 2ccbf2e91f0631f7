// Package fortigate parses FortiGate (FortiOS) key=value logs: SSL-VPN and IPsec tunnel and
// login events, user and administrator authentication, and traffic or application-control
// records whose application category is Proxy. It registers the "fortigate" log format.
package fortigate
