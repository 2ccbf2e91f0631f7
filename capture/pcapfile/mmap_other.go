//go:build !(linux || darwin || freebsd)

package pcapfile

import "os"

const releaseEvery = 1 << 62

// mapping is not available on this system: files are read through a buffer.
type mapping struct {
	data     []byte
	released int
}

func mapFile(*os.File) *mapping       { return nil }
func (m *mapping) grow() bool         { return false }
func (m *mapping) release(int)        {}
func (m *mapping) holds(uintptr) bool { return false }
func (m *mapping) unmap()             {}
