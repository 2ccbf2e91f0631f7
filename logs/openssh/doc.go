// Package openssh parses OpenSSH server (sshd) log lines about logins: accepted and failed
// authentications, invalid users, disconnects. It registers the "openssh" log format.
package openssh
