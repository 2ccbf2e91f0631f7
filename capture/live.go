package capture

import (
	"log/slog"
	"sync/atomic"

	"github.com/borderwatch/borderwatch"
)

// LiveSource captures from a network interface (Linux AF_PACKET, TPACKET_V3) with
// Config.Workers sockets in a fanout group: the kernel hashes each flow to one worker, and each
// worker owns its decoder, flow table and analyzers. Flow records are handed over with
// Emitter.TryEmit, so a full pipeline never stalls the ring: the record is dropped and counted.
// Interface statistics (received, kernel drops, pipeline drops) are logged every
// Config.StatsInterval and at exit.
type LiveSource struct {
	Config   Config // Config.Interface names the interface
	Shared   *Shared
	Observer borderwatch.Observer
	Logger   *slog.Logger
	OnReady  func() // called, if set, once every socket is open and filtered

	counters LiveCounters
}

// LiveCounters are a live capture's totals. Safe for concurrent use.
type LiveCounters struct {
	Packets     atomic.Uint64 // frames read from the rings
	KernelSeen  atomic.Uint64 // frames that reached the sockets (kernel tp_packets, drops included)
	KernelDrops atomic.Uint64 // frames the kernel dropped because a ring was full
	Emitted     atomic.Uint64 // flow records handed to the pipeline
	Dropped     atomic.Uint64 // flow records dropped because the pipeline was full
}

var _ borderwatch.Source = (*LiveSource)(nil)

// Name implements borderwatch.Source.
func (s *LiveSource) Name() string { return "capture-interface:" + s.Config.Interface }

// Counters returns the source's counters.
func (s *LiveSource) Counters() *LiveCounters { return &s.counters }
