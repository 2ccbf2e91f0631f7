// Command synthgen writes the generated captures used by the tshark cross-check and the
// benchmarks: synthgen -kind mixed|cooked|bench -o FILE [-format pcap|pcapng] [-size BYTES].
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/borderwatch/borderwatch/capture/internal/synth"
)

func main() {
	kind := flag.String("kind", "mixed", "mixed, cooked (SLL, SLL2, raw IP; pcapng only) or bench")
	out := flag.String("o", "", "output file")
	format := flag.String("format", "pcap", "pcap or pcapng (mixed)")
	size := flag.Int64("size", 1<<30, "bench: minimum file size in bytes")
	concurrent := flag.Int("concurrent", 5000, "bench: flows interleaved at once")
	flag.Parse()
	if err := run(*kind, *out, *format, *size, *concurrent); err != nil {
		fmt.Fprintln(os.Stderr, "synthgen:", err)
		os.Exit(1)
	}
}

func run(kind, out, format string, size int64, concurrent int) error {
	if out == "" {
		return fmt.Errorf("-o FILE is required")
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	switch kind {
	case "mixed", "cooked":
		pkts := synth.Mixed()
		if kind == "cooked" {
			pkts = synth.Cooked()
			format = "pcapng"
		}
		if format == "pcapng" {
			err = synth.WritePcapNG(w, pkts)
		} else {
			err = synth.WritePcap(w, pkts, false)
		}
	case "bench":
		var st synth.BenchStats
		st, err = synth.WriteBench(w, size, concurrent, 1)
		fmt.Fprintf(os.Stderr, "synthgen: %d packets, %d flows, %d bytes\n", st.Packets, st.Flows, st.Bytes)
	default:
		return fmt.Errorf("-kind %q: use mixed, cooked or bench", kind)
	}
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
