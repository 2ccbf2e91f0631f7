package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs borderwatch in-process and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"borderwatch"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExitCodesAndMessages(t *testing.T) {
	badKey := writeFile(t, "bad.yaml", "output:\n  sinsk: [ndjson]\n")
	badVal := writeFile(t, "val.yaml", "pipeline:\n  queue_size: -1\n")
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		code     int
		inStdout string
		inStderr string
	}{
		{name: "version", args: []string{"version"}, code: exitOK, inStdout: "borderwatch dev (commit unknown)"},
		{name: "unknown flag", args: []string{"logs", "--bogus", "x"}, code: exitUsage, inStderr: "flag provided but not defined: -bogus"},
		{name: "unknown command", args: []string{"frobnicate"}, code: exitUsage, inStderr: "frobnicate"},
		{name: "logs without paths", args: []string{"logs"}, code: exitUsage, inStderr: "give at least one PATH"},
		{name: "unknown format", args: []string{"logs", "--format", "nope", "x"}, code: exitUsage, inStderr: `--format "nope" is not known`},
		{name: "unknown config key", args: []string{"--config", badKey, "config", "dump"}, code: exitUsage,
			inStderr: `bad.yaml:2: unknown key "sinsk" in output; did you mean "sinks"?`},
		{name: "invalid config value", args: []string{"--config", badVal, "config", "validate"}, code: exitUsage,
			inStderr: "config pipeline: queue_size must be >= 0"},
		{name: "missing config file", args: []string{"--config", "/nonexistent/bw.yaml", "config", "dump"}, code: exitUsage,
			inStderr: "no such file"},
		{name: "unknown output", args: []string{"logs", "--output", "carrier-pigeon", "x"}, code: exitUsage,
			inStderr: `sink "carrier-pigeon" is not known`},
		{name: "two outputs on stdout", args: []string{"logs", "--output", "pretty,ndjson", "x"}, code: exitUsage,
			inStderr: "pretty and ndjson would both write to stdout"},
		{name: "bad log level", args: []string{"--log-level", "loud", "config", "dump"}, code: exitUsage, inStderr: "--log-level"},
		{name: "env sets config", args: []string{"config", "dump"}, env: map[string]string{"BORDERWATCH_OUTPUT_SINKS": "ndjson", "BORDERWATCH_OUTPUT_FILE": "/tmp/x.ndjson"},
			code: exitOK, inStdout: "file: /tmp/x.ndjson"},
		{name: "bad env value", args: []string{"config", "dump"}, env: map[string]string{"BORDERWATCH_PIPELINE_QUEUE_SIZE": "big"},
			code: exitUsage, inStderr: "BORDERWATCH_PIPELINE_QUEUE_SIZE"},
		{name: "negative heap floor", args: []string{"config", "validate"}, env: map[string]string{"BORDERWATCH_CAPTURE_HEAP_FLOOR_MB": "-1"},
			code: exitUsage, inStderr: "heap_floor_mb must be between 0 (off) and 1048576 (got -1)"},
		{name: "heap floor in dump", args: []string{"config", "dump"}, code: exitOK, inStdout: "heap_floor_mb: 128"},
		{name: "config validate ok", args: []string{"config", "validate"}, code: exitOK, inStdout: "configuration is valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, out, errs := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errs)
			}
			if !strings.Contains(out, tt.inStdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.inStdout, out)
			}
			if !strings.Contains(errs, tt.inStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.inStderr, errs)
			}
		})
	}
}

func TestFlagsOverrideFileAndEnv(t *testing.T) {
	cfgFile := writeFile(t, "bw.yaml", "output:\n  sinks: [pretty]\n  file: from-file.ndjson\n")
	t.Setenv("BORDERWATCH_OUTPUT_FILE", "from-env.ndjson")
	// The file sets the sinks, the environment overrides the file's output.file.
	code, out, errs := runCLI(t, "--config", cfgFile, "config", "dump")
	if code != 0 || !strings.Contains(out, "file: from-env.ndjson") || !strings.Contains(out, "- pretty") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}
