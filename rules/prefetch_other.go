//go:build !amd64

package rules

import "unsafe"

// prefetchLines does nothing where no prefetch instruction is wired in.
func prefetchLines(p unsafe.Pointer, n uintptr) {}
