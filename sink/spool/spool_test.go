package spool

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func testConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.Path = t.TempDir()
	cfg.SegmentBytes = 4096
	cfg.MaxBytes = 64 << 10
	return cfg
}

func recs(from, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, `{"n":%d,"pad":"%s"}`, from+i, strings.Repeat("x", 100))
	}
	return out
}

// drain reads everything in batches of batch records, acking each batch.
func drain(t *testing.T, s *Spool, batch int) []string {
	t.Helper()
	var got []string
	for {
		rs, err := s.Peek(batch, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 0 {
			return got
		}
		for _, r := range rs {
			got = append(got, string(r))
		}
		if err := s.Ack(len(rs)); err != nil {
			t.Fatal(err)
		}
	}
}

func want(from, n int) []string {
	var out []string
	for _, r := range recs(from, n) {
		out = append(out, string(r))
	}
	return out
}

func equal(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("record %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestAppendPeekAckInOrderAcrossSegments(t *testing.T) {
	for _, batch := range []int{1, 7, 1000} {
		t.Run(fmt.Sprint(batch), func(t *testing.T) {
			s, err := Open(testConfig(t), quiet())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for i := 0; i < 200; i += 10 {
				if err := s.Append(recs(i, 10)); err != nil {
					t.Fatal(err)
				}
			}
			if s.Len() != 200 {
				t.Fatalf("Len = %d, want 200", s.Len())
			}
			equal(t, drain(t, s, batch), want(0, 200))
			if s.Len() != 0 {
				t.Fatalf("Len after drain = %d", s.Len())
			}
			if n := len(s.segs); n != 1 {
				t.Fatalf("%d segments left after drain, want 1", n)
			}
		})
	}
}

func TestReopenResumesAtPosition(t *testing.T) {
	cfg := testConfig(t)
	s, err := Open(cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Append(recs(0, 100)); err != nil {
		t.Fatal(err)
	}
	rs, _ := s.Peek(30, 1<<20)
	if err := s.Ack(len(rs)); err != nil {
		t.Fatal(err)
	}
	// Peeked but not acked: must come back after a restart.
	if _, err := s.Peek(20, 1<<20); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Len() != 70 {
		t.Fatalf("Len after reopen = %d, want 70", s.Len())
	}
	if err := s.Append(recs(100, 5)); err != nil {
		t.Fatal(err)
	}
	equal(t, drain(t, s, 9), want(30, 75))
}

func TestTornTailIsCut(t *testing.T) {
	cfg := testConfig(t)
	s, _ := Open(cfg, quiet())
	if err := s.Append(recs(0, 3)); err != nil {
		t.Fatal(err)
	}
	last := s.segPath(s.segs[len(s.segs)-1].seq)
	s.Close()
	// A crash in the middle of an append: half a record at the end.
	f, _ := os.OpenFile(last, os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte{0, 0, 1, 0, 1, 2})
	f.Close()
	s, err := Open(cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Stats.Corrupt.Load() != 1 {
		t.Fatalf("Corrupt = %d, want 1", s.Stats.Corrupt.Load())
	}
	if err := s.Append(recs(3, 2)); err != nil {
		t.Fatal(err)
	}
	equal(t, drain(t, s, 10), want(0, 5))
}

func TestDamagedRecordSkipsRestOfSegment(t *testing.T) {
	cfg := testConfig(t)
	s, _ := Open(cfg, quiet())
	for i := 0; i < 100; i += 10 {
		s.Append(recs(i, 10))
	}
	if len(s.segs) < 3 {
		t.Fatalf("want several segments, got %d", len(s.segs))
	}
	first := s.segs[0]
	s.Close()
	// Flip a payload byte of the first segment's second record.
	path := filepath.Join(cfg.Path, fmt.Sprintf("%016x.seg", first.seq))
	b, _ := os.ReadFile(path)
	recLen := recHeader + len(recs(0, 1)[0])
	b[len(segMagic)+recLen+recHeader+3] ^= 0xff
	os.WriteFile(path, b, 0o640)

	s, err := Open(cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := drain(t, s, 4)
	if s.Stats.Corrupt.Load() != 1 {
		t.Fatalf("Corrupt = %d, want 1", s.Stats.Corrupt.Load())
	}
	lost := int(first.recs) - 1
	if len(got) != 100-lost || got[0] != want(0, 1)[0] || got[1] != want(int(first.recs), 1)[0] {
		t.Fatalf("got %d records starting %q, %q", len(got), got[0], got[1])
	}
}

func TestFullPolicies(t *testing.T) {
	t.Run("block", func(t *testing.T) {
		s, _ := Open(testConfig(t), quiet())
		defer s.Close()
		var err error
		n := 0
		for ; err == nil; n += 10 {
			err = s.Append(recs(n, 10))
		}
		if !errors.Is(err, ErrFull) || s.Stats.Full.Load() != 1 {
			t.Fatalf("err = %v, full = %d", err, s.Stats.Full.Load())
		}
		if s.Size() > s.cfg.MaxBytes {
			t.Fatalf("size %d over the bound %d", s.Size(), s.cfg.MaxBytes)
		}
		got := drain(t, s, 50)
		equal(t, got, want(0, n-10))
		if err := s.Append(recs(0, 10)); err != nil {
			t.Fatalf("append after drain: %v", err)
		}
	})
	t.Run("drop_oldest", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.WhenFull = DropOldest
		s, _ := Open(cfg, quiet())
		defer s.Close()
		for n := 0; n < 2000; n += 10 {
			if err := s.Append(recs(n, 10)); err != nil {
				t.Fatal(err)
			}
		}
		if s.Size() > cfg.MaxBytes {
			t.Fatalf("size %d over the bound %d", s.Size(), cfg.MaxBytes)
		}
		got := drain(t, s, 100)
		dropped := int(s.Stats.Dropped.Load())
		if dropped == 0 || dropped+len(got) != 2000 {
			t.Fatalf("dropped %d + kept %d != 2000", dropped, len(got))
		}
		equal(t, got, want(dropped, 2000-dropped))
	})
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) {}, ""},
		{func(c *Config) { c.Path = ""; c.WhenFull = "x" }, ""},
		{func(c *Config) { c.WhenFull = "later" }, "when_full"},
		{func(c *Config) { c.SegmentBytes = 10 }, "segment_bytes"},
		{func(c *Config) { c.MaxBytes = c.SegmentBytes }, "max_bytes"},
	} {
		c := DefaultConfig()
		c.Path = "/x"
		tc.mod(&c)
		err := c.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate() = %v, want %q", err, tc.want)
		}
	}
}

// FuzzOpen feeds arbitrary segment and position bytes to Open: it must not panic, and what it
// reads back must be a prefix-consistent set of valid records.
func FuzzOpen(f *testing.F) {
	f.Add([]byte(segMagic+"\x00\x00\x00\x02\x00\x00\x00\x00hi"), []byte{})
	f.Add([]byte(segMagic), []byte(posMagic))
	f.Fuzz(func(t *testing.T, seg, position []byte) {
		cfg := DefaultConfig()
		cfg.Path = t.TempDir()
		os.WriteFile(filepath.Join(cfg.Path, "0000000000000001.seg"), seg, 0o640)
		if len(position) > 0 {
			os.WriteFile(filepath.Join(cfg.Path, posFile), position, 0o640)
		}
		s, err := Open(cfg, quiet())
		if err != nil {
			return
		}
		defer s.Close()
		n := s.Len()
		var got int64
		for {
			rs, err := s.Peek(100, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) == 0 {
				break
			}
			got += int64(len(rs))
			if err := s.Ack(len(rs)); err != nil {
				t.Fatal(err)
			}
		}
		if got != n {
			t.Fatalf("Len said %d, read %d", n, got)
		}
		if err := s.Append([][]byte{[]byte("after")}); err != nil {
			t.Fatal(err)
		}
	})
}
