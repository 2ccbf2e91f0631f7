package main

import (
	"os"
	"regexp"
	"testing"
)

// TestReadmeConfigExamplesAreValid keeps the README honest: every YAML block in it must be a
// valid configuration.
func TestReadmeConfigExamplesAreValid(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(readme, -1)
	if len(blocks) == 0 {
		t.Fatal("no yaml blocks found in README.md")
	}
	for i, b := range blocks {
		path := writeFile(t, "readme.yaml", string(b[1]))
		if code, _, errs := runCLI(t, "--config", path, "config", "validate"); code != exitOK {
			t.Errorf("README yaml block %d is not a valid configuration (exit %d): %s\n%s", i+1, code, errs, b[1])
		}
	}
}
