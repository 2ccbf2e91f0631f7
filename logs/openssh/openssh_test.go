package openssh

import (
	"testing"

	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/syslog/syslogtest"
)

func TestGolden(t *testing.T) { syslogtest.Golden(t, Name, logs.Options{}) }

func TestDetect(t *testing.T) { syslogtest.DetectOwn(t, Detect, 100, logs.MinDetectScore) }

func TestREADME(t *testing.T) { syslogtest.CheckREADME(t) }

func TestDetectScores(t *testing.T) {
	tests := []struct {
		line string
		want int
	}{
		{"Nov 22 08:02:11 h sshd[1]: Accepted publickey for a from 192.0.2.1 port 1 ssh2", 100},
		{"Nov 22 08:02:11 h sshd[1]: Server listening on 0.0.0.0 port 22.", 60},
		{"Accepted password for a from 192.0.2.1 port 1 ssh2", 50},
		{"Nov 22 08:02:11 h CRON[1]: Accepted password for a from 192.0.2.1 port 1 ssh2", 0},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.line)); got != tt.want {
			t.Errorf("Detect(%q) = %d, want %d", tt.line, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	syslogtest.Seed(f)
	f.Fuzz(func(t *testing.T, data []byte) { syslogtest.FuzzOne(t, Name, data) })
}

func BenchmarkParse(b *testing.B) { syslogtest.Bench(b, Name) }
