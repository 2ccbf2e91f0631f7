package borderwatch_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/borderwatch/borderwatch/internal/jsongen"
)

// TestGeneratedJSONUpToDate fails when the model changed without `go generate`.
func TestGeneratedJSONUpToDate(t *testing.T) {
	want, err := jsongen.Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("event_json.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("event_json.go is stale: run `go generate` in the repository root")
	}
}
