//go:build linux || darwin || freebsd

package pcapfile

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// releaseEvery is how far reading moves on before the pages behind it are unmapped, so that
// the resident size stays bounded on large files (the page cache keeps them).
const releaseEvery = 64 << 20

// mapping is a read-only shared mapping of a whole regular file.
type mapping struct {
	f        *os.File
	data     []byte
	released int // pages below this offset were handed back with MADV_DONTNEED
}

// mapFile maps f, or returns nil when it is not a non-empty regular file or cannot be mapped
// (the caller then reads it).
func mapFile(f *os.File) *mapping {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() <= 0 || fi.Size() != int64(int(fi.Size())) {
		return nil
	}
	data, err := mmap(f, int(fi.Size()))
	if err != nil {
		return nil
	}
	return &mapping{f: f, data: data}
}

func mmap(f *os.File, size int) ([]byte, error) {
	data, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	_ = unix.Madvise(data, unix.MADV_SEQUENTIAL) // advice only: reading works without it
	return data, nil
}

// grow maps the file again when it has grown since it was mapped and reports whether it did.
func (m *mapping) grow() bool {
	fi, err := m.f.Stat()
	if err != nil || fi.Size() <= int64(len(m.data)) || fi.Size() != int64(int(fi.Size())) {
		return false
	}
	data, err := mmap(m.f, int(fi.Size()))
	if err != nil {
		return false
	}
	m.unmap()
	m.data = data
	return true
}

// release hands back the pages wholly before offset pos.
func (m *mapping) release(pos int) {
	end := pos &^ (os.Getpagesize() - 1)
	if end > m.released {
		_ = unix.Madvise(m.data[m.released:end], unix.MADV_DONTNEED)
		m.released = end
	}
}

func (m *mapping) holds(addr uintptr) bool {
	if len(m.data) == 0 {
		return false
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(m.data)))
	return addr >= base && addr-base < uintptr(len(m.data))
}

func (m *mapping) unmap() {
	if m.data != nil {
		_ = unix.Munmap(m.data)
		m.data, m.released = nil, 0
	}
}
