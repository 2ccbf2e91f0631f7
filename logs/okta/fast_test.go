package okta

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/okta/oktagen"
)

// same parses data on the fast path and on fastjson's tree and fails unless both give the
// same events (as JSON) or the same error. It reports whether the fast path took it.
func same(t *testing.T, data []byte) bool {
	t.Helper()
	fast, tree := &Parser{}, &Parser{}
	var got []byte
	ev, ok, ferr := fast.parseFast(data)
	if !ok {
		return false
	}
	if ev != nil {
		got = ev.AppendJSON(nil)
	}
	var want []byte
	terr := tree.parseTree(&logs.Record{Data: data}, func(ev *borderwatch.Event) { want = ev.AppendJSON(want) })
	if (ferr == nil) != (terr == nil) || (ferr != nil && ferr.Error() != terr.Error()) {
		t.Fatalf("%s\nfast error %v, tree error %v", data, ferr, terr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s\nfast: %s\ntree: %s", data, got, want)
	}
	return true
}

// tricky are documents at the edges of what the scanner reads itself.
var tricky = []string{
	`{"published":"2024-01-01T00:00:00Z","eventType":"x","debugContext":{"debugData":{"risk":"{=,=}","behaviors":"{a=, =b,}","tunnels":"[1,{\"type\":2}]"}}}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"user.session.start","actor":{"type":"SystemPrincipal"},"target":[1,{"type":"User","alternateId":"a\\\\b@c","displayName":"unknown"},{"type":"User","id":"2"}]}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"e\u0078","eventType":"y","actor":null,"client":{"ipAddress":null,"geographicalContext":null},"request":{"ipChain":[{"ip":"::ffff:1.2.3.4%eth0","geographicalContext":{"geolocation":{"lat":"1.5","lon":-0}}}]}}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x","client":{"ipAddress":"1.2.3.4"},"request":{"ipChain":[{"ip":"5.6.7.8","geographicalContext":{"city":"A\"B","geolocation":{"lat":1e1,"lon":2}}}]}}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x","securityContext":{"isProxy":"TRUE","asNumber":"4294967296","asOrg":7},"debugContext":{"debugData":{"threatSuspected":"True","factor":false}}}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x","securityContext":{"isProxy":1,"asNumber":1.5},"authenticationContext":{"externalSessionId":12,"credentialType":"","authenticationProvider":"FACTOR"}}`,
	` {"published":"2024-01-01T00:00:00Z","eventType":"x","outcome":{"result":"deny","reason":"a\/b"}} `,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x","ke\"y":1}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x","k":"\\"}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x","k":+1}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x","k":-inf}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x","k":[1,[2,{"a":[]}],{}]}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":""}`,
	`{"published":"yesterday","eventType":"x"}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x"} x`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x","actor":{"type":"App"},"target":[{},[],"User",{"type":"Group"},{"type":"User","type":"AppInstance","alternateId":"u@d","alternateId":"v@d","displayName":"U"},{"type":"AppInstance","displayName":"A","displayName":"B"}]}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x","actor":{"type":"App"},"target":[{"type":"AppInstance","displayName":"First"},{"type":"User","id":"7"}],"target":[{"type":"User","id":"8"}]}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x","actor":{"type":"App"},"target":{"type":"User","id":"9"}}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x","actor":{"type":"App"},"target":[1,2,3,4,{"type":"Us\u0065r","alternateId":"w@d"},{"type":"AppInstance","displayName":"\u0041pp"}]}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x","actor":{"type":"App"},"target":[{"type":"User","alternateId":"a@b","t\u0079pe":"x"}]}`,
	`{"published":"2024-01-01T00:00:00Z","eventType":"x",}`,
	`{"a":tru}`,
	`{"a":1 "b":2}`,
	`{}`,
}

// TestFastMatchesTree checks the fast path against fastjson's tree on the golden input, on
// generated events and on the tricky documents, and that it takes the common ones itself.
func TestFastMatchesTree(t *testing.T) {
	var gen bytes.Buffer
	if err := oktagen.Write(&gen, 500, 3, time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile("testdata/okta.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{"golden": golden, "generated": gen.Bytes()} {
		lines := bytes.Split(bytes.TrimSpace(in), []byte("\n"))
		taken, objects := 0, 0
		for _, l := range lines {
			if same(t, l) {
				taken++
			}
			if len(l) > 0 && l[0] == '{' && fastjson.ValidateBytes(l) == nil {
				objects++
			}
		}
		if taken != objects || objects == 0 {
			t.Errorf("%s: fast path took %d of the %d lines holding one object", name, taken, objects)
		}
	}
	taken := 0
	for _, s := range tricky {
		if same(t, []byte(s)) {
			taken++
		}
	}
	// Nesting around the scanner's depth bound, with strings, numbers and empty values at the
	// bottom: taken or not, the event must be fastjson's.
	for _, depth := range []int{maxDepth - 2, maxDepth - 1, maxDepth, maxDepth + 1, maxDepth + 2} {
		for _, leaf := range []string{`{"k":"v"}`, `{"k":1}`, `{}`, `[]`, `["v"]`} {
			var b strings.Builder
			b.WriteString(`{"published":"2024-01-01T00:00:00Z","eventType":"x","debugContext":`)
			b.WriteString(strings.Repeat(`{"a":`, depth) + leaf + strings.Repeat("}", depth))
			b.WriteString(`,"actor":{"type":"User","alternateId":"u@d"}}`)
			same(t, []byte(b.String()))
		}
	}
	if taken < len(tricky)/2 {
		t.Errorf("fast path took only %d of %d tricky documents", taken, len(tricky))
	}
}

func FuzzFastMatchesTree(f *testing.F) {
	golden, err := os.ReadFile("testdata/okta.ndjson")
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range bytes.Split(golden, []byte("\n")) {
		f.Add(l)
	}
	for _, s := range tricky {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { same(t, data) })
}

// BenchmarkPaths compares the fast path with fastjson's tree on the same events, in the same
// run (go test -run '^$' -bench Paths -benchmem -cpu 1 ./logs/okta).
func BenchmarkPaths(b *testing.B) {
	lines := generatedLines(b, 4096)
	for _, path := range []struct {
		name  string
		parse func(*Parser, *logs.Record, func(*borderwatch.Event)) error
	}{{"fast", (*Parser).Parse}, {"tree", (*Parser).parseTree}} {
		b.Run(path.name, func(b *testing.B) {
			p := &Parser{}
			rec := logs.Record{Path: "bench", Line: 1}
			n := 0
			b.ReportAllocs()
			var ru0, ru1 syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			for i := 0; b.Loop(); i++ {
				rec.Data = lines[i%len(lines)]
				if err := path.parse(p, &rec, func(*borderwatch.Event) { n++ }); err != nil {
					b.Fatal(err)
				}
			}
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			if n == 0 {
				b.Fatal("no events")
			}
			cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
			b.ReportMetric(float64(n)/cpu.Seconds(), "events/cpu-s")
		})
	}
}

// javaPairsPlain is the plain definition of javaPairs: values continued by concatenation.
func javaPairsPlain(s string, fn func(key, value string)) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "{")
	s = strings.TrimSuffix(s, "}")
	var key, val string
	have := false
	for len(s) > 0 {
		part := s
		if i := strings.Index(s, ", "); i >= 0 {
			part, s = s[:i], s[i+2:]
		} else {
			s = ""
		}
		if eq := strings.IndexByte(part, '='); eq > 0 && !strings.ContainsAny(part[:eq], ",{}") {
			if have {
				fn(key, val)
			}
			key, val, have = strings.TrimSpace(part[:eq]), strings.TrimSpace(part[eq+1:]), true
		} else if have {
			val += ", " + part
		}
	}
	if have {
		fn(key, val)
	}
}

func pairs(f func(string, func(string, string)), s string) []string {
	var out []string
	f(s, func(k, v string) { out = append(out, k, v) })
	return out
}

var javaMaps = []string{
	"{reasons=Anomalous Device, New Geo-Location, level=HIGH}",
	"{New Geo-Location=POSITIVE, New Device=NEGATIVE, New IP=POSITIVE, Velocity=NEGATIVE}",
	"{reasons=a , b,  c, level= LOW }",
	"{k= , x, y=, , z}",
	"{=,=}", "{a=, =b,}", "", "{}", "x, y=1, z", "{a=1\u00a0, b, c=2}",
}

func TestJavaPairs(t *testing.T) {
	for _, s := range javaMaps {
		if got, want := pairs(javaPairs, s), pairs(javaPairsPlain, s); !slices.Equal(got, want) {
			t.Errorf("%q: got %q, want %q", s, got, want)
		}
	}
	if got := pairs(javaPairs, javaMaps[0]); !slices.Equal(got, []string{"reasons", "Anomalous Device, New Geo-Location", "level", "HIGH"}) {
		t.Errorf("got %q", got)
	}
}

func FuzzJavaPairs(f *testing.F) {
	for _, s := range javaMaps {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := pairs(javaPairs, s), pairs(javaPairsPlain, s); !slices.Equal(got, want) {
			t.Fatalf("%q: got %q, want %q", s, got, want)
		}
	})
}

// generatedLines returns n generated System Log events (one user per event), one per line.
func generatedLines(tb testing.TB, n int) [][]byte {
	var gen bytes.Buffer
	if err := oktagen.Write(&gen, n, 1, time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)); err != nil {
		tb.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(gen.Bytes(), []byte("\n")), []byte("\n"))
}

// TestParseAllocs pins the allocations of a parsed LogEvent: the event with everything it
// points to, and the copy of the record kept as event.original.
func TestParseAllocs(t *testing.T) {
	lines := generatedLines(t, 64)
	p := &Parser{}
	rec := logs.Record{Path: "allocs", Line: 1}
	n, i := 0, 0
	emit := func(*borderwatch.Event) { n++ }
	for _, l := range lines { // fill the interner
		rec.Data = l
		if err := p.Parse(&rec, emit); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(1000, func() {
		rec.Data = lines[i%len(lines)]
		i++
		if err := p.Parse(&rec, emit); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Errorf("%.1f allocations per event, want at most 2 (the event block and event.original)", allocs)
	}
	if n != len(lines)+1001 {
		t.Errorf("%d events, want %d", n, len(lines)+1001)
	}
}

// strPlain is scanner.str a byte at a time.
func strPlain(d []byte, i int) int {
	for ; i < len(d); i++ {
		switch d[i] {
		case '"':
			return i
		case '\\':
			i++
		}
	}
	return -1
}

func FuzzStr(f *testing.F) {
	for _, s := range []string{`abc"`, `a\"b"`, `\\"`, `0123456\\\"89abcdef"x`, `01234567\`, `0123456789abcdef\\\\\\\\"`, `é"`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, d []byte) {
		sc := scanner{d: d}
		for i := 0; i <= len(d) && i < 24; i++ {
			got, esc := sc.str(i)
			want := strPlain(d, i)
			wantEsc := bytes.IndexByte(d[min(i, len(d)):max(want, min(i, len(d)))], '\\') >= 0
			if want < 0 {
				wantEsc = bytes.IndexByte(d[min(i, len(d)):], '\\') >= 0
			}
			if got != want || (want >= 0 && esc != wantEsc) {
				t.Fatalf("%q from %d: %d %v, want %d %v", d, i, got, esc, want, wantEsc)
			}
		}
	})
}

// TestJavaCacheBound fills the risk and behaviors cache past its bound: it is emptied and
// counted, and answers stay right.
func TestJavaCacheBound(t *testing.T) {
	var c javaCache
	var in logs.Interner
	for i := range javaCacheMax + 10 {
		s := "{reasons=New Device, R" + strconv.Itoa(i) + ", level=HIGH}"
		r := c.risk(s, &in)
		if r.level != "HIGH" || !slices.Equal(r.reasons, []string{"New Device", "R" + strconv.Itoa(i)}) {
			t.Fatalf("%q: %+v", s, r)
		}
		if d := c.behaviors("{B"+strconv.Itoa(i)+"=POSITIVE, X=NEGATIVE}", &in); !slices.Equal(d, []string{"B" + strconv.Itoa(i)}) {
			t.Fatalf("behaviors %d: %q", i, d)
		}
	}
	if c.Resets != 2 || len(c.risks) != 10 || len(c.behs) != 10 {
		t.Errorf("resets %d, %d risks and %d behaviors held; want 2, 10, 10", c.Resets, len(c.risks), len(c.behs))
	}
}

// BenchmarkScan is the one-pass scan alone (quote bitmap, members of the spec found), on the
// events BenchmarkPaths parses: go test -run '^$' -bench Scan -cpu 1 ./logs/okta
func BenchmarkScan(b *testing.B) {
	lines := generatedLines(b, 4096)
	p := &Parser{}
	var out [nSlots]jv
	n := 0
	for i := 0; b.Loop(); i++ {
		d := lines[i%len(lines)]
		sc := scanner{d: d, q: p.quotes(d)}
		clear(out[:])
		if _, end := sc.value(0, 0, doc, out[:]); sc.bad || end != len(d) {
			b.Fatal("scan failed")
		}
		n += len(d)
	}
	b.SetBytes(int64(n / b.N))
}
