package main

import (
	"bytes"
	"compress/gzip"
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
	// a directory as rotation leaves it: a plain and a gzip capture and a checksum file
	rotated := filepath.Join(dir, "rotated")
	os.Mkdir(rotated, 0o755)
	os.WriteFile(filepath.Join(rotated, "eth1-00.pcap"), data, 0o644)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	os.WriteFile(filepath.Join(rotated, "eth1-01.pcap.gz"), z.Bytes(), 0o644)
	os.WriteFile(filepath.Join(rotated, "SHA256SUMS"), []byte("0123 eth1-00.pcap\n"), 0o644)
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
		{"directory", []string{"capture", "--read", rotated, "--output", "ndjson"}, exitOK, `"dataset":"borderwatch.flow"`, "skipped files that are not captures"},
		{"pattern", []string{"capture", "--read", filepath.Join(rotated, "*.gz"), "--output", "ndjson"}, exitOK, `"dataset":"borderwatch.flow"`, "files=1"},
		{"pattern without match", []string{"capture", "--read", filepath.Join(rotated, "*.pcapng")}, exitRuntime, "", "no file matches"},
		{"progress lines", []string{"capture", "--read", rotated, "--output", "ndjson", "--progress", "log", "--progress-interval", "1ns"}, exitOK, "",
			"msg=\"capture progress\" packets=362 packets_per_s="},
		{"bad progress", []string{"capture", "--read", full, "--progress", "loud"}, exitUsage, "", `--progress "loud": use auto, bar, log or none`},
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
	_, out, errs := runCLI(t, "capture", "--read", full, "--output", "ndjson")
	if strings.Contains(errs, "capture progress") {
		t.Errorf("a short run off a terminal logged progress without --progress:\n%s", errs)
	}
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
