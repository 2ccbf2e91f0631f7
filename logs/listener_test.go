package logs_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/logstest"
)

func startListener(t *testing.T, c *logstest.Collector, cfg logs.ListenerConfig) (*logs.Source, map[string]string, func()) {
	t.Helper()
	bs, err := logs.NewSource(logs.SourceConfig{
		Listen: []string{"udp://127.0.0.1:0", "tcp://127.0.0.1:0"}, Listener: cfg,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	src := bs.(*logs.Source)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, c) }()
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	addrs := map[string]string{}
	for _, a := range src.ListenAddrs(wctx) {
		scheme, host, _ := strings.Cut(a, "://")
		addrs[scheme] = host
	}
	if addrs["udp"] == "" || addrs["tcp"] == "" {
		cancel()
		t.Fatalf("listeners not bound: %v", addrs)
	}
	return src, addrs, func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("listener: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("listener did not stop")
		}
	}
}

func TestListenerUDPAndTCP(t *testing.T) {
	var c logstest.Collector
	src, addrs, stop := startListener(t, &c, logs.ListenerConfig{MaxMessage: 200, MaxConns: 2})
	defer stop()

	// UDP: RFC 3164 and RFC 5424 headers, bare lines, two messages in one datagram.
	u, err := net.Dial("udp", addrs["udp"])
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	want := 0
	send := func(s string) {
		if _, err := u.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	for i := 1; i <= 20; i++ {
		send(fmt.Sprintf("<134>May  6 08:15:%02d vpn1 app: seq=%d udp 3164", i, i))
		want++
	}
	send("<165>1 2024-05-06T08:16:00.000Z vpn1 app 42 ID47 - seq=21 udp 5424\n")
	send("seq=22 first of two\nseq=23 second of two\n")
	want += 3
	send("<134>May  6 08:17:00 vpn1 app: seq=999 " + strings.Repeat("x", 300)) // over max_message

	// TCP: newline framing and octet counting on one connection, one oversized frame.
	tc, err := net.Dial("tcp", addrs["tcp"])
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	var b strings.Builder
	for i := 24; i <= 33; i++ {
		b.WriteString(fmt.Sprintf("<134>May  6 08:18:00 vpn2 app: seq=%d tcp newline\n", i))
	}
	for i := 34; i <= 43; i++ {
		m := fmt.Sprintf("<165>1 2024-05-06T08:19:00Z vpn2 app - - - seq=%d tcp octet", i)
		b.WriteString(fmt.Sprintf("%d %s", len(m), m))
	}
	big := "<134>May  6 08:20:00 vpn2 app: seq=998 " + strings.Repeat("y", 500)
	b.WriteString(fmt.Sprintf("%d %s", len(big), big))
	b.WriteString("<134>May  6 08:21:00 vpn2 app: seq=44 after the big one\n")
	b.WriteString("this message matches no format\n")
	if _, err := tc.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	want += 21

	waitForEvents(t, &c, want)
	evs, rej := c.Snapshot()
	seen := map[string]bool{}
	for _, ev := range evs {
		if seen[ev.Event.ID] {
			t.Errorf("event %s twice", ev.Event.ID)
		}
		seen[ev.Event.ID] = true
		in := ev.Borderwatch.Input
		wantPath := "udp://" + addrs["udp"]
		if n, _ := strconv.Atoi(ev.Event.ID); n > 23 {
			wantPath = "tcp://" + addrs["tcp"]
		}
		if in == nil || in.Type != "syslog" || in.Sender != "127.0.0.1" || in.Path != wantPath {
			t.Errorf("event %s: input %+v, want path %s", ev.Event.ID, in, wantPath)
		}
	}
	for i := 1; i <= 44; i++ {
		if !seen[fmt.Sprint(i)] {
			t.Errorf("message seq=%d missing", i)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(rej) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		_, rej = c.Snapshot()
	}
	var oversize, unknown int
	for _, r := range rej {
		switch {
		case r.Format == "syslog" && strings.Contains(r.Err.Error(), "max_message") && r.Where == "127.0.0.1":
			oversize++
		case r.Format == "seqtest" && r.Where == "127.0.0.1" && string(r.Raw) == "this message matches no format":
			unknown++
		default:
			t.Errorf("unexpected rejection: %v", r.Error())
		}
	}
	if oversize != 2 || unknown != 1 {
		t.Errorf("rejections: %d oversize (want 2), %d unparsable (want 1)", oversize, unknown)
	}
	if got := src.Stats().Dropped.Load(); got != 2 {
		t.Errorf("dropped = %d, want 2", got)
	}
}

func TestListenerConnectionLimit(t *testing.T) {
	var c logstest.Collector
	src, addrs, stop := startListener(t, &c, logs.ListenerConfig{MaxConns: 2, IdleTimeout: 300 * time.Millisecond})
	defer stop()
	var conns []net.Conn
	for i := 0; i < 3; i++ {
		conn, err := net.Dial("tcp", addrs["tcp"])
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conns = append(conns, conn)
		time.Sleep(50 * time.Millisecond)
	}
	// The third connection is closed by the listener: a read sees EOF.
	conns[2].SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := conns[2].Read(make([]byte, 1)); err == nil {
		t.Error("third connection was not closed")
	}
	if got := src.Stats().Refused.Load(); got != 1 {
		t.Errorf("refused = %d, want 1", got)
	}
	// Idle connections are closed after idle_timeout, which frees the slots.
	conns[0].SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := conns[0].Read(make([]byte, 1)); err == nil {
		t.Error("idle connection was not closed")
	}
	time.Sleep(50 * time.Millisecond)
	conn, err := net.Dial("tcp", addrs["tcp"])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "seq=7 after the idle ones left\n")
	waitForEvents(t, &c, 1)
}

func waitForEvents(t *testing.T, c *logstest.Collector, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs, _ := c.Snapshot()
		if len(evs) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("saw %d events, want %d", len(evs), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
