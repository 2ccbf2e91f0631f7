//go:build linux || darwin || freebsd

package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sameRecords compares two readings record by record (data, time, link, interface, offset).
func sameRecords(t *testing.T, got, want []Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !bytes.Equal(g.Data, w.Data) || !g.Timestamp.Equal(w.Timestamp) || g.WireLen != w.WireLen ||
			g.Link != w.Link || g.Interface != w.Interface || g.IfName != w.IfName || g.Offset != w.Offset {
			t.Fatalf("record %d: got %+v, want %+v", i, g, w)
		}
	}
}

// Files opened with OpenMapped are mapped (except gzip) and read exactly as the buffered reader reads
// the same bytes.
func TestMappedFormats(t *testing.T) {
	pkts := synth.Mixed()
	le := pcapBytes(t, pkts, false)
	tests := []struct {
		name   string
		data   []byte
		mapped bool
	}{
		{"pcap microseconds", le, true},
		{"pcap nanoseconds", pcapBytes(t, pkts, true), true},
		{"pcap big-endian", bigEndian(le), true},
		{"pcap big-endian nanoseconds", bigEndian(pcapBytes(t, pkts, true)), true},
		{"pcapng", pcapngBytes(t, pkts), true},
		{"pcapng several link types", pcapngBytes(t, append(synth.Mixed()[:5], synth.Cooked()...)), true},
		{"gzip pcap", gz(le), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "f", tt.data)
			if plain, err := Open(path); err != nil || plain.Mapped() {
				t.Fatalf("Open: mapped or failed (%v)", err)
			} else {
				plain.Close()
			}
			r, err := OpenMapped(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Mapped() != tt.mapped {
				t.Fatalf("mapped %v, want %v", r.Mapped(), tt.mapped)
			}
			got, err := readAll(t, r)
			if err != nil {
				t.Fatal(err)
			}
			br, err := NewReader(bytes.NewReader(tt.data), "f")
			if err != nil {
				t.Fatal(err)
			}
			want, err := readAll(t, br)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) < len(synth.Mixed()[:5]) {
				t.Fatalf("only %d records", len(want))
			}
			sameRecords(t, got, want)
		})
	}
}

// Damaged mapped files give the records before the damage and the same report, with the same
// byte offset, as the buffered reader.
func TestMappedDamage(t *testing.T) {
	pkts := synth.Mixed()
	le := pcapBytes(t, pkts, false)
	off := 24
	for i := 0; i < 10; i++ {
		off += 16 + int(binary.LittleEndian.Uint32(le[off+8:]))
	}
	corrupt := bytes.Clone(le)
	binary.LittleEndian.PutUint32(corrupt[off+8:], 1<<30)
	badFrac := bytes.Clone(le)
	binary.LittleEndian.PutUint32(badFrac[off+4:], 2_000_000)
	ng := pcapngBytes(t, pkts)
	tests := []struct {
		name    string
		data    []byte
		records int
		want    error
	}{
		{"cut inside record data", le[:off+20], 10, ErrTruncated},
		{"cut inside record header", le[:off+5], 10, ErrTruncated},
		{"big-endian cut", bigEndian(le[:off+20])[:off+20], 10, ErrTruncated},
		{"huge captured length", corrupt, 10, ErrCorrupt},
		{"timestamp fraction out of range", badFrac, 10, ErrCorrupt},
		{"pcapng cut", ng[:len(ng)-30], len(pkts) - 1, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "cut.pcap", tt.data)
			r, err := OpenMapped(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if !r.Mapped() {
				t.Fatal("not mapped")
			}
			got, gerr := readAll(t, r)
			br, _ := NewReader(bytes.NewReader(tt.data), path)
			want, werr := readAll(t, br)
			var d *DamageError
			if !errors.As(gerr, &d) || !errors.Is(gerr, tt.want) {
				t.Fatalf("err %v, want a DamageError wrapping %v", gerr, tt.want)
			}
			if gerr.Error() != werr.Error() {
				t.Fatalf("mapped: %v; buffered: %v", gerr, werr)
			}
			if len(got) != tt.records {
				t.Fatalf("%d records, want %d", len(got), tt.records)
			}
			sameRecords(t, got, want)
			if _, err := r.Next(); err != gerr { // the report stays
				t.Fatalf("next: %v", err)
			}
		})
	}
}

// A file that grows while it is read (a capture still being written) is read to its new end.
func TestMappedGrowth(t *testing.T) {
	pkts := synth.Mixed()
	full := pcapBytes(t, pkts, true)
	off := 24
	for i := 0; i < 10; i++ {
		off += 16 + int(binary.LittleEndian.Uint32(full[off+8:]))
	}
	cut := off + 7 // inside the header of record 10
	path := writeTemp(t, "growing.pcap", full[:cut])
	r, err := OpenMapped(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 0; i < 10; i++ {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(full[cut:]); err != nil {
		t.Fatal(err)
	}
	f.Close()
	rest, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != len(pkts)-10 || !bytes.Equal(rest[len(rest)-1].Data, pkts[len(pkts)-1].Data) {
		t.Fatalf("%d records after growth, want %d", len(rest), len(pkts)-10)
	}
}

// A mapped file cut short while it is read faults on access; the merger's CatchFault turns
// that into a damage report for that file, and the other files are read to their end.
func TestMappedShrink(t *testing.T) {
	pkts := synth.Mixed()
	data := pcapBytes(t, pkts, false)
	for len(data) < 64<<10 { // several pages
		data = append(data, pcapBytes(t, pkts, false)[24:]...)
	}
	shrinking := writeTemp(t, "shrinking.pcap", data)
	other := writeTemp(t, "other.pcap", pcapBytes(t, pkts, false))
	ra, err := OpenMapped(shrinking)
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	rb, err := OpenMapped(other)
	if err != nil {
		t.Fatal(err)
	}
	defer rb.Close()
	m := NewMerger([]*Reader{ra, rb})
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	var fromA, fromB, faults int
	var damage error
	truncated := false
	step := func() (done bool) {
		defer func() {
			if v := recover(); v != nil {
				if !m.CatchFault(v) {
					panic(v)
				}
				faults++
				done = false
			}
		}()
		rec, r, err := m.Next()
		if err == io.EOF {
			return true
		}
		if err != nil {
			damage = err
			return false
		}
		_ = bytes.Clone(rec.Data)
		if r == ra {
			fromA++
			if fromA == 3 && !truncated {
				truncated = true
				if err := os.Truncate(shrinking, 0); err != nil {
					t.Fatal(err)
				}
			}
		} else {
			fromB++
		}
		return false
	}
	for i := 0; i < 10*len(pkts) && !step(); i++ {
	}
	if faults != 1 || !errors.Is(damage, ErrShrunk) || fromB != len(pkts) {
		t.Fatalf("faults %d, damage %v, %d records from the other file (want 1, %v, %d)", faults, damage, fromB, ErrShrunk, len(pkts))
	}
	var d *DamageError
	if !errors.As(damage, &d) || d.Path != shrinking {
		t.Fatalf("damage %v does not name %s", damage, shrinking)
	}
}

// Other panics pass through CatchFault.
func TestCatchFaultOthers(t *testing.T) {
	m := NewMerger(nil)
	if m.CatchFault("boom") || m.CatchFault(errors.New("x")) {
		t.Fatal("caught a panic that is not a fault in a mapping")
	}
}

// BenchmarkReadMapped is BenchmarkRead through a mapped file (0 allocs/op after Open).
func BenchmarkReadMapped(b *testing.B) {
	data := pcapBytes(b, synth.Mixed(), false)
	for len(data) < 8<<20 {
		data = append(data, pcapBytes(b, synth.Mixed(), false)[24:]...)
	}
	path := writeTemp(b, "b.pcap", data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := OpenMapped(path)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
		r.Close()
	}
}
