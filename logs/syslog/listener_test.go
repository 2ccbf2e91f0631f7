package syslog_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/logstest"
)

// TestListenerRelay sends one relay's interleaved ASA, sshd, FortiGate and Pulse messages to
// a real syslog listener over UDP and TCP (newline and octet-counted framing): each message
// must come out as an event of its own format.
func TestListenerRelay(t *testing.T) {
	src, err := logs.NewSource(logs.SourceConfig{
		Listen:  []string{"udp://127.0.0.1:0", "tcp://127.0.0.1:0"},
		Options: logs.Options{Year: 2026},
		Logger:  slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	s := src.(*logs.Source)
	var c logstest.Collector
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, &c) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("listener: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("listener did not stop")
		}
	}()
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	addrs := map[string]string{}
	for _, a := range s.ListenAddrs(wctx) {
		scheme, host, _ := strings.Cut(a, "://")
		addrs[scheme] = host
	}
	if addrs["udp"] == "" || addrs["tcp"] == "" {
		t.Fatalf("listeners not bound: %v", addrs)
	}

	want := map[string]int{}
	u, err := net.Dial("udp", addrs["udp"])
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	for i := 0; i < 5; i++ {
		msgs := []struct{ format, msg string }{
			{"asa", fmt.Sprintf("<166>Nov 22 2026 08:01:%02d asa-edge-01 : %%ASA-6-113039: Group <GP> User <u%d> IP <203.0.113.%d> AnyConnect parent session started.", i, i, i+1)},
			{"openssh", fmt.Sprintf("<38>Nov 22 08:02:%02d bastion-1 sshd[%d]: Accepted publickey for u%d from 198.51.100.%d port 5%d ssh2", i, 100+i, i, i+1, i)},
			{"fortigate", fmt.Sprintf(`<189>date=2026-11-22 time=08:03:%02d devname="FGT" devid="FG1" logid="0101039947" type="event" subtype="vpn" action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=%d remip=192.0.2.%d user="f%d"`, i, i+1, i+1, i)},
		}
		for _, m := range msgs {
			if _, err := u.Write([]byte(m.msg)); err != nil {
				t.Fatal(err)
			}
			want["borderwatch."+m.format]++
			time.Sleep(time.Millisecond)
		}
	}
	tc, err := net.Dial("tcp", addrs["tcp"])
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	var b strings.Builder
	for i := 0; i < 5; i++ {
		m := fmt.Sprintf("<134>Nov 22 08:05:%02d pcs-01 PulseSecure: 2026-11-22 08:05:%02d - ive - [192.0.2.%d] p%d(Users)[] - Primary authentication successful for p%d/Users from 192.0.2.%d", i, i, 50+i, i, i, 50+i)
		if i%2 == 0 {
			fmt.Fprintf(&b, "%d %s", len(m), m) // octet counting
		} else {
			b.WriteString(m + "\n")
		}
		want["borderwatch.pulse"]++
	}
	if _, err := tc.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}

	total := 0
	for _, n := range want {
		total += n
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs, _ := c.Snapshot()
		if len(evs) >= total || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	evs, rejected := c.Snapshot()
	got := map[string]int{}
	for _, ev := range evs {
		got[ev.Event.Dataset]++
		if in := ev.Borderwatch.Input; in == nil || in.Type != "syslog" || in.Sender != "127.0.0.1" {
			t.Errorf("%s event: input %+v", ev.Event.Dataset, in)
		}
	}
	for ds, n := range want {
		if got[ds] != n {
			t.Errorf("%s: %d events, want %d", ds, got[ds], n)
		}
	}
	for _, r := range rejected {
		t.Errorf("rejected from %s: %v", r.Where, r.Err)
	}
}
