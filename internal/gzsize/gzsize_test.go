package gzsize

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

func TestOf(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("borderwatch "), 10000) // 120 000 bytes
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(data)
	w.Close()
	write := func(name string, b []byte) (string, int64) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p, int64(len(b))
	}
	tests := []struct {
		name string
		data []byte
		want int64
	}{
		{"plain.log", data, 120000},
		{"packed.log.gz", z.Bytes(), 120000},
		{"not-gzip.gz", data, 120000},    // named .gz but plain: its size
		{"short.gz", z.Bytes()[:10], 10}, // too short to hold a trailer
	}
	for _, tt := range tests {
		p, size := write(tt.name, tt.data)
		if got := Of(p, size); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}
