package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/rules"
)

// Every rule folder has a README with the standard sections, naming a registered rule and
// documenting every one of its params.
func TestRuleREADMEs(t *testing.T) {
	dirs, err := filepath.Glob("*/rule.go")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range dirs {
		dir := filepath.Dir(f)
		raw, err := os.ReadFile(filepath.Join(dir, "README.md"))
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		doc := string(raw)
		name := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(doc, "\n", 2)[0], "# "))
		def, ok := rules.Lookup(name)
		if !ok {
			t.Errorf("%s/README.md: title %q is not a registered rule", dir, name)
			continue
		}
		seen[name] = true
		if !strings.Contains(doc, "`"+def.ID+"`") {
			t.Errorf("%s/README.md does not give the rule id %s", dir, def.ID)
		}
		for _, s := range []string{"## What it detects", "## Configuration", "## Example", "## ECS fields set"} {
			if !strings.Contains(doc, s) {
				t.Errorf("%s/README.md lacks section %q", dir, s)
			}
		}
		for k := range rules.DefaultConfig().Rules[name].Settings {
			if !strings.Contains(doc, "`"+k+"`") {
				t.Errorf("%s/README.md does not document param %s", dir, k)
			}
		}
	}
	for _, n := range rules.Names() {
		if !seen[n] {
			t.Errorf("rule %s has no folder with rule.go and README.md", n)
		}
	}
}
