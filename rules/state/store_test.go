package state_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/rules/state"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func fill(n int, exp time.Time) func(put func(string, []byte, time.Time) error) error {
	return func(put func(string, []byte, time.Time) error) error {
		for i := range n {
			if err := put(fmt.Sprintf("k%03d", i), []byte(fmt.Sprintf(`{"i":%d}`, i)), exp); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestReplaceLoadExpire(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "state.db")
	s, err := state.Open(path, state.Options{MaxEntries: 5})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Replace("travel", now, fill(8, now.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if s.Stats.Written != 5 || s.Stats.Dropped != 3 {
		t.Errorf("written %d dropped %d, want 5 and 3", s.Stats.Written, s.Stats.Dropped)
	}
	// Replace replaces: the second fill leaves 2 entries, one of them already expired.
	if err := s.Replace("travel", now, func(put func(string, []byte, time.Time) error) error {
		_ = put("live", []byte("1"), now.Add(time.Hour))
		return put("dead", []byte("2"), now.Add(-time.Second))
	}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := s.Load("travel", now, func(k string, v []byte) error { keys = append(keys, k+"="+string(v)); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, ",") != "live=1" || s.Stats.Expired != 1 {
		t.Errorf("loaded %v (expired %d), want live=1 and 1 expired", keys, s.Stats.Expired)
	}
	bs, err := s.Buckets()
	if err != nil || len(bs) != 1 || bs[0].Entries != 2 || !bs[0].Saved.Equal(now) {
		t.Errorf("buckets %+v %v", bs, err)
	}
	if err := s.Replace("_meta", now, fill(1, time.Time{})); err == nil {
		t.Error("the meta bucket was writable")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Read-only opening for inspection.
	ro, err := state.Open(path, state.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := ro.Each("travel", func(string, []byte, time.Time) error { n++; return nil }); err != nil || n != 2 {
		t.Errorf("each: %d %v", n, err)
	}
	ro.Close()
}

func TestLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, err = state.Open(path, state.Options{LockTimeout: 150 * time.Millisecond})
	if !errors.Is(err, state.ErrLocked) {
		t.Fatalf("got %v, want ErrLocked", err)
	}
	if time.Since(start) < 100*time.Millisecond {
		t.Error("did not wait for the lock")
	}
}

func TestMissingFileReadOnly(t *testing.T) {
	if _, err := state.Open(filepath.Join(t.TempDir(), "none.db"), state.Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only open of a missing file succeeded")
	}
}
