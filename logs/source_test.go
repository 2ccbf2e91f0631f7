package logs_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/logstest"
)

func ids(c *logstest.Collector) string {
	var out []string
	for _, ev := range c.Events {
		out = append(out, ev.Event.ID)
	}
	return strings.Join(out, ",")
}

func TestSourceInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("seq=20 zipped\nseq=21 zipped\n"))
	zw.Close()
	bom := write("bom.log", "\xEF\xBB\xBFseq=1 a\r\nseq=2 b\r\n\r\nseq=3 no newline at the end")
	write("sub/x.log", "seq=10 in a subdirectory\n")
	write("sub/.hidden.log", "seq=11 hidden files are left out\n")
	write("sub/z.log.gz", gz.String())
	unknown := write("unknown.txt", "hello\nworld\n")
	indented := write("indented.ndjson", "  {\"seq\":7}\n\t{\"seq\":8}\n")
	long := write("long.log", "seq=30 ok\nseq=31 "+strings.Repeat("z", 200)+"\nseq=32 ok\n")

	tests := []struct {
		name    string
		cfg     logs.SourceConfig
		wantIDs string
		rejects []string // "format|where|error substring"
	}{
		{"bom crlf partial", logs.SourceConfig{Paths: []string{bom}}, "1,2,3", nil},
		{"directory walk with gzip, hidden skipped", logs.SourceConfig{Paths: []string{filepath.Join(dir, "sub")}}, "10,20,21", nil},
		{"glob", logs.SourceConfig{Paths: []string{filepath.Join(dir, "sub", "*.log")}}, "10", nil},
		{"stdin", logs.SourceConfig{Paths: []string{"-"}, Stdin: strings.NewReader("seq=5 from stdin\nseq=6 too\n")}, "5,6", nil},
		{"unrecognized file named", logs.SourceConfig{Paths: []string{unknown, bom}}, "1,2,3",
			[]string{"detect|" + unknown + ":1|unrecognized format: no registered format matches " + unknown,
				"detect|" + unknown + ":2|unrecognized format"}},
		{"missing file", logs.SourceConfig{Paths: []string{filepath.Join(dir, "nope.log"), bom}}, "1,2,3",
			[]string{"detect|" + filepath.Join(dir, "nope.log") + "|no such file"}},
		{"glob without match", logs.SourceConfig{Paths: []string{filepath.Join(dir, "*.nomatch")}}, "",
			[]string{"detect|" + filepath.Join(dir, "*.nomatch") + "|no file matches"}},
		{"line over the cap", logs.SourceConfig{Paths: []string{long}, MaxLine: 100}, "30,32",
			[]string{"seqtest|" + long + ":2|longer than 100 bytes"}},
		{"indented json lines", logs.SourceConfig{Paths: []string{indented}}, "7,8", nil},
		{"fixed format refuses other lines", logs.SourceConfig{Paths: []string{unknown}, Format: "seqtest"}, "",
			[]string{"seqtest|" + unknown + ":1|not a seq line", "seqtest|" + unknown + ":2|not a seq line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := logstest.Read(t, tt.cfg)
			if got := ids(c); got != tt.wantIDs {
				t.Errorf("events %q, want %q", got, tt.wantIDs)
			}
			if len(c.Rejected) != len(tt.rejects) {
				for _, r := range c.Rejected {
					t.Log(r.Error())
				}
				t.Fatalf("%d rejections, want %d", len(c.Rejected), len(tt.rejects))
			}
			for i, want := range tt.rejects {
				parts := strings.SplitN(want, "|", 3)
				r := c.Rejected[i]
				if r.Format != parts[0] || r.Where != parts[1] || !strings.Contains(r.Err.Error(), parts[2]) {
					t.Errorf("rejection %d = %s, want %s", i, r.Error(), want)
				}
			}
		})
	}
}

func TestNewSourceConfigErrors(t *testing.T) {
	for _, cfg := range []logs.SourceConfig{
		{},
		{Paths: []string{"x"}, Format: "no-such-format"},
		{Listen: []string{"http://127.0.0.1:80"}},
		{Listen: []string{"udp:5514"}},
	} {
		if _, err := logs.NewSource(cfg); err == nil {
			t.Errorf("NewSource(%+v) accepted a bad config", cfg)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	good := logs.DefaultConfig()
	if err := good.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	tests := []struct {
		mutate func(*logs.Config)
		want   string
	}{
		{func(c *logs.Config) { c.MaxLine = 0 }, "max_line"},
		{func(c *logs.Config) { c.Timezone = "Mars/Olympus" }, "timezone"},
		{func(c *logs.Config) { c.Format = "nope" }, "format"},
		{func(c *logs.Config) { c.Year = 99 }, "year"},
		{func(c *logs.Config) { c.PollInterval = 0 }, "poll_interval"},
		{func(c *logs.Config) { c.Listen = []string{"tcp://"} }, "listen"},
		{func(c *logs.Config) { c.Listener.MaxConns = 0 }, "listener.max_conns"},
		{func(c *logs.Config) { c.Inputs = []logs.InputConfig{{Format: "seqtest"}} }, "inputs[0] needs paths"},
		{func(c *logs.Config) { c.Inputs = []logs.InputConfig{{Paths: []string{"a"}, Timezone: "Nowhere"}} }, "inputs[0].timezone"},
	}
	for _, tt := range tests {
		c := logs.DefaultConfig()
		tt.mutate(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate() = %v, want an error naming %s", err, tt.want)
		}
	}
	c := logs.DefaultConfig()
	c.Paths = []string{"/var/log/a"}
	c.Timezone = "Europe/Berlin"
	c.Inputs = []logs.InputConfig{{Paths: []string{"/var/log/b"}, Format: "seqtest", Timezone: "Asia/Shanghai", Year: 2023}}
	scs, err := c.SourceConfigs(nil)
	if err != nil || len(scs) != 2 {
		t.Fatalf("SourceConfigs = %d, %v", len(scs), err)
	}
	if scs[0].Options.Location.String() != "Europe/Berlin" || scs[1].Options.Location.String() != "Asia/Shanghai" ||
		scs[1].Options.Year != 2023 || scs[1].Format != "seqtest" || scs[0].Format != "" {
		t.Errorf("source configs: %+v / %+v", scs[0].Options, scs[1].Options)
	}
}

func TestSplitUser(t *testing.T) {
	tests := []struct{ in, name, domain, email string }{
		{"alice@example.com", "alice", "example.com", "alice@example.com"},
		{`EXAMPLE\alice`, "alice", "EXAMPLE", ""},
		{"alice@CORP", "alice", "CORP", ""},
		{` "bob" `, "bob", "", ""},
		{"", "", "", ""},
		{"@example.com", "@example.com", "", ""},
	}
	for _, tt := range tests {
		n, d, e := logs.SplitUser(tt.in)
		if n != tt.name || d != tt.domain || e != tt.email {
			t.Errorf("SplitUser(%q) = %q %q %q", tt.in, n, d, e)
		}
	}
}

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in   string
		ip   string
		port uint16
		ok   bool
	}{
		{"203.0.113.7", "203.0.113.7", 0, true},
		{"203.0.113.7:51234", "203.0.113.7", 51234, true},
		{"[2001:db8::1]:443", "2001:db8::1", 443, true},
		{"[2001:db8::1]", "2001:db8::1", 0, true},
		{"2001:db8::1", "2001:db8::1", 0, true},
		{"::ffff:198.51.100.9", "198.51.100.9", 0, true},
		{"fe80::1%eth0", "fe80::1", 0, true},
		{"null", "", 0, false},
		{"unknown", "", 0, false},
		{"signin.amazonaws.com", "", 0, false},
	}
	for _, tt := range tests {
		ip, port, ok := logs.ParseAddr(tt.in)
		if ok != tt.ok || port != tt.port || (ok && ip.String() != tt.ip) {
			t.Errorf("ParseAddr(%q) = %v %d %v", tt.in, ip, port, ok)
		}
	}
}

// Files and stdin wait for room in the pipeline's queue; a syslog listener cannot.
func TestSourcePaced(t *testing.T) {
	for _, tc := range []struct {
		cfg  logs.SourceConfig
		want bool
	}{
		{logs.SourceConfig{Paths: []string{"-"}}, true},
		{logs.SourceConfig{Paths: []string{"a.log"}, Follow: true}, true},
		{logs.SourceConfig{Paths: []string{"a.log"}, Listen: []string{"udp://127.0.0.1:0"}}, false},
	} {
		src, err := logs.NewSource(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		p, ok := src.(borderwatch.Paced)
		if got := ok && p.Paced(); got != tc.want {
			t.Errorf("%+v: paced %v, want %v", tc.cfg, got, tc.want)
		}
	}
}
