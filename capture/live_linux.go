//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture/afpacket"
	"github.com/borderwatch/borderwatch/capture/decode"
	"golang.org/x/net/bpf"
)

// Run implements borderwatch.Source. It returns when ctx is cancelled, after flushing every
// flow, or when a socket fails.
func (s *LiveSource) Run(ctx context.Context, out borderwatch.Emitter) error {
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	cfg := s.Config
	if cfg.Interface == "" {
		return errors.New("capture: no interface given")
	}
	shared := s.Shared
	if shared == nil {
		var err error
		if shared, err = NewShared(cfg); err != nil {
			return err
		}
	}
	filter, err := s.filter(ctx)
	if err != nil {
		return err
	}
	fanoutID := uint16(os.Getpid() & 0xffff)
	socks := make([]*afpacket.Socket, 0, cfg.Workers)
	defer func() {
		for _, sk := range socks {
			sk.Close()
		}
	}()
	for i := 0; i < cfg.Workers; i++ {
		sk, err := afpacket.Open(afpacket.Options{Interface: cfg.Interface, Snaplen: cfg.Snaplen, RingMB: cfg.RingMB,
			Promiscuous: cfg.Promiscuous, Fanout: cfg.Workers > 1, FanoutID: fanoutID, Filter: filter,
			PollTimeout: 100 * time.Millisecond})
		if err != nil {
			return err
		}
		socks = append(socks, sk)
	}
	if s.OnReady != nil {
		s.OnReady()
	}
	log.Info("capturing", "interface", cfg.Interface, "workers", cfg.Workers, "snaplen", cfg.Snaplen,
		"promiscuous", cfg.Promiscuous, "bpf", cfg.BPF)

	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		errs   []error
		totals Stats
	)
	for i, sk := range socks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := s.worker(ctx, i, sk, shared, out, log)
			mu.Lock()
			totals.Add(st)
			if err != nil {
				errs = append(errs, fmt.Errorf("worker %d: %w", i, err))
			}
			mu.Unlock()
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var tick <-chan time.Time
	if cfg.StatsInterval > 0 {
		t := time.NewTicker(cfg.StatsInterval)
		defer t.Stop()
		tick = t.C
	}
	for running := true; running; {
		select {
		case <-tick:
			s.logStats(log, socks, "interface statistics")
		case <-done:
			running = false
		}
	}
	s.logStats(log, socks, "capture stopped")
	log.Info("capture totals", totals.LogAttrs()...)
	return errors.Join(errs...)
}

func (s *LiveSource) filter(ctx context.Context) ([]bpf.RawInstruction, error) {
	if s.Config.BPF == "" {
		return nil, nil
	}
	prog, err := afpacket.CompileBPF(ctx, s.Config.Interface, s.Config.Snaplen, s.Config.BPF)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	return prog, nil
}

func (s *LiveSource) logStats(log *slog.Logger, socks []*afpacket.Socket, msg string) {
	var seen, drops uint64
	for _, sk := range socks {
		p, d, err := sk.Stats()
		if err != nil {
			log.Warn("interface statistics unavailable", "err", err)
			return
		}
		seen += p
		drops += d
	}
	s.counters.KernelSeen.Store(seen)
	s.counters.KernelDrops.Store(drops)
	log.Info(msg, "interface", s.Config.Interface, "received", s.counters.Packets.Load(), "kernel_seen", seen,
		"kernel_drops", drops, "records", s.counters.Emitted.Load(), "pipeline_drops", s.counters.Dropped.Load())
}

// worker reads one socket until ctx is cancelled, then flushes its flows.
func (s *LiveSource) worker(ctx context.Context, id int, sk *afpacket.Socket, shared *Shared, out borderwatch.Emitter, log *slog.Logger) (Stats, error) {
	// The worker counts in its own variables and adds them to the shared counters every 256
	// frames, on every poll timeout and at the end: an atomic add per frame on a cache line
	// all workers write costs more than the rest of a small frame's processing.
	var packets, emitted, dropped uint64
	publish := func() {
		if packets > 0 {
			s.counters.Packets.Add(packets)
		}
		if emitted > 0 {
			s.counters.Emitted.Add(emitted)
		}
		if dropped > 0 {
			s.counters.Dropped.Add(dropped)
		}
		packets, emitted, dropped = 0, 0, 0
	}
	defer publish()
	flushing := false
	emit := func(ev *borderwatch.Event) {
		if flushing {
			// the ring is no longer read: wait for room rather than lose the last records
			if out.Emit(context.WithoutCancel(ctx), ev) == nil {
				emitted++
			}
			return
		}
		if out.TryEmit(ev) {
			emitted++
		} else {
			dropped++
		}
	}
	proc := NewProcessor(s.Config, shared, s.Observer, emit, log.With("worker", id))
	proc.SetInput("interface", s.Config.Interface)
	proc.SetIngress(s.Config.Interface, false)
	var (
		rx      [MaxBatch]afpacket.Frame
		frames  [MaxBatch]Frame
		unread  int // frames since the counters were last published
		corrupt int
	)
	for {
		if unread >= 256 {
			publish()
			unread = 0
			if ctx.Err() != nil {
				break
			}
		}
		n, err := sk.ReadBatch(rx[:])
		if err == afpacket.ErrTimeout {
			publish()
			unread = 0
			// no traffic: end idle flows by the clock (with traffic, packet times do it)
			proc.Sweep(time.Now())
			if ctx.Err() != nil {
				break
			}
			continue
		}
		for i := range n {
			r := &rx[i]
			frames[i] = Frame{Link: decode.LinkEthernet, Data: r.Data, Time: r.Time, WireLen: r.WireLen, VLAN: r.VLAN, HasVLAN: r.HasVLAN}
		}
		packets += uint64(n)
		unread += n
		proc.Packets(frames[:n])
		if errors.Is(err, afpacket.ErrCorruptBlock) {
			corrupt++
			log.Warn("skipped the rest of a ring block", "worker", id, "err", err, "corrupt_blocks", corrupt)
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			flushing = true
			proc.Flush()
			return proc.Stats(), err
		}
	}
	flushing = true
	proc.Flush()
	return proc.Stats(), nil
}
