package gworkspace_test

import (
	"testing"

	_ "github.com/borderwatch/borderwatch/logs/gworkspace"
	"github.com/borderwatch/borderwatch/logs/logstest"
)

var samples = []string{"testdata/login.ndjson", "testdata/page.json"}

func TestGolden(t *testing.T) { logstest.Golden(t, "gworkspace", samples...) }

func TestDetectedLikeNamed(t *testing.T) { logstest.SameWhenDetected(t, "gworkspace", samples...) }

func TestReadme(t *testing.T) { logstest.CheckReadme(t) }

func FuzzParse(f *testing.F) {
	logstest.AddSeeds(f, samples...)
	f.Fuzz(func(t *testing.T, data []byte) { logstest.Fuzz(t, "gworkspace", data) })
}
