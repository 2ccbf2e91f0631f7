// Package gzsize tells how many bytes a file holds once decompressed, for progress displays.
package gzsize

import (
	"compress/gzip"
	"encoding/binary"
	"os"
	"strings"
)

// Of returns the bytes of the file at path, of size bytes on disk, as its reader sees them:
// for a gzip file (by its .gz name) the size its trailer records (ISIZE: exact below 4 GiB,
// the size modulo 4 GiB above), otherwise size.
func Of(path string, size int64) int64 {
	if !strings.HasSuffix(path, ".gz") || size < 18 {
		return size
	}
	f, err := os.Open(path)
	if err != nil {
		return size
	}
	defer f.Close()
	if _, err := gzip.NewReader(f); err != nil {
		return size
	}
	var trailer [4]byte
	if _, err := f.ReadAt(trailer[:], size-4); err != nil {
		return size
	}
	return int64(binary.LittleEndian.Uint32(trailer[:]))
}
