package borderwatch

// cleanPrefix returns the index of the first byte of p[:n] that needs escaping in a JSON
// string, or n; n must be at least 16 (SSE2: 16 bytes per step).
//
//go:noescape
func cleanPrefix(p *byte, n int) int

const haveCleanPrefix = true
