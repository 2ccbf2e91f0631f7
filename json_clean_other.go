//go:build !amd64

package borderwatch

// cleanBlocks is not wired in here: cleanRun goes eight bytes at a time.
func cleanBlocks(p *byte, n int) int { return 0 }

const haveCleanBlocks = false
