package enrich_test

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEs checks that the package READMEs keep the sections every parser folder has.
func TestREADMEs(t *testing.T) {
	for _, p := range []string{"README.md", "iprange/README.md", "geoip/README.md"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"## What it reads", "## Configuration", "## Example", "## ECS fields set"} {
			if !strings.Contains(string(b), "\n"+h) {
				t.Errorf("%s lacks a %q section", p, h)
			}
		}
	}
}
