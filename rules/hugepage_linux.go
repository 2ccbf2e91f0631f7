package rules

import (
	"syscall"
	"unsafe"
)

const (
	hugePage     = 2 << 20
	madvCollapse = 25 // MADV_COLLAPSE (Linux 6.1), not in package syscall
)

// adviseHuge asks the kernel to back the whole 2 MB pages inside the n bytes at p with huge
// pages (where transparent huge pages are enabled for advised memory), so that reading a
// random user's state costs fewer TLB misses: MADV_HUGEPAGE for memory not touched yet, and
// MADV_COLLAPSE for memory the heap reused (already backed by small pages). It is advice: when
// the kernel declines (older kernels, huge pages disabled), nothing changes but speed. The n
// bytes at p must be newly allocated (zero): it writes zeros to them.
func adviseHuge(p unsafe.Pointer, n uintptr) {
	skip := (hugePage - uintptr(p)%hugePage) % hugePage
	if n < skip+hugePage {
		return
	}
	size := (n - skip) &^ (hugePage - 1)
	b := unsafe.Slice((*byte)(unsafe.Add(p, skip)), size)
	if syscall.Madvise(b, syscall.MADV_HUGEPAGE) != nil {
		return
	}
	// MADV_COLLAPSE declines a range with nothing mapped, and memory the heap gives back and
	// reuses is faulted in by small pages: map every page first. The memory is newly allocated
	// and zero, so writing zeros changes nothing the program or the collector sees.
	for i := 0; i < len(b); i += 4096 {
		b[i] = 0
	}
	_ = syscall.Madvise(b, madvCollapse)
}
