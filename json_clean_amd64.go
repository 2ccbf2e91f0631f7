package borderwatch

// cleanBlocks returns the length of the longest prefix of whole 16-byte blocks of p[:n] that
// needs no escaping in a JSON string (SSE2: 16 bytes per step).
//
//go:noescape
func cleanBlocks(p *byte, n int) int

const haveCleanBlocks = true
