package capture

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/borderwatch/borderwatch/capture/pcapfile"
	"github.com/borderwatch/borderwatch/internal/gzsize"
)

// readPath is one capture file to read.
type readPath struct {
	path  string
	found bool // found in a directory or by a pattern (not named itself)
}

// expandPaths turns the files to read into capture files: "-" (standard input) and files as
// given; a directory into the capture files under it, recursively, in name order; a pattern
// (*, ?, [) that names no file into the files it matches, each expanded in turn. Files found
// in a directory that are not captures (by their first bytes: a pcap or pcapng magic, also
// inside gzip) are returned in skipped.
func expandPaths(paths []string) (files []readPath, skipped []string, err error) {
	for _, p := range paths {
		if p == "-" {
			files = append(files, readPath{path: p})
			continue
		}
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) && strings.ContainsAny(p, "*?[") {
			matches, gerr := filepath.Glob(p)
			if gerr != nil {
				return nil, nil, fmt.Errorf("pattern %q: %w", p, gerr)
			}
			if len(matches) == 0 {
				return nil, nil, fmt.Errorf("no file matches %q", p)
			}
			for _, m := range matches {
				f, s, err := expandFound(m)
				if err != nil {
					return nil, nil, err
				}
				files, skipped = append(files, f...), append(skipped, s...)
			}
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if !fi.IsDir() {
			files = append(files, readPath{path: p})
			continue
		}
		f, s, err := expandFound(p)
		if err != nil {
			return nil, nil, err
		}
		if len(f) == 0 {
			return nil, nil, fmt.Errorf("%s: no capture files in this directory (%d other files)", p, len(s))
		}
		files, skipped = append(files, f...), append(skipped, s...)
	}
	return files, skipped, nil
}

// expandFound returns the capture files at or under p (a pattern's match or a directory).
func expandFound(p string) (files []readPath, skipped []string, err error) {
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		ok, err := pcapfile.IsCapture(path)
		if err != nil {
			return err
		}
		if ok {
			files = append(files, readPath{path: path, found: true})
		} else {
			skipped = append(skipped, path)
		}
		return nil
	})
	return files, skipped, err
}

// InputBytes returns the bytes the files at paths hold (decompressed for gzip, by the size
// their trailer records), the total against which Progress counts; paths are expanded as
// FileSource expands them. Standard input and what cannot be expanded count as 0.
func InputBytes(paths []string) int64 {
	files, _, _ := expandPaths(paths)
	var total int64
	for _, f := range files {
		if f.path == "-" {
			continue
		}
		if fi, err := os.Stat(f.path); err == nil && fi.Mode().IsRegular() {
			total += gzsize.Of(f.path, fi.Size())
		}
	}
	return total
}
