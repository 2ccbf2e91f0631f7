// Command tsharkcheck cross-checks borderwatch's capture decoding against tshark, an
// independent decoder: it generates the reference captures, runs borderwatch's file source and
// `tshark -T fields` over them, and compares per flow the packets, IP bytes, TLS SNI, JA3,
// JA3S, Community ID and DNS question names. Differences that are a known, documented choice (IP fragments
// are counted once, as the reassembled datagram) are printed as "explained"; any other
// difference fails the run.
//
//	go run ./capture/internal/tsharkcheck [-keep DIR]
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture"
	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

type key struct {
	a, b  netip.AddrPort
	proto uint8
}

func mkKey(src, dst netip.Addr, sp, dp uint16, proto uint8) key {
	x, y := netip.AddrPortFrom(src, sp), netip.AddrPortFrom(dst, dp)
	if x.Compare(y) > 0 {
		x, y = y, x
	}
	return key{x, y, proto}
}

func (k key) String() string { return fmt.Sprintf("%d %s <-> %s", k.proto, k.a, k.b) }

type facts struct {
	packets, bytes uint64
	sni, dns       []string
	ja3, ja3s      []string
	community      []string
	fragments      int
}

func addUniq(s []string, v string) []string {
	if v == "" || slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

var fields = []string{"frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "ip.proto", "ipv6.nxt",
	"tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "ip.len", "ipv6.plen",
	"tls.handshake.extensions_server_name", "dns.qry.name", "tls.handshake.ja3", "tls.handshake.ja3s",
	"ip.flags.mf", "ip.frag_offset", "communityid"}

func tshark(path string) (map[key]*facts, error) {
	args := []string{"-n", "--enable-protocol", "communityid", "-r", path, "-T", "fields", "-E", "separator=|", "-E", "occurrence=l"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	var stderr bytes.Buffer
	cmd := exec.Command("tshark", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("tshark: %v: %s", err, stderr.String())
	}
	flows := map[key]*facts{}
	type fragGroup struct{ src, dst netip.Addr }
	frags := map[fragGroup]*facts{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) < len(fields) {
			return nil, fmt.Errorf("tshark line %q: %d fields", sc.Text(), len(f))
		}
		var src, dst netip.Addr
		var proto uint64
		var iplen uint64
		if f[3] != "" {
			src, _ = netip.ParseAddr(f[3])
			dst, _ = netip.ParseAddr(f[4])
			proto, _ = strconv.ParseUint(f[6], 10, 8)
			plen, _ := strconv.ParseUint(f[12], 10, 32)
			iplen = plen + 40
		} else if f[1] != "" {
			src, _ = netip.ParseAddr(f[1])
			dst, _ = netip.ParseAddr(f[2])
			proto, _ = strconv.ParseUint(f[5], 10, 8)
			iplen, _ = strconv.ParseUint(f[11], 10, 32)
		} else {
			continue
		}
		port := func(s string) uint16 { v, _ := strconv.ParseUint(s, 10, 16); return uint16(v) }
		sp, dp := port(f[7]), port(f[8])
		if proto == 17 {
			sp, dp = port(f[9]), port(f[10])
		}
		mf, off := f[17] == "1" || f[17] == "True", f[18] != "" && f[18] != "0"
		if (mf || off) && sp == 0 && dp == 0 { // a fragment that did not complete its datagram
			g := fragGroup{src, dst}
			if frags[g] == nil {
				frags[g] = &facts{}
			}
			frags[g].fragments++
			frags[g].bytes += iplen - 20
			continue
		}
		if proto != 6 && proto != 17 && proto != 132 {
			sp, dp = 0, 0
		}
		k := mkKey(src, dst, sp, dp, uint8(proto))
		fa := flows[k]
		if fa == nil {
			fa = &facts{}
			flows[k] = fa
		}
		fa.packets++
		fa.bytes += iplen
		for _, s := range strings.Split(f[13], ",") {
			fa.sni = addUniq(fa.sni, strings.ToLower(s))
		}
		fa.dns = addUniq(fa.dns, strings.ToLower(f[14]))
		fa.ja3 = addUniq(fa.ja3, f[15])
		fa.ja3s = addUniq(fa.ja3s, f[16])
		fa.community = addUniq(fa.community, f[19])
	}
	// the frame that completes a datagram carries the ports; fold the fragments in
	for g, fr := range frags {
		for k, fa := range flows {
			if (k.a.Addr() == g.src && k.b.Addr() == g.dst) || (k.a.Addr() == g.dst && k.b.Addr() == g.src) {
				fa.fragments = fr.fragments + 1
				fa.bytes = fr.bytes + fa.bytes // fragments' payloads + the last frame (header included)
			}
		}
	}
	return flows, sc.Err()
}

type memSink struct {
	mu  sync.Mutex
	evs []*borderwatch.Event
}

func (m *memSink) Publish(_ context.Context, evs []*borderwatch.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evs = append(m.evs, evs...)
	return nil
}
func (m *memSink) Close(context.Context) error { return nil }

func borderwatchFlows(path string) (map[key]*facts, error) {
	sink := &memSink{}
	src := &capture.FileSource{Paths: []string{path}, Config: capture.DefaultConfig(), Logger: slog.New(slog.DiscardHandler)}
	p := &borderwatch.Pipeline{Sources: []borderwatch.Source{src}, Sinks: []borderwatch.Sink{sink}, Logger: slog.New(slog.DiscardHandler)}
	if err := p.Run(context.Background()); err != nil {
		return nil, err
	}
	flows := map[key]*facts{}
	for _, ev := range sink.evs {
		fl := ev.Borderwatch.Flow
		if fl == nil || !fl.Final {
			continue // interim records repeat the totals so far
		}
		proto, _ := strconv.ParseUint(ev.Network.IANANumber, 10, 8)
		k := mkKey(ev.Source.IP, ev.Destination.IP, ev.Source.Port, ev.Destination.Port, uint8(proto))
		fa := &facts{packets: ev.Network.Packets, bytes: ev.Network.Bytes, community: []string{ev.Network.CommunityID}}
		if ev.TLS != nil && ev.TLS.Client != nil {
			fa.sni = addUniq(fa.sni, ev.TLS.Client.ServerName)
			fa.ja3 = addUniq(fa.ja3, ev.TLS.Client.JA3)
		}
		if ev.TLS != nil && ev.TLS.Server != nil {
			fa.ja3s = addUniq(fa.ja3s, ev.TLS.Server.JA3S)
		}
		if ev.DNS != nil && ev.DNS.Question != nil {
			fa.dns = addUniq(fa.dns, ev.DNS.Question.Name)
		}
		flows[k] = fa
	}
	return flows, nil
}

func eq(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func compare(name string, bw, ts map[key]*facts) (bad int) {
	keys := map[key]bool{}
	for k := range bw {
		keys[k] = true
	}
	for k := range ts {
		keys[k] = true
	}
	var sorted []key
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].String() < sorted[j].String() })
	fmt.Printf("== %s: %d flows (borderwatch %d, tshark %d)\n", name, len(sorted), len(bw), len(ts))
	for _, k := range sorted {
		b, t := bw[k], ts[k]
		switch {
		case b == nil:
			fmt.Printf("DIFF  %-60s missing in borderwatch\n", k)
			bad++
			continue
		case t == nil:
			fmt.Printf("DIFF  %-60s missing in tshark\n", k)
			bad++
			continue
		}
		var diffs, explained []string
		if t.fragments > 0 {
			if b.packets == 1 && b.bytes == t.bytes {
				explained = append(explained, fmt.Sprintf("%d ip fragments counted once as the reassembled datagram (%d bytes)", t.fragments, b.bytes))
			} else {
				diffs = append(diffs, fmt.Sprintf("fragmented: packets %d/%d bytes %d/%d", b.packets, t.packets, b.bytes, t.bytes))
			}
		} else {
			if b.packets != t.packets {
				diffs = append(diffs, fmt.Sprintf("packets %d vs %d", b.packets, t.packets))
			}
			if b.bytes != t.bytes {
				diffs = append(diffs, fmt.Sprintf("bytes %d vs %d", b.bytes, t.bytes))
			}
		}
		if !eq(b.sni, t.sni) {
			diffs = append(diffs, fmt.Sprintf("sni %v vs %v", b.sni, t.sni))
		}
		if !eq(b.dns, t.dns) {
			diffs = append(diffs, fmt.Sprintf("dns %v vs %v", b.dns, t.dns))
		}
		if !eq(b.ja3, t.ja3) {
			diffs = append(diffs, fmt.Sprintf("ja3 %v vs %v", b.ja3, t.ja3))
		}
		if t.fragments == 0 && !eq(b.community, t.community) {
			diffs = append(diffs, fmt.Sprintf("community_id %v vs %v", b.community, t.community))
		}
		if !eq(b.ja3s, t.ja3s) {
			diffs = append(diffs, fmt.Sprintf("ja3s %v vs %v", b.ja3s, t.ja3s))
		}
		switch {
		case len(diffs) > 0:
			bad++
			fmt.Printf("DIFF  %-60s %s\n", k, strings.Join(diffs, "; "))
		case len(explained) > 0:
			fmt.Printf("EXPL  %-60s %s\n", k, strings.Join(explained, "; "))
		default:
			extra := strings.Join(append(append(b.sni, b.dns...), b.ja3...), " ")
			fmt.Printf("OK    %-60s %d pkts %d bytes %s\n", k, b.packets, b.bytes, extra)
		}
	}
	return bad
}

func main() {
	keep := flag.String("keep", "", "write the generated captures to this directory and keep them")
	flag.Parse()
	dir := *keep
	if dir == "" {
		d, err := os.MkdirTemp("", "tsharkcheck")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		fmt.Fprintln(os.Stderr, "tsharkcheck: tshark is not installed (scripts/ci/deps-capture.sh installs it)")
		os.Exit(1)
	}
	files := []struct {
		name string
		pkts []synth.Packet
		ng   bool
	}{
		{"mixed.pcap", synth.Mixed(), false},
		{"mixed.pcapng", synth.Mixed(), true},
		{"cooked.pcapng", synth.Cooked(), true},
	}
	bad := 0
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		var buf bytes.Buffer
		var err error
		if f.ng {
			err = synth.WritePcapNG(&buf, f.pkts)
		} else {
			err = synth.WritePcap(&buf, f.pkts, false)
		}
		if err == nil {
			err = os.WriteFile(path, buf.Bytes(), 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "tsharkcheck:", err)
			os.Exit(1)
		}
		bw, err := borderwatchFlows(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tsharkcheck: borderwatch:", err)
			os.Exit(1)
		}
		ts, err := tshark(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tsharkcheck:", err)
			os.Exit(1)
		}
		bad += compare(f.name, bw, ts)
	}
	if bad > 0 {
		fmt.Printf("tsharkcheck: %d flows differ\n", bad)
		os.Exit(1)
	}
	fmt.Println("tsharkcheck: borderwatch and tshark agree on every flow")
}
