//go:build linux

package afpacket

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
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

// ErrTimeout is returned by ReadBatch when no block was filled within the poll timeout.
var ErrTimeout = errors.New("af_packet: poll timeout")

// ErrCorruptBlock is returned by ReadBatch, with the frames before the damage, when a frame
// header points outside its block. The rest of the block is skipped; reading can go on.
var ErrCorruptBlock = errors.New("af_packet: corrupt ring block")

// Frame is one captured frame. Data points into the ring.
type Frame struct {
	Data    []byte    // the frame as captured, at most the snap length
	Time    time.Time // when the kernel received it
	WireLen int       // its length on the wire
	VLAN    uint16    // the outer VLAN tag the NIC stripped, when HasVLAN
	HasVLAN bool
}

// Socket is one AF_PACKET TPACKET_V3 socket. Not safe for concurrent use, except Stats.
//
// The kernel fills the ring a block at a time and hands a block over when it is full or
// when the block timeout passed; ReadBatch returns the frames of the block in hand and
// gives the block back at the next call. An empty ring is waited for in the runtime's
// network poller, so a waiting worker holds no thread in a system call.
type Socket struct {
	fd      int
	file    *os.File // owns fd; registered with the network poller
	raw     syscall.RawConn
	ring    []byte
	block   int // block size in bytes
	blocks  int
	timeout time.Duration

	next  int // index of the block to take next
	held  bool
	left  int // frames of the held block not yet returned
	frame int // offset in the ring of the next frame of the held block

	mu             sync.Mutex // kernel counters reset on each read; these are their sums
	packets, drops uint64
}

// block descriptor (struct tpacket_block_desc, its tpacket_hdr_v1 at offset 8)
const (
	blockStatusOff = 8
	blockNumPkts   = 12
	blockFirstPkt  = 16
)

// Open opens and configures a socket. Packets reach it only after the ring, the filter and
// the fanout group are in place.
func Open(o Options) (*Socket, error) {
	ifi, err := net.InterfaceByName(o.Interface)
	if err != nil {
		return nil, fmt.Errorf("af_packet: %w", err)
	}
	// TPACKET_V3 packs frames of any size into blocks; the frame size only sizes the ring's
	// bookkeeping. A block must hold the largest packet.
	const frame = 4096
	block := 1 << 20
	for block < o.Snaplen+4096 {
		block <<= 1
	}
	blocks := max(o.RingMB<<20/block, 2)
	// protocol 0: the socket receives nothing until bind names the interface and protocol
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("af_packet on %s: %w (capturing needs root or CAP_NET_RAW)", o.Interface, err)
	}
	s := &Socket{fd: fd, block: block, blocks: blocks, timeout: o.PollTimeout}
	if s.timeout <= 0 {
		s.timeout = 100 * time.Millisecond
	}
	fail := func(what string, err error) (*Socket, error) {
		s.Close()
		return nil, fmt.Errorf("af_packet on %s: %s: %w", o.Interface, what, err)
	}
	// the file owns fd from here on and closes it
	s.file = os.NewFile(uintptr(fd), "af_packet:"+o.Interface)
	if s.raw, err = s.file.SyscallConn(); err != nil {
		return fail("poller", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return fail("TPACKET_V3", err)
	}
	req := unix.TpacketReq3{Block_size: uint32(block), Block_nr: uint32(blocks), Frame_size: frame,
		Frame_nr: uint32(block / frame * blocks), Retire_blk_tov: 10 /* ms */}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return fail(fmt.Sprintf("ring of %d blocks of %d bytes", blocks, block), err)
	}
	if s.ring, err = unix.Mmap(fd, 0, block*blocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return fail("map the ring", err)
	}
	if len(o.Filter) == 0 && o.Snaplen > 0 && o.Snaplen < 262144 {
		// AF_PACKET cuts packets to what a filter returns: "accept, snaplen bytes"
		o.Filter = []bpf.RawInstruction{{Op: 0x06, K: uint32(o.Snaplen)}}
	}
	if len(o.Filter) > 0 {
		prog := make([]unix.SockFilter, len(o.Filter))
		for i, ins := range o.Filter {
			prog[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
		}
		if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER,
			&unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}); err != nil {
			return fail("attach bpf", err)
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		return fail("bind", err)
	}
	if o.Promiscuous {
		mreq := unix.PacketMreq{Ifindex: int32(ifi.Index), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return fail("promiscuous mode", err)
		}
	}
	if o.Fanout {
		// hash by flow, both directions to the same socket; fragments reassembled first so
		// they hash like the rest of their flow
		mode := unix.PACKET_FANOUT_HASH | unix.PACKET_FANOUT_FLAG_DEFRAG
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_FANOUT, int(o.FanoutID)|mode<<16); err != nil {
			return fail(fmt.Sprintf("fanout group %d", o.FanoutID), err)
		}
	}
	return s, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// status reads a block's status word, which the kernel writes.
func (s *Socket) status(b int) *uint32 {
	return (*uint32)(unsafe.Pointer(&s.ring[b*s.block+blockStatusOff]))
}

func (s *Socket) word(off int) uint32 { return *(*uint32)(unsafe.Pointer(&s.ring[off])) }

// ReadBatch fills frames with the next frames of the ring, at most len(frames) and all from
// one block, waiting up to the poll timeout (ErrTimeout) when the ring is empty. The frames'
// data stays valid until the next call.
func (s *Socket) ReadBatch(frames []Frame) (int, error) {
	for !s.held || s.left == 0 {
		if s.held {
			atomic.StoreUint32(s.status(s.next), unix.TP_STATUS_KERNEL)
			s.held = false
			s.next = (s.next + 1) % s.blocks
		}
		if atomic.LoadUint32(s.status(s.next))&unix.TP_STATUS_USER == 0 {
			if err := s.wait(); err != nil {
				return 0, err
			}
			continue
		}
		base := s.next * s.block
		s.held = true
		s.left = int(s.word(base + blockNumPkts))
		s.frame = base + int(s.word(base+blockFirstPkt))
	}
	end := (s.next + 1) * s.block
	n := 0
	for n < len(frames) && s.left > 0 {
		off := s.frame
		if off < 0 || off+int(unsafe.Sizeof(unix.Tpacket3Hdr{})) > end {
			return n, s.corrupt(off)
		}
		h := (*unix.Tpacket3Hdr)(unsafe.Pointer(&s.ring[off]))
		data := off + int(h.Mac)
		if data+int(h.Snaplen) > end {
			return n, s.corrupt(off)
		}
		f := &frames[n]
		f.Data = s.ring[data : data+int(h.Snaplen) : data+int(h.Snaplen)]
		f.Time = time.Unix(int64(h.Sec), int64(h.Nsec))
		f.WireLen = int(h.Len)
		f.HasVLAN = h.Status&unix.TP_STATUS_VLAN_VALID != 0
		f.VLAN = uint16(h.Hv1.Vlan_tci & 0xfff)
		n++
		s.left--
		if s.left > 0 {
			if h.Next_offset == 0 {
				return n, s.corrupt(off)
			}
			s.frame = off + int(h.Next_offset)
		}
	}
	return n, nil
}

// corrupt drops the rest of a block whose frame headers point outside it.
func (s *Socket) corrupt(off int) error {
	defer func() { s.left = 0 }()
	return fmt.Errorf("%w: frame header at ring offset %d points outside block %d, %d frames skipped", ErrCorruptBlock, off, s.next, s.left)
}

// wait parks until the kernel hands over the next block or the poll timeout passes.
func (s *Socket) wait() error {
	if err := s.file.SetReadDeadline(time.Now().Add(s.timeout)); err != nil {
		return fmt.Errorf("af_packet: %w", err)
	}
	status := s.status(s.next)
	err := s.raw.Read(func(uintptr) bool { return atomic.LoadUint32(status)&unix.TP_STATUS_USER != 0 })
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return ErrTimeout
	}
	if err != nil {
		return fmt.Errorf("af_packet: wait for the ring: %w", err)
	}
	return nil
}

// Stats returns the kernel's counters since the socket opened: packets that reached the
// socket (delivered to the ring or dropped) and packets dropped because the ring was full.
func (s *Socket) Stats() (packets, drops uint64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st *unix.TpacketStatsV3
	cerr := s.raw.Control(func(fd uintptr) {
		st, err = unix.GetsockoptTpacketStatsV3(int(fd), unix.SOL_PACKET, unix.PACKET_STATISTICS)
	})
	if err = errors.Join(cerr, err); err != nil {
		return s.packets, s.drops, fmt.Errorf("af_packet statistics: %w", err)
	}
	// the kernel's packets include its drops, and both restart from zero on each read
	s.packets += uint64(st.Packets)
	s.drops += uint64(st.Drops)
	return s.packets, s.drops, nil
}

// Close releases the ring and the socket.
func (s *Socket) Close() {
	if s.ring != nil {
		unix.Munmap(s.ring)
		s.ring = nil
	}
	if s.file != nil {
		s.file.Close()
	} else {
		unix.Close(s.fd)
	}
}
