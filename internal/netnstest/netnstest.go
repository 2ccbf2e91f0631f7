//go:build linux

// Package netnstest builds throwaway test hosts for live tests: two network namespaces joined
// by a veth pair, and a way to run code (dial, listen, send) inside one of them. It needs
// root and iproute2.
package netnstest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Require skips t unless BORDERWATCH_LIVE_TEST=1 (naming the test and the make target that
// runs it) and fails it, not skips, when that is set but the process is not root.
func Require(t testing.TB, what, target string) {
	t.Helper()
	if os.Getenv("BORDERWATCH_LIVE_TEST") != "1" {
		t.Skipf("%s: set BORDERWATCH_LIVE_TEST=1 and run as root (make %s)", what, target)
	}
	if os.Geteuid() != 0 {
		t.Fatal("BORDERWATCH_LIVE_TEST=1 needs root for network namespaces and AF_PACKET")
	}
}

// Pair names two hosts: a sender and a capturer, each with its namespace, veth end and IPv4
// address (in one /24).
type Pair struct {
	SendNS, CapNS   string
	SendDev, CapDev string
	SendIP, CapIP   string
}

// Setup creates the pair's namespaces (replacing leftovers of an earlier run) with IPv6 off,
// so that no neighbour-discovery noise reaches the capture, and deletes them when t ends.
func Setup(t testing.TB, p Pair) {
	t.Helper()
	for _, ns := range []string{p.SendNS, p.CapNS} {
		exec.Command("ip", "netns", "del", ns).Run()
		Sh(t, "ip", "netns", "add", ns)
	}
	t.Cleanup(func() {
		for _, ns := range []string{p.SendNS, p.CapNS} {
			exec.Command("ip", "netns", "del", ns).Run()
		}
	})
	Sh(t, "ip", "link", "add", p.SendDev, "netns", p.SendNS, "type", "veth", "peer", "name", p.CapDev, "netns", p.CapNS)
	for _, x := range []struct{ ns, dev, ip string }{{p.SendNS, p.SendDev, p.SendIP}, {p.CapNS, p.CapDev, p.CapIP}} {
		Sh(t, "ip", "netns", "exec", x.ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
		Sh(t, "ip", "netns", "exec", x.ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1")
		Sh(t, "ip", "-n", x.ns, "addr", "add", x.ip+"/24", "dev", x.dev)
		Sh(t, "ip", "-n", x.ns, "link", "set", x.dev, "up")
		Sh(t, "ip", "-n", x.ns, "link", "set", "lo", "up")
	}
}

// Sh runs a command and fails t with its output if it fails.
func Sh(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Run runs f on an OS thread moved into namespace ns: sockets f creates belong to ns. The
// thread is discarded afterwards.
func Run(ns string, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		fd, err := unix.Open(filepath.Join("/run/netns", ns), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		errc <- f()
	}()
	return <-errc
}
