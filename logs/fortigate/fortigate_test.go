package fortigate

import (
	"testing"

	"github.com/borderwatch/borderwatch/logs"
	"github.com/borderwatch/borderwatch/logs/syslog/syslogtest"
)

func TestGolden(t *testing.T) { syslogtest.Golden(t, Name, logs.Options{}) }

func TestDetect(t *testing.T) { syslogtest.DetectOwn(t, Detect, 100, logs.MinDetectScore) }

func TestREADME(t *testing.T) { syslogtest.CheckREADME(t) }

func FuzzParse(f *testing.F) {
	syslogtest.Seed(f)
	f.Fuzz(func(t *testing.T, data []byte) { syslogtest.FuzzOne(t, Name, data) })
}

func BenchmarkParse(b *testing.B) { syslogtest.Bench(b, Name) }
