package logs

import (
	"fmt"
	"testing"
	"unsafe"
)

// TestInterner checks that equal bytes give the same string (one allocation) through the
// direct-mapped table and the map alike, that colliding slots never return another string,
// and that the bound holds.
func TestInterner(t *testing.T) {
	tests := []struct {
		name     string
		max, n   int
		rounds   int
		resets   uint64
		shareAll bool // every later round returns the first round's strings
	}{
		{"fits the table", 0, 500, 3, 0, true},
		{"more than the table, fits the map", 0, 5000, 3, 0, true},
		{"more than the map", 1000, 2500, 2, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Interner{Max: tt.max}
			first := make([]string, tt.n)
			for r := range tt.rounds {
				for i := range tt.n {
					b := fmt.Appendf(nil, "value %d of some length", i*7919%tt.n)
					s := in.Bytes(b)
					if s != string(b) {
						t.Fatalf("Bytes(%q) = %q", b, s)
					}
					if r == 0 {
						first[i] = s
					} else if tt.shareAll && unsafe.StringData(s) != unsafe.StringData(first[i]) {
						t.Fatalf("round %d: %q not shared with the first round", r, s)
					}
				}
			}
			if in.Resets != tt.resets {
				t.Errorf("resets %d, want %d", in.Resets, tt.resets)
			}
			if max := max(tt.max, 8192); len(in.m) > max {
				t.Errorf("%d entries, bound %d", len(in.m), max)
			}
		})
	}
	var in Interner
	if in.Bytes(nil) != "" || in.Bytes([]byte("x")) != "x" || in.Bytes([]byte("x")) != "x" {
		t.Error("short values")
	}
	long := make([]byte, 300)
	if in.Bytes(long) != string(long) || len(in.m) != 1 {
		t.Error("a value over 256 bytes is returned and not kept")
	}
	if n := testing.AllocsPerRun(100, func() { in.Bytes([]byte("x")) }); n != 0 {
		t.Errorf("a repeated value allocates %v times", n)
	}
}
