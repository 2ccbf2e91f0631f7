//go:build linux

package afpacket

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopacket/gopacket"
	gafp "github.com/gopacket/gopacket/afpacket"
	"golang.org/x/net/bpf"
)

// Options configure one socket.
type Options struct {
	Interface   string
	Snaplen     int
	RingMB      int
	Promiscuous bool
	FanoutID    uint16 // joins a PACKET_FANOUT_HASH group with this id when Fanout is set
	Fanout      bool
	Filter      []bpf.RawInstruction
	PollTimeout time.Duration // how long a read waits before returning ErrTimeout
}

// ErrTimeout is returned by Read when no packet arrived within the poll timeout.
var ErrTimeout = gafp.ErrTimeout

// Socket is one AF_PACKET TPACKET_V3 socket. Not safe for concurrent use, except Stats.
type Socket struct {
	tp *gafp.TPacket
}

// Open opens and configures a socket.
func Open(o Options) (*Socket, error) {
	// TPACKET_V3 packs frames of any size into blocks; the frame size only sizes the ring's
	// bookkeeping. A block must hold the largest packet.
	const frame = 4096
	block := 1 << 20
	for block < o.Snaplen+4096 {
		block <<= 1
	}
	blocks := max(o.RingMB<<20/block, 2)
	tp, err := gafp.NewTPacket(gafp.OptInterface(o.Interface), gafp.OptFrameSize(frame), gafp.OptBlockSize(block),
		gafp.OptNumBlocks(blocks), gafp.TPacketVersion3, gafp.OptPollTimeout(o.PollTimeout),
		gafp.OptBlockTimeout(10*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("af_packet on %s: %w (capturing needs root or CAP_NET_RAW)", o.Interface, err)
	}
	s := &Socket{tp: tp}
	if len(o.Filter) == 0 && o.Snaplen > 0 && o.Snaplen < 262144 {
		// AF_PACKET cuts packets to what a filter returns: "accept, snaplen bytes"
		o.Filter = []bpf.RawInstruction{{Op: 0x06, K: uint32(o.Snaplen)}}
	}
	if len(o.Filter) > 0 {
		if err := tp.SetBPF(o.Filter); err != nil {
			tp.Close()
			return nil, fmt.Errorf("af_packet on %s: attach bpf: %w", o.Interface, err)
		}
	}
	if o.Promiscuous {
		if err := tp.SetPromiscuous(true); err != nil {
			tp.Close()
			return nil, fmt.Errorf("af_packet on %s: promiscuous mode: %w", o.Interface, err)
		}
	}
	if o.Fanout {
		if err := tp.SetFanout(gafp.FanoutHashWithDefrag, o.FanoutID); err != nil {
			tp.Close()
			return nil, fmt.Errorf("af_packet on %s: fanout group %d: %w", o.Interface, o.FanoutID, err)
		}
	}
	if err := tp.InitSocketStats(); err != nil {
		tp.Close()
		return nil, fmt.Errorf("af_packet on %s: statistics: %w", o.Interface, err)
	}
	return s, nil
}

// Read returns the next frame and the VLAN id the NIC stripped from it (-1: none); the
// data is valid until the next Read.
func (s *Socket) Read() ([]byte, gopacket.CaptureInfo, int, error) {
	data, ci, err := s.tp.ZeroCopyReadPacketData()
	if errors.Is(err, gafp.ErrTimeout) {
		return nil, ci, -1, ErrTimeout
	}
	vlan := -1
	for _, a := range ci.AncillaryData {
		if v, ok := a.(gafp.AncillaryVLAN); ok {
			vlan = v.VLAN
		}
	}
	return data, ci, vlan, err
}

// Stats returns the kernel's counters since the socket opened: packets that reached the
// socket (delivered to the ring or dropped) and packets dropped because the ring was full.
func (s *Socket) Stats() (packets, drops uint64, err error) {
	_, v3, err := s.tp.SocketStats()
	if err != nil {
		return 0, 0, err
	}
	return uint64(v3.Packets()), uint64(v3.Drops()), nil
}

// Close releases the ring and the socket.
func (s *Socket) Close() { s.tp.Close() }
