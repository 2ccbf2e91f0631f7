package asa

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/asa/asagen"
	"github.com/borderwatch/borderwatch/logs/syslog/syslogtest"
)

func TestGolden(t *testing.T) {
	syslogtest.Golden(t, Name, logs.Options{})
}

func TestDetect(t *testing.T) {
	syslogtest.DetectOwn(t, Detect, 100, 30)
}

func TestREADME(t *testing.T) { syslogtest.CheckREADME(t) }

func TestZoneAndYearOptions(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	p, _ := New(logs.Options{Year: 2024, Location: ny})
	var got *borderwatch.Event
	rec := &logs.Record{Data: []byte("Jul  4 12:00:00 fw %ASA-6-716001: Group G User u IP 192.0.2.1 WebVPN session started."), Path: "x", Line: 1}
	if err := p.Parse(rec, func(ev *borderwatch.Event) { got = ev }); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 7, 4, 16, 0, 0, 0, time.UTC); !got.Timestamp.Equal(want) {
		t.Errorf("time %v, want %v", got.Timestamp, want)
	}
}

func TestSkipAndReject(t *testing.T) {
	tests := []struct {
		line string
		skip bool
	}{
		{"<166>Nov 22 2026 10:00:00 fw : %ASA-6-302013: Built inbound TCP connection", true},
		{"<166>Nov 22 2026 10:00:00 fw : %ASA-6-113004: AAA user authorization Successful : server = 10.0.0.1 : user = x", true},
		{"Nov 22 10:00:00 fw kernel: hello", true},
		{"garbage", false},
		{"<166>Nov 22 2026 10:00:00 fw : %ASA-6-113039: Group <g> User <u>", false},
		{"<166>Nov 22 2026 10:00:00 fw : %ASA-6-113019: Group = g, Username = u, IP = ::, Session disconnected.", false},
	}
	p, _ := New(logs.Options{Year: 2026})
	for _, tt := range tests {
		err := p.Parse(&logs.Record{Data: []byte(tt.line)}, func(*borderwatch.Event) { t.Errorf("%q: emitted", tt.line) })
		if err == nil || errors.Is(err, logs.ErrSkip) != tt.skip {
			t.Errorf("%q: err = %v, skip want %v", tt.line, err, tt.skip)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0h:32m:16s", 32*time.Minute + 16*time.Second, true},
		{"1d 2h:03m:04s", 26*time.Hour + 3*time.Minute + 4*time.Second, true},
		{"12h", 12 * time.Hour, true},
		{"5", 0, false},
		{"h", 0, false},
		{"1x", 0, false},
		{"999999999d", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseDuration([]byte(tt.in))
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseDuration(%q) = %v %v", tt.in, got, ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	syslogtest.Seed(f)
	f.Fuzz(func(t *testing.T, data []byte) { syslogtest.FuzzOne(t, Name, data) })
}

func BenchmarkParse(b *testing.B) {
	lines := [][]byte{
		[]byte("<166>Nov 22 2026 08:01:12 asa-edge-01 : %ASA-6-113039: Group <GP-Remote> User <jdoe> IP <203.0.113.45> AnyConnect parent session started."),
		[]byte("<166>Nov 22 2026 08:01:13 asa-edge-01 : %ASA-6-722051: Group <GP-Remote> User <jdoe> IP <203.0.113.45> IPv4 Address <10.99.1.23> IPv6 address <::> assigned to session"),
		[]byte("<166>Nov 22 2026 08:33:30 asa-edge-01 : %ASA-4-113019: Group = GP-Remote, Username = jdoe, IP = 203.0.113.45, Session disconnected. Session Type: AnyConnect-Parent, Duration: 0h:32m:16s, Bytes xmt: 18273645, Bytes rcv: 2837465, Reason: User Requested"),
		[]byte("<166>Nov 22 2026 09:12:01 asa-edge-01 : %ASA-6-113005: AAA user authentication Rejected : reason = AAA failure : server = 10.20.0.15 : user = CORP\\mlee : user IP = 198.51.100.77"),
	}
	p, _ := New(logs.Options{})
	rec := &logs.Record{Path: "bench.log", Received: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	var bytesTotal int
	for _, l := range lines {
		bytesTotal += len(l)
	}
	b.SetBytes(int64(bytesTotal / len(lines)))
	b.ReportAllocs()
	n := 0
	emit := func(*borderwatch.Event) { n++ }
	cpu0 := syslogtest.CPUTime()
	for i := 0; b.Loop(); i++ {
		rec.Data = lines[i%len(lines)]
		rec.Line = int64(i + 1)
		if err := p.Parse(rec, emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
	if cpu := syslogtest.CPUTime() - cpu0; cpu > 0 {
		// Per CPU second (parsing and garbage collection): the per-core figure, which
		// holds on a shared machine where wall-clock lines/s depends on the load.
		b.ReportMetric(float64(n)/cpu.Seconds(), "lines/cpu-s")
	}
}

// BenchmarkSource reads a generated 100 000-line ASA file through the logs source (file
// reading, line framing, detection, parsing), as `borderwatch logs` does before enrichment.
func BenchmarkSource(b *testing.B) {
	const lines = 100_000
	path := filepath.Join(b.TempDir(), "asa.log")
	fh, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := asagen.Write(fh, lines, 1, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)); err != nil {
		b.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := syslogtest.CPUTime()
	var c counter
	for b.Loop() {
		src, err := logs.NewSource(logs.SourceConfig{Paths: []string{path}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		c = counter{}
		if err := src.Run(context.Background(), &c); err != nil {
			b.Fatal(err)
		}
		if c.rejected != 0 || c.events == 0 {
			b.Fatalf("%d events, %d rejected", c.events, c.rejected)
		}
	}
	n := float64(lines) * float64(b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "lines/s")
	if cpu := syslogtest.CPUTime() - cpu0; cpu > 0 {
		b.ReportMetric(n/cpu.Seconds(), "lines/cpu-s")
	}
	b.ReportMetric(float64(c.events), "events/file")
}

type counter struct{ events, rejected int }

func (c *counter) Emit(context.Context, *borderwatch.Event) error     { c.events++; return nil }
func (c *counter) TryEmit(*borderwatch.Event) bool                    { c.events++; return true }
func (c *counter) Reject(context.Context, borderwatch.Rejected) error { c.rejected++; return nil }
