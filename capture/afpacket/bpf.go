package afpacket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/bpf"
)

// CompileBPF compiles a tcpdump-syntax filter for iface into classic BPF by running
// `tcpdump -i IFACE -s SNAPLEN -ddd EXPR` (libpcap's compiler, the reference for this syntax).
// tcpdump must be installed; borderwatch itself stays pure Go.
func CompileBPF(ctx context.Context, iface string, snaplen int, expr string) ([]bpf.RawInstruction, error) {
	path, err := exec.LookPath("tcpdump")
	if err != nil {
		return nil, errors.New("--bpf needs tcpdump to compile the filter (apt-get install tcpdump); libpcap's compiler is the reference for the syntax")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "-i", iface, "-s", strconv.Itoa(snaplen), "-ddd", "--", expr)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("bpf filter %q: %s", expr, strings.TrimSpace(stderr.String()))
	}
	return ParseDDD(out)
}

// ParseDDD parses `tcpdump -ddd` output: the instruction count, then "code jt jf k" per line.
func ParseDDD(out []byte) ([]bpf.RawInstruction, error) {
	rows := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(rows) == 0 {
		return nil, errors.New("bpf: empty program")
	}
	n, err := strconv.Atoi(strings.TrimSpace(rows[0]))
	if err != nil || n != len(rows)-1 || n == 0 || n > 4096 {
		return nil, fmt.Errorf("bpf: bad instruction count line %q for %d lines", rows[0], len(rows)-1)
	}
	prog := make([]bpf.RawInstruction, 0, n)
	for i, row := range rows[1:] {
		f := strings.Fields(row)
		if len(f) != 4 {
			return nil, fmt.Errorf("bpf: instruction %d: want 4 fields, got %q", i, row)
		}
		var v [4]uint64
		for j, s := range f {
			x, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("bpf: instruction %d: %v", i, err)
			}
			v[j] = x
		}
		if v[0] > 0xffff || v[1] > 0xff || v[2] > 0xff {
			return nil, fmt.Errorf("bpf: instruction %d out of range: %q", i, row)
		}
		prog = append(prog, bpf.RawInstruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])})
	}
	return prog, nil
}
