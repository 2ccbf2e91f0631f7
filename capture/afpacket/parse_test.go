package afpacket

import (
	"testing"

	"golang.org/x/net/bpf"
)

func TestParseDDD(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []bpf.RawInstruction
		wantErr bool
	}{
		{"udp filter", "4\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n6 0 0 0\n",
			[]bpf.RawInstruction{{Op: 40, K: 12}, {Op: 21, Jt: 0, Jf: 1, K: 2048}, {Op: 6, K: 262144}, {Op: 6}}, false},
		{"count mismatch", "3\n6 0 0 0\n", nil, true},
		{"bad field", "1\n6 0 x 0\n", nil, true},
		{"out of range", "1\n70000 0 0 0\n", nil, true},
		{"empty", "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDDD([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d instructions, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("instruction %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}
