// Package globalprotect parses Palo Alto Networks GlobalProtect logs from PAN-OS syslog: the
// GLOBALPROTECT log type (PAN-OS 9.1 and later, CSV) and the older SYSTEM/globalprotect
// records. It registers the "globalprotect" log format.
package globalprotect
