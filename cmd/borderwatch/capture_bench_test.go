package main

import (
	"context"
	"io"
	"os"
	"testing"
)

// BenchmarkCaptureRead runs `borderwatch capture --read FILE --output ndjson` in process, with
// the output discarded: the whole pipeline (capture, enrichment, rules, NDJSON). Profile it
// with -cpuprofile on the file bench/capture/run.sh makes.
func BenchmarkCaptureRead(b *testing.B) {
	path := os.Getenv("BORDERWATCH_BENCH_PCAP")
	if path == "" {
		b.Skip("set BORDERWATCH_BENCH_PCAP to a capture (bench/capture/run.sh makes one)")
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if code := run(context.Background(), []string{"borderwatch", "--log-level", "error", "capture", "--read", path, "--output", "ndjson"}, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit code %d", code)
		}
	}
}
