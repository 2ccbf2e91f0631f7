package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

// probeAll probes files as the capture source does.
func probeAll(t *testing.T, paths []string) []Input {
	t.Helper()
	var in []Input
	for _, p := range paths {
		first, empty, err := Probe(p)
		if err != nil {
			t.Fatal(err)
		}
		if !empty {
			in = append(in, Input{Path: p, First: first})
		}
	}
	return in
}

// TestFileMergerRotated reads 24 hourly files given in reverse order: the records come out
// in time order, and never more than one file is open at a time (each is opened when its
// hour comes and closed at its end).
func TestFileMergerRotated(t *testing.T) {
	pkts := synth.Mixed()
	dir := t.TempDir()
	var paths []string
	for h := 23; h >= 0; h-- {
		p := filepath.Join(dir, "hour"+string(rune('a'+h))+".pcap")
		data := pcapBytes(t, synth.Shifted(pkts, time.Duration(h)*time.Hour), h%2 == 0)
		if h%3 == 0 {
			p, data = p+".gz", gz(data)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	m := NewFileMerger(probeAll(t, paths), Open)
	defer m.Close()
	var last time.Time
	n, maxOpen := 0, 0
	for {
		rec, _, err := m.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Timestamp.Before(last) {
			t.Fatalf("record %d goes back in time", n)
		}
		if want := pkts[n%len(pkts)].Data; !bytes.Equal(rec.Data, want) {
			t.Fatalf("record %d is not packet %d of hour %d", n, n%len(pkts), n/len(pkts))
		}
		last = rec.Timestamp
		maxOpen = max(maxOpen, len(m.readers))
		n++
	}
	if n != 24*len(pkts) {
		t.Fatalf("%d records, want %d", n, 24*len(pkts))
	}
	if maxOpen != 1 {
		t.Errorf("up to %d files open at once, want 1", maxOpen)
	}
	if m.Opened() != 24 || len(m.readers) != 0 {
		t.Errorf("opened %d, still open %d; want 24 and 0", m.Opened(), len(m.readers))
	}
}

// TestFileMergerOverlap merges two files whose times interleave with a third that starts
// later, an open reader (as standard input is) and an empty file: every record once, in time
// order, ties in the order the inputs were given.
func TestFileMergerOverlap(t *testing.T) {
	pkts := synth.Mixed()
	a, b := synth.Alternate(pkts)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pa := write("a.pcap", pcapBytes(t, a, false))
	pb := write("b.pcapng", pcapngBytes(t, b))
	pc := write("c.pcap", pcapBytes(t, synth.Shifted(pkts, 24*time.Hour), true))
	pe := write("empty.pcap", pcapBytes(t, nil, false))
	dup, err := NewBytesReader(pcapBytes(t, pkts[:1], false), "dup") // same time as the first packet
	if err != nil {
		t.Fatal(err)
	}
	in := probeAll(t, []string{pc, pe, pb, pa})
	if len(in) != 3 {
		t.Fatalf("%d inputs, want 3 (the empty file has none)", len(in))
	}
	in = append(in, Input{Reader: dup})
	m := NewFileMerger(in, Open)
	defer m.Close()
	var got []string
	var last time.Time
	for {
		rec, r, err := m.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Timestamp.Before(last) {
			t.Fatalf("record %d goes back in time", len(got))
		}
		last = rec.Timestamp
		got = append(got, filepath.Base(r.Path()))
	}
	if want := 2*len(pkts) + 1; len(got) != want {
		t.Fatalf("%d records, want %d", len(got), want)
	}
	// pkts[0] is in a.pcap (given 4th of the probed files, 3rd of the inputs) and in dup (4th)
	if got[0] != "a.pcap" || got[1] != "dup" {
		t.Errorf("first records from %v, want a.pcap then dup", got[:2])
	}
	for i, g := range got[len(got)-len(pkts):] {
		if g != "c.pcap" {
			t.Fatalf("record %d of the last day from %s", i, g)
		}
	}
}

// TestFileMergerDamaged checks that a file damaged in its first record is reported once with
// its path and the others are read, and that a file gone before its turn is an error naming it.
func TestFileMergerDamaged(t *testing.T) {
	pkts := synth.Mixed()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.pcap")
	bad := filepath.Join(dir, "bad.pcap")
	os.WriteFile(good, pcapBytes(t, pkts, false), 0o644)
	whole := pcapBytes(t, pkts[:1], false)
	os.WriteFile(bad, whole[:len(whole)-3], 0o644) // cut inside its only record
	m := NewFileMerger(probeAll(t, []string{good, bad}), Open)
	n, damaged := 0, 0
	for {
		_, _, err := m.Next()
		if err == io.EOF {
			break
		}
		var dmg *DamageError
		if errors.As(err, &dmg) {
			if dmg.Path != bad || dmg.Offset != 24 {
				t.Errorf("damage %v, want %s at offset 24", dmg, bad)
			}
			damaged++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != len(pkts) || damaged != 1 {
		t.Fatalf("%d records and %d damage reports, want %d and 1", n, damaged, len(pkts))
	}

	later := filepath.Join(dir, "later.pcap")
	os.WriteFile(later, pcapBytes(t, synth.Shifted(pkts, time.Hour), false), 0o644)
	m = NewFileMerger(probeAll(t, []string{good, later}), Open)
	defer m.Close()
	os.Remove(later)
	for {
		_, _, err := m.Next()
		if err == io.EOF {
			t.Fatal("the removed file was not reported")
		}
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestBuffersReused checks that probing and reading many files one after another reuses the
// readers' megabyte buffers: without the pool, 64 probes and 64 reads allocate 128 MiB.
func TestBuffersReused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "small.pcap")
	if err := os.WriteFile(p, pcapBytes(t, synth.Mixed(), false), 0o644); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 64; i++ {
		if _, _, err := Probe(p); err != nil {
			t.Fatal(err)
		}
		r, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := readAll(t, r); err != nil {
			t.Fatal(err)
		}
		r.Close()
		if _, err := r.Next(); !errors.Is(err, fs.ErrClosed) {
			t.Fatalf("Next after Close: %v, want %v", err, fs.ErrClosed)
		}
	}
	runtime.ReadMemStats(&after)
	limit := uint64(16 << 20)
	if raceEnabled {
		limit = 80 << 20 // the race detector's pool drops a quarter of the buffers
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > limit {
		t.Fatalf("%d MiB allocated for 64 probes and reads of a small file, want < %d", got>>20, limit>>20)
	}
}

// TestBatchesStayValid reads through a Merger in batches as the capture source does: a batch
// grows while Buffered reports true (at most 64 records) and every record of a batch must
// still hold its bytes when the batch ends, across buffer refills, interleaved files, a
// damaged record (its file is closed only at the next call), gzip, pcapng and mapped files.
func TestBatchesStayValid(t *testing.T) {
	var pkts []synth.Packet
	for len(pkts) < 30000 {
		pkts = append(pkts, synth.Shifted(synth.Mixed(), time.Duration(len(pkts))*time.Minute)...)
	}
	var even, odd []synth.Packet // two files whose records interleave
	for i, p := range pkts {
		if i%2 == 0 {
			even = append(even, p)
		} else {
			odd = append(odd, p)
		}
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	whole := pcapBytes(t, pkts, false)
	if len(whole) < 2*bufSize {
		t.Fatalf("capture of %d bytes; the test wants several buffer refills", len(whole))
	}
	// a record in the middle whose timestamp fraction is out of range: the reader finds the
	// damage in a record that Buffered promised, so its file ends while a batch holds records
	bad := bytes.Clone(whole)
	for off, i := 24, 0; ; i++ {
		if i == len(pkts)/2 {
			binary.LittleEndian.PutUint32(bad[off+4:], 2e6)
			break
		}
		off += 16 + int(binary.LittleEndian.Uint32(bad[off+8:]))
	}
	tests := []struct {
		name   string
		paths  []string
		open   func(string) (*Reader, error)
		damage bool
	}{
		{"pcap", []string{write("a.pcap", whole)}, Open, false},
		{"pcapng", []string{write("a.pcapng", pcapngBytes(t, pkts))}, Open, false},
		{"gzip", []string{write("a.pcap.gz", gz(whole))}, Open, false},
		{"mapped", []string{write("m.pcap", whole)}, OpenMapped, false},
		{"interleaved", []string{write("even.pcap", pcapBytes(t, even, false)), write("odd.pcapng", pcapngBytes(t, odd))}, Open, false},
		{"damaged", []string{write("bad.pcap", bad), write("later.pcap", pcapBytes(t, synth.Shifted(pkts[:500], 1000*time.Hour), false))}, OpenMapped, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewFileMerger(probeAll(t, tt.paths), tt.open)
			defer m.Close()
			type held struct{ data, want []byte }
			var batch []held
			records, batches, longest, damaged := 0, 0, 0, 0
			check := func() {
				for i, h := range batch {
					if !bytes.Equal(h.data, h.want) {
						t.Fatalf("record %d of a batch of %d changed before the batch ended", i, len(batch))
					}
				}
				if len(batch) > 0 {
					batches++
					longest = max(longest, len(batch))
				}
				batch = batch[:0]
			}
			for {
				rec, _, err := m.Next()
				if err != nil {
					check()
				}
				if err == io.EOF {
					break
				}
				var dmg *DamageError
				if errors.As(err, &dmg) {
					damaged++
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				records++
				batch = append(batch, held{rec.Data, bytes.Clone(rec.Data)})
				if len(batch) == 64 || !m.Buffered() {
					check()
				}
			}
			if tt.damage != (damaged == 1) || damaged > 1 {
				t.Fatalf("%d damage reports", damaged)
			}
			if !tt.damage && records != len(pkts) {
				t.Fatalf("%d records, want %d", records, len(pkts))
			}
			if longest != 64 || batches >= records/2 {
				t.Fatalf("%d records in %d batches, the longest %d: batches should mostly be full", records, batches, longest)
			}
		})
	}
}
