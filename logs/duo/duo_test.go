package duo_test

import (
	"testing"

	_ "github.com/borderwatch/borderwatch/logs/duo"
	"github.com/borderwatch/borderwatch/logs/logstest"
)

var samples = []string{"testdata/auth.ndjson", "testdata/api-response.json"}

func TestGolden(t *testing.T) { logstest.Golden(t, "duo", samples...) }

func TestDetectedLikeNamed(t *testing.T) { logstest.SameWhenDetected(t, "duo", samples...) }

func TestReadme(t *testing.T) { logstest.CheckReadme(t) }

func FuzzParse(f *testing.F) {
	logstest.AddSeeds(f, samples...)
	f.Fuzz(func(t *testing.T, data []byte) { logstest.Fuzz(t, "duo", data) })
}
