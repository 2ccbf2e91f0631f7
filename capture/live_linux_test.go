//go:build linux

package capture

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture/internal/synth"
	"github.com/borderwatch/borderwatch/internal/netnstest"
)

// The live tests need root (network namespaces, AF_PACKET). They run when
// BORDERWATCH_LIVE_TEST=1 (make verify-live, in CI as root) and fail, not skip, if that is
// set and something is missing.

const (
	nsSend = "bwcap-send"
	nsCap  = "bwcap-cap"
	vSend  = "bwv-send"
	vCap   = "bwv-cap"
	ipSend = "10.199.0.2"
	ipCap  = "10.199.0.1"
)

func liveEnabled(t *testing.T) { netnstest.Require(t, "live capture test", "verify-live") }

// livePair is the sender and capture hosts of the live tests.
var livePair = netnstest.Pair{SendNS: nsSend, CapNS: nsCap, SendDev: vSend, CapDev: vCap, SendIP: ipSend, CapIP: ipCap}

// chanEmitter is the pipeline's side for the live test: a bounded queue, TryEmit drops.
type chanEmitter struct {
	mu      sync.Mutex
	evs     []*borderwatch.Event
	max     int
	dropped int
}

func (c *chanEmitter) Emit(_ context.Context, ev *borderwatch.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evs = append(c.evs, ev)
	return nil
}
func (c *chanEmitter) TryEmit(ev *borderwatch.Event) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max > 0 && len(c.evs) >= c.max {
		c.dropped++
		return false
	}
	c.evs = append(c.evs, ev)
	return true
}
func (c *chanEmitter) Reject(context.Context, borderwatch.Rejected) error { return nil }

// startLive runs a LiveSource on vCap inside nsCap and returns a stop function that waits.
func startLive(t *testing.T, cfg Config, em borderwatch.Emitter) (*LiveSource, func()) {
	t.Helper()
	cfg.Interface = vCap
	cfg.StatsInterval = 0
	ready := make(chan struct{})
	src := &LiveSource{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), OnReady: func() { close(ready) }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- netnstest.Run(nsCap, func() error { return src.Run(ctx, em) })
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("live source: %v", err)
	}
	return src, func() {
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("live source: %v", err)
		}
	}
}

func TestLiveSessions(t *testing.T) {
	liveEnabled(t)
	netnstest.Setup(t, livePair)
	var ln net.Listener
	if err := netnstest.Run(nsCap, func() (err error) {
		ln, err = net.Listen("tcp4", ipCap+":8443")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Write([]byte("bye")); c.Close() }()
		}
	}()
	em := &chanEmitter{}
	cfg := DefaultConfig()
	cfg.Workers = 2
	cfg.BPF = "tcp port 8443 or udp port 53"
	src, stop := startLive(t, cfg, em)
	const conns = 5
	payload := bytes.Repeat([]byte("x"), 3000)
	if err := netnstest.Run(nsSend, func() error {
		for i := 0; i < conns; i++ {
			c, err := net.Dial("tcp4", ipCap+":8443")
			if err != nil {
				return err
			}
			c.Write(payload)
			c.(*net.TCPConn).CloseWrite()
			io.ReadAll(c)
			c.Close()
		}
		// a DNS query (no server answers; the flow is still seen), and traffic the BPF drops
		u, err := net.Dial("udp4", ipCap+":53")
		if err != nil {
			return err
		}
		u.Write(synth.DNSQuery(99, "live.example.com", false))
		u.Close()
		o, err := net.Dial("udp4", ipCap+":9999")
		if err != nil {
			return err
		}
		o.Write([]byte("filtered out"))
		return o.Close()
	}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	stop()
	sessions, dns := 0, 0
	for _, ev := range em.evs {
		if ev.Destination.Port == 9999 {
			t.Errorf("the bpf filter let port 9999 through: %s", ev.Message)
		}
		if ev.Destination.Port == 8443 && ev.Borderwatch.Flow.Final {
			sessions++
			if ev.Source.IP != netip.MustParseAddr(ipSend) || ev.Borderwatch.Flow.SourcePayload != uint64(len(payload)) ||
				ev.Borderwatch.Flow.DestPayload != 3 || ev.Observer.Ingress == nil || ev.Observer.Ingress.Interface.Name != vCap {
				t.Errorf("session: %s source_payload=%d destination_payload=%d", ev.Message, ev.Borderwatch.Flow.SourcePayload, ev.Borderwatch.Flow.DestPayload)
			}
		}
		if ev.DNS != nil && ev.DNS.Question != nil && ev.DNS.Question.Name == "live.example.com" {
			dns++
		}
	}
	if sessions != conns || dns != 1 {
		t.Fatalf("got %d final sessions to 8443 (want %d) and %d dns flows (want 1) from %d events", sessions, conns, dns, len(em.evs))
	}
	c := src.Counters()
	if c.Packets.Load() == 0 || c.KernelSeen.Load() != c.Packets.Load()+c.KernelDrops.Load() {
		t.Fatalf("counters: read %d, kernel seen %d, kernel drops %d", c.Packets.Load(), c.KernelSeen.Load(), c.KernelDrops.Load())
	}
}

var sentRe = regexp.MustCompile(`Successful packets:\s+(\d+)`)

// TestLiveLoss replays a generated capture with tcpreplay at rising rates and checks that every
// packet sent is accounted for: read by the workers or dropped by the kernel.
func TestLiveLoss(t *testing.T) {
	liveEnabled(t)
	if _, err := exec.LookPath("tcpreplay"); err != nil {
		t.Fatal("tcpreplay is not installed (scripts/ci/deps-capture.sh installs it)")
	}
	netnstest.Setup(t, livePair)
	path := filepath.Join(t.TempDir(), "replay.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := synth.WriteBench(f, 4<<20, 200, 7); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, rate := range []string{"--pps=20000", "--pps=100000", "--topspeed"} {
		t.Run(rate, func(t *testing.T) {
			em := &chanEmitter{max: 50} // a small pipeline: records beyond it are dropped and counted
			cfg := DefaultConfig()
			cfg.Workers = 2
			cfg.RingMB = 2
			cfg.Flow.CloseLinger = 10 * time.Millisecond // records leave while packets still arrive
			src, stop := startLive(t, cfg, em)
			out := netnstest.Sh(t, "ip", "netns", "exec", nsSend, "tcpreplay", "-q", "-i", vSend, rate, path)
			time.Sleep(500 * time.Millisecond)
			stop()
			m := sentRe.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("tcpreplay output without a packet count:\n%s", out)
			}
			sent, _ := strconv.ParseUint(m[1], 10, 64)
			c := src.Counters()
			read, drops := c.Packets.Load(), c.KernelDrops.Load()
			t.Logf("%s: sent %d, read %d, kernel drops %d, records %d, pipeline drops %d", rate, sent, read, drops, c.Emitted.Load(), c.Dropped.Load())
			if read+drops != sent {
				t.Fatalf("read %d + kernel drops %d = %d, want %d sent", read, drops, read+drops, sent)
			}
			if em.dropped == 0 || c.Dropped.Load() != uint64(em.dropped) {
				t.Fatalf("pipeline drops counted %d, emitter saw %d", c.Dropped.Load(), em.dropped)
			}
		})
	}
}
