package pcapfile

import (
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"time"
)

// probeRead caps each read of a probe, so that learning a file's first time stamp reads a
// few pages and not a whole buffer.
const probeRead = 64 << 10

type smallReads struct{ r io.Reader }

func (s smallReads) Read(p []byte) (int, error) {
	if len(p) > probeRead {
		p = p[:probeRead]
	}
	return s.r.Read(p)
}

// Probe opens the capture file at path, reads its header and the time stamp of its first
// record, and closes it. empty reports a file without records. An error in the file header is
// returned (the file cannot be read at all); damage in the records is not: the file is then
// reported by the Merger when it reads it.
func Probe(path string) (first time.Time, empty bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}, false, err
	}
	defer f.Close()
	r, err := NewReader(smallReads{f}, path)
	if err != nil {
		return time.Time{}, false, err
	}
	defer r.Close() // its buffer goes back to the pool for the next probe
	rec, err := r.Next()
	if errors.Is(err, io.EOF) {
		return time.Time{}, true, nil
	}
	if err != nil {
		return time.Time{}, false, nil // damaged at once: first in order, reported when read
	}
	return rec.Timestamp, false, nil
}

// Reopenable reports whether path names a regular file, which a Merger can probe first and
// open later; standard input ("-"), pipes and devices are read once, so they are opened at
// once.
func Reopenable(path string) bool {
	if path == "-" {
		return false
	}
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// IsCapture reports whether the file at path starts as a pcap or pcapng file does, plain or
// gzip-compressed: how a directory's captures are told from the other files in it.
func IsCapture(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var head [4]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return false, nil // shorter than any capture
	}
	if isGzip(head[:]) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return false, err
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			return false, nil
		}
		if _, err := io.ReadFull(zr, head[:]); err != nil {
			return false, nil
		}
	}
	switch binary.LittleEndian.Uint32(head[:]) {
	case magicMicro, magicNano, magicMicroSwapped, magicNanoSwapped, magicNG:
		return true, nil
	}
	return false, nil
}
