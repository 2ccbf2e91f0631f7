package syslog_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/logs"
	_ "github.com/borderwatch/borderwatch/logs/all"
	"github.com/borderwatch/borderwatch/logs/logstest"
)

// syslogFormats are the formats built on this package.
var syslogFormats = []string{"asa", "fortigate", "globalprotect", "openssh", "openvpn", "pulse"}

// TestMixedDirectory copies every syslog-text sample into one directory and reads it with
// auto-detection: each file must be read by its own format and give exactly the events its
// golden file lists.
func TestMixedDirectory(t *testing.T) {
	dir := t.TempDir()
	want := map[string]int{} // dataset → events
	for _, format := range syslogFormats {
		samples, err := filepath.Glob(filepath.Join("..", format, "testdata", "*.log"))
		if err != nil || len(samples) == 0 {
			t.Fatalf("%s: no samples", format)
		}
		for _, s := range samples {
			data, err := os.ReadFile(s)
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(dir, format+"-"+filepath.Base(s))
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				t.Fatal(err)
			}
			golden, err := os.ReadFile(strings.TrimSuffix(s, ".log") + ".golden.ndjson")
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(bytes.NewReader(golden))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				if bytes.HasPrefix(sc.Bytes(), []byte(`{"@timestamp"`)) {
					want["borderwatch."+format]++
				}
			}
		}
	}
	c := logstest.Read(t, logs.SourceConfig{Paths: []string{dir}, Options: logs.Options{Year: 2026}})
	evs, rejected := c.Snapshot()
	got := map[string]int{}
	for _, ev := range evs {
		in := ev.Borderwatch.Input
		if in == nil {
			t.Fatalf("event without borderwatch.input: %s", ev.Event.Original)
		}
		format, _, _ := strings.Cut(filepath.Base(in.Path), "-")
		if ev.Event.Dataset != "borderwatch."+format {
			b, _ := json.Marshal(ev)
			t.Errorf("%s:%d read as %s: %s", in.Path, in.Line, ev.Event.Dataset, b)
		}
		got[ev.Event.Dataset]++
	}
	for ds, n := range want {
		if got[ds] != n {
			t.Errorf("%s: %d events, want %d (as in the golden files)", ds, got[ds], n)
		}
	}
	for _, r := range rejected {
		format, _, _ := strings.Cut(filepath.Base(r.Where), "-")
		if r.Format != "" && r.Format != format {
			t.Errorf("%s rejected by %s: %v", r.Where, r.Format, r.Err)
		}
	}
	t.Logf("%d events, %d rejected records from %d formats", len(evs), len(rejected), len(want))
}

// TestMixedStream reads one file in which a relay interleaves several devices: every line
// must reach its own format, whichever format the file was detected as.
func TestMixedStream(t *testing.T) {
	lines := []struct{ format, line string }{
		{"asa", "<166>Nov 22 2026 08:01:12 asa-edge-01 : %ASA-6-113039: Group <GP> User <jdoe> IP <203.0.113.45> AnyConnect parent session started."},
		{"openssh", "<38>Nov 22 08:02:11 bastion-1 sshd[30412]: Accepted publickey for jdoe from 203.0.113.45 port 52311 ssh2"},
		{"asa", "<166>Nov 22 2026 08:03:00 asa-edge-01 : %ASA-6-302013: Built inbound TCP connection 1 for outside:203.0.113.45/1 (203.0.113.45/1) to inside:10.1.1.5/443 (10.1.1.5/443)"},
		{"fortigate", `<189>date=2026-11-22 time=08:04:00 devname="FGT" devid="FG1" logid="0101039947" type="event" subtype="vpn" action="tunnel-up" tunneltype="ssl-tunnel" remip=198.51.100.7 user="ana"`},
		{"pulse", "<134>Nov 22 08:05:00 pcs-01 PulseSecure: 2026-11-22 08:05:00 - ive - [192.0.2.9] bob(Users)[] - Primary authentication successful for bob/Users from 192.0.2.9"},
		{"openvpn", "<30>Nov 22 08:06:00 vpn-1 ovpn-server[812]: 203.0.113.99:5000 TLS: Username/Password authentication succeeded for username 'carol'"},
		{"", "<13>Nov 22 08:07:00 relay-1 cron[12]: (root) CMD (run-parts /etc/cron.hourly)"},
		{"asa", "<166>Nov 22 2026 08:08:00 asa-edge-01 : %ASA-6-716001: Group G User dave IP 192.0.2.44 WebVPN session started."},
	}
	var buf bytes.Buffer
	want := map[string]int{}
	for _, l := range lines {
		buf.WriteString(l.line + "\n")
		if l.format != "" && !strings.Contains(l.line, "302013") {
			want["borderwatch."+l.format]++
		}
	}
	path := filepath.Join(t.TempDir(), "relay.log")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	c := logstest.Read(t, logs.SourceConfig{Paths: []string{path}, Options: logs.Options{Year: 2026}})
	evs, rejected := c.Snapshot()
	got := map[string]int{}
	for _, ev := range evs {
		got[ev.Event.Dataset]++
	}
	for ds, n := range want {
		if got[ds] != n {
			t.Errorf("%s: %d events, want %d", ds, got[ds], n)
		}
	}
	if len(evs) != 6 {
		t.Errorf("%d events, want 6", len(evs))
	}
	for _, r := range rejected {
		t.Errorf("rejected %s: %v", r.Where, r.Err)
	}
}

// TestDetectLines checks, line by line, that no other registered format outscores a
// syslog-text format on its own samples.
func TestDetectLines(t *testing.T) {
	for _, format := range syslogFormats {
		samples, _ := filepath.Glob(filepath.Join("..", format, "testdata", "*.log"))
		for _, s := range samples {
			data, err := os.ReadFile(s)
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range bytes.Split(data, []byte("\n")) {
				if f, ok := logs.Detect(line, logs.FrameLines); ok && f.Name != format {
					t.Errorf("%s:%d: detected as %s: %s", s, i+1, f.Name, line)
				}
			}
		}
	}
}
