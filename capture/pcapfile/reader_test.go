package pcapfile

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/borderwatch/borderwatch/capture/decode"
	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

func pcapBytes(t testing.TB, pkts []synth.Packet, nanos bool) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := synth.WritePcap(&b, pkts, nanos); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pcapngBytes(t testing.TB, pkts []synth.Packet) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := synth.WritePcapNG(&b, pkts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bigEndian rewrites a little-endian pcap in big-endian byte order.
func bigEndian(le []byte) []byte {
	be := bytes.Clone(le)
	sw32 := func(o int) { binary.BigEndian.PutUint32(be[o:], binary.LittleEndian.Uint32(le[o:])) }
	sw16 := func(o int) { binary.BigEndian.PutUint16(be[o:], binary.LittleEndian.Uint16(le[o:])) }
	sw32(0)
	sw16(4)
	sw16(6)
	for _, o := range []int{8, 12, 16, 20} {
		sw32(o)
	}
	for off := 24; off+16 <= len(le); {
		n := int(binary.LittleEndian.Uint32(le[off+8:]))
		for i := 0; i < 4; i++ {
			sw32(off + 4*i)
		}
		off += 16 + n
	}
	return be
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func readAll(t testing.TB, r *Reader) ([]Record, error) {
	t.Helper()
	var out []Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		c := *rec
		c.Data = bytes.Clone(rec.Data)
		out = append(out, c)
	}
}

func TestFormats(t *testing.T) {
	pkts := synth.Mixed()
	le := pcapBytes(t, pkts, false)
	tests := []struct {
		name string
		data []byte
	}{
		{"pcap microseconds", le},
		{"pcap nanoseconds", pcapBytes(t, pkts, true)},
		{"pcap big-endian", bigEndian(le)},
		{"pcapng", pcapngBytes(t, pkts)},
		{"gzip pcap", gz(le)},
		{"gzip pcapng", gz(pcapngBytes(t, pkts))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.data), "f")
			if err != nil {
				t.Fatal(err)
			}
			recs, err := readAll(t, r)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(pkts) {
				t.Fatalf("%d records, want %d", len(recs), len(pkts))
			}
			for i, rec := range recs {
				if !bytes.Equal(rec.Data, pkts[i].Data) || !rec.Timestamp.Equal(pkts[i].Time) || rec.Link != decode.LinkEthernet || rec.WireLen != len(pkts[i].Data) {
					t.Fatalf("record %d differs: ts %v/%v len %d/%d", i, rec.Timestamp, pkts[i].Time, len(rec.Data), len(pkts[i].Data))
				}
			}
		})
	}
}

func TestPcapNGLinkTypes(t *testing.T) {
	pkts := append(synth.Mixed()[:5], synth.Cooked()...)
	r, err := NewReader(bytes.NewReader(pcapngBytes(t, pkts)), "f")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	want := []decode.LinkType{1, 1, 1, 1, 1, decode.LinkSLL, decode.LinkSLL2, decode.LinkRaw}
	for i, rec := range recs {
		if rec.Link != want[i] {
			t.Fatalf("record %d link %d, want %d", i, rec.Link, want[i])
		}
	}
}

func TestDamage(t *testing.T) {
	pkts := synth.Mixed()
	le := pcapBytes(t, pkts, false)
	// offset of record 10
	off := 24
	for i := 0; i < 10; i++ {
		off += 16 + int(binary.LittleEndian.Uint32(le[off+8:]))
	}
	corrupt := bytes.Clone(le)
	binary.LittleEndian.PutUint32(corrupt[off+8:], 1<<30)
	ng := pcapngBytes(t, pkts)
	tests := []struct {
		name    string
		data    []byte
		records int
		offset  int64
		want    error
	}{
		{"cut inside record data", le[:off+20], 10, int64(off), ErrTruncated},
		{"cut inside record header", le[:off+5], 10, int64(off), ErrTruncated},
		{"huge captured length", corrupt, 10, int64(off), ErrCorrupt},
		{"pcapng cut", ng[:len(ng)-30], len(pkts) - 1, -1, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.data), "cut.pcap")
			if err != nil {
				t.Fatal(err)
			}
			recs, err := readAll(t, r)
			var d *DamageError
			if !errors.As(err, &d) || !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want a DamageError wrapping %v", err, tt.want)
			}
			if len(recs) != tt.records || (tt.offset >= 0 && d.Offset != tt.offset) {
				t.Fatalf("%d records, offset %d; want %d records at offset %d", len(recs), d.Offset, tt.records, tt.offset)
			}
			if !strings.Contains(err.Error(), "cut.pcap: byte offset") {
				t.Fatalf("message %q", err)
			}
		})
	}
}

func TestHeaderErrors(t *testing.T) {
	le := pcapBytes(t, synth.Mixed()[:1], false)
	badLink := bytes.Clone(le)
	binary.LittleEndian.PutUint32(badLink[20:], 147)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"text", []byte("hello world, not a capture"), "not a pcap"},
		{"unknown link type", badLink, "link type 147 is not supported"},
		{"short header", le[:10], "file header cut short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tt.data), "x")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	pkts := synth.Mixed()
	var a, b []synth.Packet
	for i, p := range pkts {
		if i%3 == 0 {
			a = append(a, p)
		} else {
			b = append(b, p)
		}
	}
	dir := t.TempDir()
	pa, pb := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcapng.gz")
	os.WriteFile(pa, pcapBytes(t, a, false), 0o644)
	os.WriteFile(pb, gz(pcapngBytes(t, b)), 0o644)
	ra, err := Open(pa)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := Open(pb)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMerger([]*Reader{rb, ra})
	var last time.Time
	n := 0
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
		if !bytes.Equal(rec.Data, pkts[n].Data) {
			t.Fatalf("record %d is not the %dth packet", n, n)
		}
		last = rec.Timestamp
		n++
	}
	if n != len(pkts) {
		t.Fatalf("%d records, want %d", n, len(pkts))
	}
}

func TestNgTime(t *testing.T) {
	tests := []struct {
		ts    uint64
		resol uint8
		want  time.Time
	}{
		{1_700_000_000_123456, 6, time.Unix(1_700_000_000, 123456000)},
		{1_700_000_000_123456789, 9, time.Unix(1_700_000_000, 123456789)},
		{1_700_000_000 << 10, 0x80 | 10, time.Unix(1_700_000_000, 0)},
		{1_700_000_000<<10 | 512, 0x80 | 10, time.Unix(1_700_000_000, 500_000_000)},
	}
	for _, tt := range tests {
		if got := ngTime(tt.ts, tt.resol, 0); !got.Equal(tt.want) {
			t.Errorf("ngTime(%d, %#x) = %v, want %v", tt.ts, tt.resol, got, tt.want)
		}
	}
}

// FuzzReader reads arbitrary bytes as a capture: never a panic, only records or errors; the
// memory reader (the mapped-file path) and the buffered reader give the same records and the
// same error.
func FuzzReader(f *testing.F) {
	f.Add(pcapBytes(f, synth.Mixed()[:3], false))
	f.Add(pcapBytes(f, synth.Mixed()[:3], true))
	f.Add(bigEndian(pcapBytes(f, synth.Mixed()[:3], false)))
	f.Add(pcapngBytes(f, append(synth.Mixed()[:2], synth.Cooked()...)))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(bytes.NewReader(b), "fuzz")
		m, merr := NewBytesReader(b, "fuzz")
		if (err == nil) != (merr == nil) || (err != nil && err.Error() != merr.Error()) {
			t.Fatalf("open: buffered %v, memory %v", err, merr)
		}
		if err != nil {
			return
		}
		for i := 0; i < 1000; i++ {
			rec, err := r.Next()
			mrec, merr := m.Next()
			if (err == nil) != (merr == nil) || (err != nil && err.Error() != merr.Error()) {
				t.Fatalf("record %d: buffered %v, memory %v", i, err, merr)
			}
			if err != nil {
				return
			}
			if len(rec.Data) > MaxRecord || rec.WireLen < len(rec.Data) {
				t.Fatalf("record of %d bytes, wire %d", len(rec.Data), rec.WireLen)
			}
			if !bytes.Equal(rec.Data, mrec.Data) || !rec.Timestamp.Equal(mrec.Timestamp) || rec.WireLen != mrec.WireLen ||
				rec.Link != mrec.Link || rec.Interface != mrec.Interface || rec.IfName != mrec.IfName || rec.Offset != mrec.Offset {
				t.Fatalf("record %d: buffered %+v, memory %+v", i, rec, mrec)
			}
		}
	})
}

// BenchmarkRead is the zero-copy read loop over the reference capture (0 allocs/op).
func BenchmarkRead(b *testing.B) {
	data := pcapBytes(b, synth.Mixed(), false)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var rd bytes.Reader
	for i := 0; i < b.N; i++ {
		rd.Reset(data)
		r, err := NewReader(&rd, "b")
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
	}
}

func TestStdin(t *testing.T) {
	data := gz(pcapBytes(t, synth.Mixed(), true))
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old }()
	go func() { w.Write(data); w.Close() }()
	rd, err := Open("-")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(t, rd)
	if err != nil || len(recs) != len(synth.Mixed()) || rd.Path() != "stdin" {
		t.Fatalf("%d records, err %v, path %q", len(recs), err, rd.Path())
	}
}

// Records with equal timestamps come in the order the readers were given, also when the
// earliest reader stays the earliest (the merger's path without heap operations).
func TestMergeTies(t *testing.T) {
	pkts := synth.Mixed()[:20]
	same := pcapBytes(t, pkts, true)
	ra, _ := NewReader(bytes.NewReader(same), "a")
	rb, _ := NewReader(bytes.NewReader(same), "b")
	rc, _ := NewReader(bytes.NewReader(pcapBytes(t, pkts[:3], true)), "c")
	m := NewMerger([]*Reader{rb, ra, rc})
	var got []string
	for {
		_, r, err := m.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Path())
	}
	var want []string
	for i := range pkts {
		want = append(want, "b", "a")
		if i < 3 {
			want = append(want, "c")
		}
	}
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Fatalf("order %v, want %v", got, want)
	}
}

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	r io.Reader
	n int
}

func (c chunkReader) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

// stallReader returns (0, nil) once it has given its bytes.
type stallReader struct{ b []byte }

func (s *stallReader) Read(p []byte) (int, error) {
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}

// TestBufferedReads reads captures of several MiB (records cross the read buffer's end and
// are moved to its front) through sources that return little per call or an error with the
// last bytes, and compares every record with the in-memory reader's.
func TestBufferedReads(t *testing.T) {
	var pkts []synth.Packet
	for len(pkts) < 30000 {
		pkts = append(pkts, synth.Mixed()...)
	}
	data := pcapBytes(t, pkts, true)
	ng := pcapngBytes(t, pkts)
	if len(data) < 2*bufSize {
		t.Fatalf("capture of %d bytes; the test wants records across several buffer fills", len(data))
	}
	tests := []struct {
		name string
		data []byte
		wrap func(io.Reader) io.Reader
	}{
		{"whole", data, func(r io.Reader) io.Reader { return r }},
		{"one byte", data[:300000], iotest.OneByteReader},
		{"half", data, iotest.HalfReader},
		{"7 bytes", data, func(r io.Reader) io.Reader { return chunkReader{r, 7} }},
		{"65 KiB", data, func(r io.Reader) io.Reader { return chunkReader{r, 65<<10 + 3} }},
		{"data with EOF", data, iotest.DataErrReader},
		{"pcapng 65 KiB", ng, func(r io.Reader) io.Reader { return chunkReader{r, 65<<10 + 3} }},
		{"gzip 7 bytes", gz(data), func(r io.Reader) io.Reader { return chunkReader{r, 7} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain := tt.data
			if tt.name == "gzip 7 bytes" {
				plain = data
			}
			m, err := NewBytesReader(plain, "f")
			if err != nil {
				t.Fatal(err)
			}
			want, werr := readAll(t, m)
			r, err := NewReader(tt.wrap(bytes.NewReader(tt.data)), "f")
			if err != nil {
				t.Fatal(err)
			}
			got, err := readAll(t, r)
			if (err == nil) != (werr == nil) || (err != nil && err.Error() != werr.Error()) {
				t.Fatalf("error %v, memory reader %v", err, werr)
			}
			if len(got) != len(want) || len(got) == 0 {
				t.Fatalf("%d records, memory reader %d", len(got), len(want))
			}
			for i := range got {
				g, w := got[i], want[i]
				if !bytes.Equal(g.Data, w.Data) || !g.Timestamp.Equal(w.Timestamp) || g.Offset != w.Offset || g.WireLen != w.WireLen {
					t.Fatalf("record %d: %+v, memory reader %+v", i, g, w)
				}
			}
		})
	}
}

// TestBufferedNoProgress: a source that stops giving bytes without an error ends the read
// with io.ErrNoProgress and the offset, not a hang and not a damage report.
func TestBufferedNoProgress(t *testing.T) {
	data := pcapBytes(t, synth.Mixed(), false)
	r, err := NewReader(&stallReader{b: data[:len(data)-10]}, "f")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(t, r)
	var dmg *DamageError
	if !errors.Is(err, io.ErrNoProgress) || errors.As(err, &dmg) || !strings.Contains(err.Error(), "f: byte offset") {
		t.Fatalf("error %v after %d records, want io.ErrNoProgress with the offset", err, len(recs))
	}
	if len(recs) != len(synth.Mixed())-1 {
		t.Fatalf("%d records before the stall, want %d", len(recs), len(synth.Mixed())-1)
	}
}
