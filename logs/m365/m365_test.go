package m365_test

import (
	"testing"

	"github.com/borderwatch/borderwatch/logs/logstest"
	_ "github.com/borderwatch/borderwatch/logs/m365"
)

var samples = []string{"testdata/audit.ndjson"}

func TestGolden(t *testing.T) { logstest.Golden(t, "m365", samples...) }

func TestDetectedLikeNamed(t *testing.T) { logstest.SameWhenDetected(t, "m365", samples...) }

func TestReadme(t *testing.T) { logstest.CheckReadme(t) }

func FuzzParse(f *testing.F) {
	logstest.AddSeeds(f, samples...)
	f.Fuzz(func(t *testing.T, data []byte) { logstest.Fuzz(t, "m365", data) })
}
