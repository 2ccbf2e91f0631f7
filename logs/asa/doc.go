// Package asa parses Cisco ASA and Firepower Threat Defense syslog messages about remote
// access VPN (AnyConnect, WebVPN/clientless, IKEv2) and AAA into authentication events.
// It registers the "asa" log format.
package asa
