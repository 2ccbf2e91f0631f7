package entra_test

import (
	"testing"

	_ "github.com/borderwatch/borderwatch/logs/entra"
	"github.com/borderwatch/borderwatch/logs/logstest"
)

var samples = []string{"testdata/eventhub.json", "testdata/graph.ndjson"}

func TestGolden(t *testing.T) { logstest.Golden(t, "entra", samples...) }

func TestDetectedLikeNamed(t *testing.T) { logstest.SameWhenDetected(t, "entra", samples...) }

func TestReadme(t *testing.T) { logstest.CheckReadme(t) }

func FuzzParse(f *testing.F) {
	logstest.AddSeeds(f, samples...)
	f.Fuzz(func(t *testing.T, data []byte) { logstest.Fuzz(t, "entra", data) })
}
