package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCaptureCommand(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join("..", "..", "capture", "testdata", "mixed.pcap") // made by capture/synth
	data, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.pcap")
	os.WriteFile(cut, data[:len(data)/2], 0o644)
	tests := []struct {
		name     string
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{"no input", []string{"capture"}, exitUsage, "", "give --read FILE... or --interface IF"},
		{"read and interface", []string{"capture", "--read", full, "--interface", "eth0"}, exitUsage, "", "cannot be combined"},
		{"bad workers", []string{"capture", "--interface", "eth0", "--workers", "0"}, exitUsage, "", "workers must be between 1 and 64"},
		{"missing file", []string{"capture", "--read", filepath.Join(dir, "nope.pcap")}, exitRuntime, "", "no such file"},
		{"sessions and alerts", []string{"capture", "--read", full, "--output", "ndjson"}, exitOK, `"dataset":"borderwatch.flow"`, "32 events read"},
		{"truncated", []string{"capture", "--read", cut, "--output", "ndjson"}, exitBadInput, `"dataset":"borderwatch.flow"`, "byte offset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tt.code, errs)
			}
			if !strings.Contains(out, tt.inStdout) || !strings.Contains(errs, tt.inStderr) {
				t.Fatalf("stdout lacks %q or stderr lacks %q\nstdout: %.500s\nstderr: %s", tt.inStdout, tt.inStderr, out, errs)
			}
		})
	}
	// every ndjson line is a document; the remote-access sessions raise alerts
	_, out, _ := runCLI(t, "capture", "--read", full, "--output", "ndjson")
	alerts := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var doc struct {
			Event struct{ Kind string } `json:"event"`
		}
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if doc.Event.Kind == "alert" {
			alerts++
		}
	}
	if alerts == 0 {
		t.Fatal("no alerts from sessions to TeamViewer, AnyDesk, RDP, VNC, WireGuard and Astrill")
	}
}
