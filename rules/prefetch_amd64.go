package rules

import "unsafe"

// prefetchLines asks the processor to bring the n bytes from p (whole 64-byte lines, the
// first the one holding p) into its caches without waiting for them. It never faults.
//
//go:noescape
func prefetchLines(p unsafe.Pointer, n uintptr)
