//go:build linux || darwin || freebsd

package capture

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture/internal/synth"
	"github.com/borderwatch/borderwatch/capture/pcapfile"
)

// truncatingEmitter cuts a file to nothing when the first event arrives.
type truncatingEmitter struct {
	t        *testing.T
	path     string
	events   int
	rejected []borderwatch.Rejected
}

func (e *truncatingEmitter) Emit(context.Context, *borderwatch.Event) error {
	if e.events++; e.events == 1 {
		if err := os.Truncate(e.path, 0); err != nil {
			e.t.Fatal(err)
		}
	}
	return nil
}
func (e *truncatingEmitter) TryEmit(ev *borderwatch.Event) bool {
	e.Emit(context.Background(), ev)
	return true
}
func (e *truncatingEmitter) Reject(_ context.Context, r borderwatch.Rejected) error {
	e.rejected = append(e.rejected, r)
	return nil
}

// A mapped capture cut short while it is read is reported as damaged (the fault on the lost
// pages is caught), the sessions read so far are still emitted, and the run ends normally.
func TestFileShrinksWhileRead(t *testing.T) {
	// the mixed scenarios again and again, later each time, so that flows end mid-file
	var buf bytes.Buffer
	pkts := synth.Mixed()
	rounds := 0
	for ; buf.Len() < 256<<10; rounds++ {
		round := rounds
		shifted := make([]synth.Packet, len(pkts))
		for i, p := range pkts {
			shifted[i] = p
			shifted[i].Time = p.Time.Add(time.Duration(round) * time.Hour)
		}
		var b bytes.Buffer
		if err := synth.WritePcap(&b, shifted, false); err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			buf.Write(b.Bytes())
		} else {
			buf.Write(b.Bytes()[24:])
		}
	}
	path := filepath.Join(t.TempDir(), "shrinking.pcap")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	em := &truncatingEmitter{t: t, path: path}
	cfg := DefaultConfig()
	cfg.MapFiles = true
	src := &FileSource{Paths: []string{path}, Config: cfg, Logger: slog.New(slog.DiscardHandler)}
	if err := src.Run(context.Background(), em); err != nil {
		t.Fatal(err)
	}
	if len(em.rejected) != 1 || !errors.Is(em.rejected[0].Err, pcapfile.ErrShrunk) {
		t.Fatalf("rejected %+v, want one report of a shrunk file", em.rejected)
	}
	frames := src.Stats().Decode.Frames
	if em.events < 2 || frames == 0 || frames >= uint64(rounds*len(pkts)) {
		t.Fatalf("%d events, %d of %d frames read; want some events and the frames up to the cut", em.events, frames, rounds*len(pkts))
	}
}
