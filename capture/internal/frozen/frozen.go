// Package frozen turns bytes that are never written again into strings without copying.
package frozen

import "unsafe"

// String returns b[from:] as a string without copying. b's bytes from there on must never
// change again (b is appended to, never written over).
func String(b []byte, from int) string {
	if len(b) == from {
		return ""
	}
	return unsafe.String(&b[from], len(b)-from)
}
