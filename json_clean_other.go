//go:build !amd64

package borderwatch

// cleanPrefix is not wired in here: cleanRun goes eight bytes at a time.
func cleanPrefix(p *byte, n int) int { return 0 }

const haveCleanPrefix = false
