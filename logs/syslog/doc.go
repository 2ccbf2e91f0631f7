// Package syslog parses syslog headers: RFC 3164 (BSD) and RFC 5424, with or without <PRI>,
// and the time stamps network appliances put in front of their messages. Stamps without a
// year take it from configuration or from when the record was received; stamps without a
// zone are read in a configured location. It also holds the small helpers that the
// syslog-text format parsers under logs/ share (user names, input location).
package syslog
