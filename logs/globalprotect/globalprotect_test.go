package globalprotect

import (
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/syslog/syslogtest"
)

func TestGolden(t *testing.T) { syslogtest.Golden(t, Name, logs.Options{}) }

func TestDetect(t *testing.T) { syslogtest.DetectOwn(t, Detect, 100, logs.MinDetectScore) }

func TestREADME(t *testing.T) { syslogtest.CheckREADME(t) }

func TestSplitCSV(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{`a,b,,c`, []string{"a", "b", "", "c"}, true},
		{`1,"x, y","say ""hi""",`, []string{"1", "x, y", `say "hi"`, ""}, true},
		{`"open`, nil, false},
		{`"a"b,c`, nil, false},
		{``, []string{""}, true},
	}
	for _, tt := range tests {
		got, err := splitCSV(nil, tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("%q: err = %v", tt.in, err)
			continue
		}
		if tt.ok && strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	syslogtest.Seed(f)
	f.Fuzz(func(t *testing.T, data []byte) { syslogtest.FuzzOne(t, Name, data) })
}

func BenchmarkParse(b *testing.B) { syslogtest.Bench(b, Name) }
