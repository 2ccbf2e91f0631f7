package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

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

	stats Stats
}

var _ borderwatch.Source = (*FileSource)(nil)

// Name implements borderwatch.Source.
func (s *FileSource) Name() string { return "capture-file" }

// Stats returns the counters of the last Run.
func (s *FileSource) Stats() Stats { return s.stats }

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
	var readers []*pcapfile.Reader
	defer func() {
		for _, r := range readers {
			r.Close()
		}
	}()
	for _, path := range s.Paths {
		r, err := pcapfile.Open(path)
		if err != nil {
			return fmt.Errorf("capture: %w", err)
		}
		readers = append(readers, r)
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
	m := pcapfile.NewMerger(readers)
	current, ingress := "", ""
	var n uint64
	for emitErr == nil {
		rec, r, err := m.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var dmg *pcapfile.DamageError
			if errors.As(err, &dmg) {
				log.Warn("capture file damaged; the sessions before the damage are kept", "err", dmg)
				if rerr := out.Reject(ctx, borderwatch.Rejected{Format: "pcap", Where: fmt.Sprintf("%s: byte offset %d", dmg.Path, dmg.Offset), Err: dmg.Err}); rerr != nil {
					return rerr
				}
				continue
			}
			return fmt.Errorf("capture: %w", err)
		}
		if r.Path() != current {
			current = r.Path()
			typ := "pcap"
			if current == "stdin" {
				typ = "stdin"
			}
			proc.SetInput(typ, current)
		}
		if rec.IfName != ingress {
			ingress = rec.IfName
			proc.SetIngress(ingress, true)
		}
		proc.Packet(rec.Link, rec.Data, rec.Timestamp, rec.WireLen)
		if n++; n&0xfff == 0 && ctx.Err() != nil {
			break
		}
	}
	// What was read is still reported when the run is cancelled: the pipeline drains.
	emitCtx = context.WithoutCancel(ctx)
	proc.Flush()
	s.stats = proc.Stats()
	if shared.PassiveDNS != nil {
		ps := shared.PassiveDNS.Stats()
		log.Info("capture finished", append(s.stats.LogAttrs(), slog.Group("passive_dns", "entries", ps.Entries,
			"inserts", ps.Inserts, "hits", ps.Hits, "evicted", ps.Evicted, "expired", ps.Expired))...)
	} else {
		log.Info("capture finished", s.stats.LogAttrs()...)
	}
	if emitErr != nil {
		return emitErr
	}
	return ctx.Err()
}
