//go:build linux

package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/netnstest"
)

// This test needs root (network namespaces, AF_PACKET). It runs when
// BORDERWATCH_LIVE_TEST=1 (make verify-daemon-live, in CI as root).
const (
	opsNSSend = "bwops-send"
	opsNSCap  = "bwops-cap"
	opsVSend  = "bwo-send"
	opsVCap   = "bwo-cap"
	opsIPSend = "10.198.0.2"
	opsIPCap  = "10.198.0.1"
)

// httpGetIn fetches path from addr inside namespace ns with a plain HTTP/1.0 request (the
// dial must happen on the namespace's thread, which net/http's transport does not do).
func httpGetIn(ns, addr, path string) (status int, body string, err error) {
	err = netnstest.Run(ns, func() error {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, addr)
		b, err := io.ReadAll(c)
		if err != nil {
			return err
		}
		head, rest, _ := strings.Cut(string(b), "\r\n\r\n")
		fmt.Sscanf(head, "HTTP/1.%d %d", new(int), &status)
		body = rest
		return nil
	})
	return status, body, err
}

// TestCaptureDaemonMetrics runs `borderwatch capture --interface` as a daemon in a network
// namespace, sends it traffic over a veth pair, and scrapes its /metrics and /healthz.
func TestCaptureDaemonMetrics(t *testing.T) {
	netnstest.Require(t, "live daemon test", "verify-daemon-live")
	netnstest.Setup(t, netnstest.Pair{SendNS: opsNSSend, CapNS: opsNSCap, SendDev: opsVSend, CapDev: opsVCap, SendIP: opsIPSend, CapIP: opsIPCap})

	dir := t.TempDir()
	bin := filepath.Join(dir, "borderwatch")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const metricsAddr = "127.0.0.1:9478" // inside the capture namespace
	out := filepath.Join(dir, "flows.ndjson")
	cfg := writeFile(t, "live.yaml", "metrics:\n  address: "+metricsAddr+"\ncapture:\n  stats_interval: 1s\noutput:\n  sinks: [ndjson]\n  file: "+out+"\n")
	var stderr lockedBuffer
	daemon := exec.Command("ip", "netns", "exec", opsNSCap, bin, "--config", cfg, "capture", "--interface", opsVCap)
	daemon.Stderr = &stderr
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- daemon.Wait() }()
	t.Cleanup(func() {
		daemon.Process.Kill()
	})

	value := func(body, name string) float64 {
		v, _ := metricValue(body, name, "")
		return v
	}
	waitFor := func(what string, ok func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		var body string
		for time.Now().Before(deadline) {
			select {
			case err := <-exited:
				t.Fatalf("daemon exited (%v) while waiting for %s\n%s", err, what, stderr.String())
			default:
			}
			if code, b, err := httpGetIn(opsNSCap, metricsAddr, "/metrics"); err == nil && code == 200 {
				body = b
				if ok(body) {
					return body
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s; last scrape:\n%s\nstderr:\n%s", what, body, stderr.String())
		return ""
	}
	waitFor("the metrics server", func(b string) bool { return strings.Contains(b, "borderwatch_capture_packets_total") })
	// The server starts before the capture sockets open: wait for them.
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(stderr.String(), "msg=capturing"); {
		if time.Now().After(deadline) {
			t.Fatalf("capture did not start\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// 300 UDP datagrams from the sender namespace to the capturing side, over 30 flows.
	const sent = 300
	err := netnstest.Run(opsNSSend, func() error {
		// One datagram first resolves the neighbour, so that none of the counted ones waits
		// on ARP (the kernel queues only a few per unresolved neighbour).
		c, err := net.Dial("udp", net.JoinHostPort(opsIPCap, "39999"))
		if err != nil {
			return err
		}
		c.Write([]byte("arp"))
		c.Close()
		time.Sleep(300 * time.Millisecond)
		for i := range sent {
			if i%20 == 0 {
				time.Sleep(time.Millisecond)
			}
			c, err := net.Dial("udp", net.JoinHostPort(opsIPCap, fmt.Sprint(40000+i%30)))
			if err != nil {
				return err
			}
			c.Write([]byte("borderwatch live metrics test"))
			c.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Kernel counters are read every capture.stats_interval (1s here).
	body := waitFor("the datagrams to be counted", func(b string) bool {
		return value(b, "borderwatch_capture_packets_total") >= sent && value(b, "borderwatch_capture_kernel_seen_total") >= sent
	})
	if seen, drops := value(body, "borderwatch_capture_kernel_seen_total"), value(body, "borderwatch_capture_kernel_drops_total"); seen < sent || drops != 0 {
		t.Errorf("kernel saw %g packets with %g drops; want >= %d and 0", seen, drops, sent)
	}
	for _, name := range []string{"borderwatch_pipeline_queue_depth", "borderwatch_events_read_total", "borderwatch_enrich_cache_hit_ratio",
		"borderwatch_sink_publish_seconds_count", "borderwatch_capture_dropped_total"} {
		if !strings.Contains(body, name) {
			t.Errorf("metrics lack %s", name)
		}
	}
	if code, hb, err := httpGetIn(opsNSCap, metricsAddr, "/healthz"); err != nil || code != 200 || !strings.Contains(hb, `"status":"ok"`) {
		t.Errorf("healthz: %d %q %v", code, hb, err)
	}

	// SIGTERM drains the flow table into the output and exits cleanly.
	daemon.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("daemon exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("daemon did not stop on SIGTERM\n%s", stderr.String())
	}
	if n := countLines(t, out); n < 30 {
		t.Errorf("%d flow records written, want >= 30 (one per UDP flow)", n)
	}
}
