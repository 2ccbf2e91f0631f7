package openvpn

import (
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"

	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/syslog/syslogtest"
)

func TestGolden(t *testing.T) { syslogtest.Golden(t, Name, logs.Options{}) }

func TestDetect(t *testing.T) { syslogtest.DetectOwn(t, Detect, 90, logs.MinDetectScore) }

func TestREADME(t *testing.T) { syslogtest.CheckREADME(t) }

func FuzzParse(f *testing.F) {
	syslogtest.Seed(f)
	f.Fuzz(func(t *testing.T, data []byte) { syslogtest.FuzzOne(t, Name, data) })
}

func BenchmarkParse(b *testing.B) { syslogtest.Bench(b, Name) }

func TestZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	p, _ := New(logs.Options{Location: ny})
	tests := []struct{ line, want string }{
		// a --log file stamp is local time
		{"2026-11-22 08:20:01 198.51.100.23:50111 TLS: Username/Password authentication succeeded for username 'a'", "2026-11-22T13:20:01Z"},
		// a status file's time_t is UTC whatever the zone
		{"CLIENT_LIST,a,203.0.113.45:52311,10.8.0.6,,1,2,2026-11-22 08:00:02,1795334402,a,0,0,AES-256-GCM", "2026-11-22T08:00:02Z"},
	}
	for _, tt := range tests {
		var got *borderwatch.Event
		if err := p.Parse(&logs.Record{Data: []byte(tt.line), Received: syslogtest.Received}, func(ev *borderwatch.Event) { got = ev }); err != nil {
			t.Fatalf("%q: %v", tt.line, err)
		}
		ts := got.Timestamp
		if got.Event.Action == "client_list" {
			ts = got.Event.Start
		}
		if ts.Format(time.RFC3339) != tt.want {
			t.Errorf("%q: %s, want %s", tt.line, ts.Format(time.RFC3339), tt.want)
		}
	}
}
