//go:build linux

package afpacket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/netnstest"
	"golang.org/x/sys/unix"
)

// The ring tests need root (network namespaces, AF_PACKET). They run when
// BORDERWATCH_LIVE_TEST=1 (make verify-live, in CI as root) and fail, not skip, if that is
// set and something is missing.

var pair = netnstest.Pair{SendNS: "bwafp-send", CapNS: "bwafp-cap", SendDev: "bwa-s", CapDev: "bwa-c",
	SendIP: "10.198.0.2", CapIP: "10.198.0.1"}

func liveEnabled(t *testing.T) { netnstest.Require(t, "live ring test", "verify-live") }

// openIn opens a socket on the capture end of the pair.
func openIn(t *testing.T, o Options) *Socket {
	t.Helper()
	o.Interface = pair.CapDev
	var s *Socket
	if err := netnstest.Run(pair.CapNS, func() (err error) {
		s, err = Open(o)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// sendUDP writes count Ethernet/IPv4/UDP frames with size bytes of payload onto the
// sender's end of the pair through a packet socket, with an 802.1Q tag when vlan > 0.
func sendUDP(t *testing.T, vlan int, sport, dport uint16, count, size int) {
	t.Helper()
	frame := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 2}
	if vlan > 0 {
		frame = binary.BigEndian.AppendUint16(append(frame, 0x81, 0x00), uint16(vlan))
	}
	frame = append(frame, 0x08, 0x00)
	src, dst := netip.MustParseAddr(pair.SendIP).As4(), netip.MustParseAddr(pair.CapIP).As4()
	frame = append(frame, 0x45, 0)
	frame = binary.BigEndian.AppendUint16(frame, uint16(20+8+size))
	frame = append(frame, 0, 0, 0, 0, 64, 17, 0, 0)
	frame = append(append(frame, src[:]...), dst[:]...)
	frame = binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(frame, sport), dport)
	frame = append(binary.BigEndian.AppendUint16(frame, uint16(8+size)), 0, 0)
	frame = append(frame, make([]byte, size)...)
	if err := netnstest.Run(pair.SendNS, func() error {
		ifi, err := net.InterfaceByName(pair.SendDev)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		to := &unix.SockaddrLinklayer{Ifindex: ifi.Index, Halen: 6, Addr: [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
		for i := 0; i < count; i++ {
			if err := unix.Sendto(fd, frame, 0, to); err != nil {
				return fmt.Errorf("send frame %d: %w", i, err)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// udpPorts returns an Ethernet/IPv4/UDP frame's ports, ok false for anything else.
func udpPorts(b []byte) (sport, dport uint16, ok bool) {
	if len(b) < 14+20+8 || binary.BigEndian.Uint16(b[12:]) != 0x0800 || b[14+9] != 17 {
		return 0, 0, false
	}
	ip := 14 + int(b[14]&0xf)*4
	if len(b) < ip+8 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(b[ip:]), binary.BigEndian.Uint16(b[ip+2:]), true
}

// reader reads s in the background, handing every frame to f, until sent is closed and the
// ring has then been idle for one poll timeout; wait returns its frame and batch counts.
func reader(t *testing.T, s *Socket, sent <-chan struct{}, f func(Frame)) (wait func() (frames, batches int)) {
	done := make(chan struct{})
	var frames, batches int
	go func() {
		defer close(done)
		var batch [16]Frame
		for {
			n, err := s.ReadBatch(batch[:])
			if errors.Is(err, ErrTimeout) {
				select {
				case <-sent:
					return
				default:
					continue
				}
			}
			if err != nil {
				t.Errorf("read: %v", err)
				return
			}
			if n <= 0 || n > len(batch) {
				t.Errorf("batch of %d frames", n)
				return
			}
			batches++
			for _, fr := range batch[:n] {
				frames++
				f(fr)
			}
		}
	}()
	return func() (int, int) { <-done; return frames, batches }
}

// TestLiveRingFrames sends datagrams untagged and 802.1Q-tagged and checks what the ring
// hands over: snap length, wire length, the VLAN tag the kernel moved out of band, time
// order, batches, and that the kernel's counters agree with the frames read.
func TestLiveRingFrames(t *testing.T) {
	liveEnabled(t)
	netnstest.Setup(t, pair)
	const snap, payload, plain, tagged = 128, 1000, 300, 50
	s := openIn(t, Options{Snaplen: snap, RingMB: 4, PollTimeout: 200 * time.Millisecond})
	sent := make(chan struct{})
	var got7000, got7100 int
	var last time.Time
	wait := reader(t, s, sent, func(fr Frame) {
		if fr.Time.Before(last) {
			t.Errorf("frame at %v after one at %v", fr.Time, last)
		}
		last = fr.Time
		if fr.WireLen < len(fr.Data) || len(fr.Data) > snap {
			t.Errorf("frame of %d bytes captured, %d on the wire (snap length %d)", len(fr.Data), fr.WireLen, snap)
		}
		_, dport, ok := udpPorts(fr.Data)
		if !ok || (dport != 7000 && dport != 7100) {
			return
		}
		const wire = 14 + 20 + 8 + payload
		if len(fr.Data) != snap || fr.WireLen != wire {
			t.Errorf("port %d: %d bytes captured of %d, want %d of %d", dport, len(fr.Data), fr.WireLen, snap, wire)
		}
		switch {
		case dport == 7000 && !fr.HasVLAN:
			got7000++
		case dport == 7100 && fr.HasVLAN && fr.VLAN == 100:
			got7100++
		default:
			t.Errorf("port %d: vlan %d (out of band: %v)", dport, fr.VLAN, fr.HasVLAN)
		}
	})
	sendUDP(t, 0, 5000, 7000, plain, payload)
	sendUDP(t, 100, 5000, 7100, tagged, payload) // the receiving end moves the tag out of band
	close(sent)
	frames, batches := wait()
	if got7000 != plain || got7100 != tagged {
		t.Fatalf("read %d untagged and %d tagged datagrams, want %d and %d", got7000, got7100, plain, tagged)
	}
	if batches >= frames {
		t.Errorf("%d frames in %d batches: the ring was read a frame at a time", frames, batches)
	}
	packets, drops, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if packets != uint64(frames) || drops != 0 {
		t.Fatalf("kernel counted %d packets and %d drops, %d frames read", packets, drops, frames)
	}
	// the counters are sums: a second read adds nothing without traffic
	if p2, d2, err := s.Stats(); err != nil || p2 != packets || d2 != drops {
		t.Fatalf("statistics read again: %d packets, %d drops, %v", p2, d2, err)
	}
}

// TestLiveRingFanout opens two sockets in one fanout group: every flow's frames reach one
// socket only, both sockets get flows, and nothing is lost or seen twice.
func TestLiveRingFanout(t *testing.T) {
	liveEnabled(t)
	netnstest.Setup(t, pair)
	o := Options{RingMB: 4, PollTimeout: 200 * time.Millisecond, Fanout: true, FanoutID: uint16(os.Getpid())}
	socks := []*Socket{openIn(t, o), openIn(t, o)}
	const flows, each = 32, 20
	var mu sync.Mutex
	owner := map[uint16]int{} // source port → socket
	perFlow := map[uint16]int{}
	perSocket := make([]int, len(socks))
	sent := make(chan struct{})
	var waits []func() (int, int)
	for i, s := range socks {
		waits = append(waits, reader(t, s, sent, func(fr Frame) {
			sport, dport, ok := udpPorts(fr.Data)
			if !ok || dport != 7200 {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if o, seen := owner[sport]; seen && o != i {
				t.Errorf("flow from port %d read by sockets %d and %d", sport, o, i)
			}
			owner[sport] = i
			perFlow[sport]++
			perSocket[i]++
		}))
	}
	for i := 0; i < flows; i++ {
		sendUDP(t, 0, uint16(40000+i), 7200, each, 200)
	}
	close(sent)
	for _, w := range waits {
		w()
	}
	if len(perFlow) != flows {
		p0, d0, _ := socks[0].Stats()
		p1, d1, _ := socks[1].Stats()
		t.Fatalf("%d flows read, want %d (%v; kernel %d+%d, drops %d+%d)", len(perFlow), flows, perFlow, p0, p1, d0, d1)
	}
	for port, n := range perFlow {
		if n != each {
			t.Errorf("flow from port %d: %d datagrams, want %d", port, n, each)
		}
	}
	if perSocket[0] == 0 || perSocket[1] == 0 {
		t.Fatalf("datagrams per socket %v: the group did not spread flows", perSocket)
	}
	t.Logf("datagrams per socket %v", perSocket)
}
