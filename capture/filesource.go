package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync/atomic"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture/pcapfile"
)

// FileSource reads capture files (pcap, pcapng, gzip; "-" is standard input), merged in time
// order, and emits one event per flow record. It blocks while the pipeline is full, so nothing
// is dropped. Damaged files are reported through Emitter.Reject with the byte offset of the
// damage; the sessions read before it are still emitted.
type FileSource struct {
	Paths    []string
	Config   Config
	Shared   *Shared // nil: built from Config
	Observer borderwatch.Observer
	Logger   *slog.Logger // nil: slog.Default()

	stats    Stats
	progress progress
}

// progress is how far Run has got, for any goroutine to read.
type progress struct {
	bytes   atomic.Int64
	packets atomic.Uint64
}

// Progress returns the input bytes read so far (decompressed for gzip, as InputBytes counts
// them) and the packets. Safe to call while Run runs; updated every 4096 packets.
func (s *FileSource) Progress() (bytes int64, packets uint64) {
	return s.progress.bytes.Load(), s.progress.packets.Load()
}

var _ borderwatch.Source = (*FileSource)(nil)

// Name implements borderwatch.Source.
func (s *FileSource) Name() string { return "capture-file" }

// Stats returns the counters of the last Run.
func (s *FileSource) Stats() Stats { return s.stats }

// Paced implements borderwatch.Paced: records wait for room in the queue, none is dropped.
func (s *FileSource) Paced() bool { return true }

// Run implements borderwatch.Source.
func (s *FileSource) Run(ctx context.Context, out borderwatch.Emitter) error {
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	shared := s.Shared
	if shared == nil {
		var err error
		if shared, err = NewShared(s.Config); err != nil {
			return err
		}
	}
	open := pcapfile.Open
	if s.Config.MapFiles {
		open = pcapfile.OpenMapped
	}
	files, skipped, err := expandPaths(s.Paths)
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	if len(skipped) > 0 {
		log.Info("skipped files that are not captures", "count", len(skipped), "first", skipped[0])
	}
	// Regular files are probed for the time of their first record and opened when the merge
	// reaches it (pcapfile.Merger); standard input and pipes are opened now.
	inputs := make([]pcapfile.Input, 0, len(files))
	var eager []*pcapfile.Reader
	defer func() {
		for _, r := range eager {
			r.Close()
		}
	}()
	for _, f := range files {
		if !pcapfile.Reopenable(f.path) {
			r, err := open(f.path)
			if err != nil {
				return fmt.Errorf("capture: %w", err)
			}
			eager = append(eager, r)
			inputs = append(inputs, pcapfile.Input{Reader: r})
			continue
		}
		first, empty, err := pcapfile.Probe(f.path)
		if err != nil {
			if !f.found {
				return fmt.Errorf("capture: %w", err)
			}
			// one bad file among those of a directory: reported, the others are read
			log.Warn("capture file cannot be read; going on with the others", "err", err)
			if rerr := out.Reject(ctx, borderwatch.Rejected{Format: "pcap", Where: f.path, Err: err}); rerr != nil {
				return rerr
			}
			continue
		}
		if !empty {
			inputs = append(inputs, pcapfile.Input{Path: f.path, First: first})
		}
	}
	var emitErr error
	emitCtx := ctx
	emit := func(ev *borderwatch.Event) {
		if emitErr != nil {
			return
		}
		emitErr = out.Emit(emitCtx, ev)
	}
	proc := NewProcessor(s.Config, shared, s.Observer, emit, log)
	m := pcapfile.NewFileMerger(inputs, open)
	eager = nil // the merger closes them from now on
	defer m.Close()
	// A mapped file cut short while it is read faults on access instead of returning an error:
	// readLoop recovers such a fault, the file is reported damaged, and the others go on.
	if s.Config.MapFiles {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	}
	l := readLoop{ctx: ctx, out: out, proc: proc, m: m, log: log, emitErr: &emitErr, progress: &s.progress}
	for {
		done, err := l.run()
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	s.progress.bytes.Store(m.BytesRead())
	s.progress.packets.Store(l.n)
	// What was read is still reported when the run is cancelled: the pipeline drains.
	emitCtx = context.WithoutCancel(ctx)
	proc.Flush()
	s.stats = proc.Stats()
	attrs := append(s.stats.LogAttrs(), slog.Int("files", m.Opened()))
	if shared.PassiveDNS != nil {
		ps := shared.PassiveDNS.Stats()
		attrs = append(attrs, slog.Group("passive_dns", "entries", ps.Entries,
			"inserts", ps.Inserts, "hits", ps.Hits, "evicted", ps.Evicted, "expired", ps.Expired))
	}
	log.Info("capture finished", attrs...)
	if emitErr != nil {
		return emitErr
	}
	return ctx.Err()
}

// readLoop hands the merged records to the processor in batches (Processor.Packets): a
// batch grows while the merger promises that the records in it stay valid (Buffered), and
// ends where the file or the capture interface changes.
type readLoop struct {
	ctx              context.Context
	out              borderwatch.Emitter
	proc             *Processor
	m                *pcapfile.Merger
	log              *slog.Logger
	emitErr          *error
	progress         *progress
	current, ingress string
	n                uint64
	frames           []Frame
}

// run processes records until the input ends, the run is cancelled or emitting fails (done),
// or until a memory fault in a mapped file was caught (not done: call run again).
func (l *readLoop) run() (done bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			if !l.m.CatchFault(v) {
				panic(v)
			}
			l.frames = l.frames[:0] // what is left of the batch lies in the damaged file
			done, err = false, nil
		}
	}()
	if l.frames == nil {
		l.frames = make([]Frame, 0, MaxBatch)
	}
	for *l.emitErr == nil {
		rec, r, err := l.m.Next()
		if err != nil {
			l.flush() // the records so far are valid until the next call to Next
		}
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			var dmg *pcapfile.DamageError
			if errors.As(err, &dmg) {
				l.log.Warn("capture file damaged; the sessions before the damage are kept", "err", dmg)
				if rerr := l.out.Reject(l.ctx, borderwatch.Rejected{Format: "pcap", Where: fmt.Sprintf("%s: byte offset %d", dmg.Path, dmg.Offset), Err: dmg.Err}); rerr != nil {
					return true, rerr
				}
				continue
			}
			return true, fmt.Errorf("capture: %w", err)
		}
		if r.Path() != l.current || rec.IfName != l.ingress {
			l.flush() // the batch so far belongs to the previous file or interface
			if r.Path() != l.current {
				l.current = r.Path()
				typ := "pcap"
				if l.current == "stdin" {
					typ = "stdin"
				}
				l.proc.SetInput(typ, l.current)
			}
			if rec.IfName != l.ingress {
				l.ingress = rec.IfName
				l.proc.SetIngress(l.ingress, true)
			}
		}
		l.frames = append(l.frames, Frame{Link: rec.Link, Data: rec.Data, Time: rec.Timestamp, WireLen: rec.WireLen})
		if len(l.frames) == MaxBatch || !l.m.Buffered() {
			l.flush()
		}
		if l.n++; l.n&0xfff == 0 {
			l.progress.bytes.Store(l.m.BytesRead())
			l.progress.packets.Store(l.n)
			if l.ctx.Err() != nil {
				l.flush()
				return true, nil
			}
		}
	}
	l.flush()
	return true, nil
}

// flush processes the batch of frames collected so far.
func (l *readLoop) flush() {
	if len(l.frames) > 0 {
		l.proc.Packets(l.frames)
		clear(l.frames) // no frame data kept past its file
		l.frames = l.frames[:0]
	}
}

var _ borderwatch.Paced = (*FileSource)(nil)
