// Package remoteaccess is the remote_access_tool rule: sessions of remote-access software
// (TeamViewer, AnyDesk, RustDesk, Chrome Remote Desktop, RDP, VNC, ...) as identified by capture,
// higher when a second tool appears on the same host or the peer is in a watched country or
// behind an anonymizer.
package remoteaccess
