package demodb_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/borderwatch/borderwatch/enrich/geoip/demodb"
)

// TestRebuild checks that the committed databases are exactly what the generator makes from
// the committed source.json.
func TestRebuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the generator")
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "./gen", "-build", "-src", "source.json", "-out", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for name, embedded := range map[string][]byte{"demo-city.mmdb": demodb.City, "demo-asn.mmdb": demodb.ASN} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, embedded) {
			t.Errorf("%s differs from what source.json builds; run go generate ./enrich/geoip/demodb", name)
		}
		disk, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "demo", name))
		if err != nil || !bytes.Equal(disk, embedded) {
			t.Errorf("testdata/demo/%s differs from the embedded copy (%v); run go generate ./enrich/geoip/demodb", name, err)
		}
	}
}
