// Command floor is the Go read floor of the capture benchmark: a bare zero-copy pcapgo read
// loop that touches every packet and does nothing else. With -reader it runs the same loop
// over borderwatch's own reader instead: "buffered" (read calls into a 1 MiB buffer, the
// default of capture --read) or "mapped" (the file mapped into memory, capture.map_files).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/borderwatch/borderwatch/capture/pcapfile"
	"github.com/gopacket/gopacket/pcapgo"
)

func main() {
	reader := flag.String("reader", "pcapgo", "pcapgo, buffered or mapped")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: floor [-reader pcapgo|buffered|mapped] FILE.pcap")
		os.Exit(2)
	}
	var pkts, bytes uint64
	var err error
	switch *reader {
	case "pcapgo":
		pkts, bytes, err = pcapgoLoop(flag.Arg(0))
	case "buffered":
		pkts, bytes, err = ourLoop(pcapfile.Open, flag.Arg(0))
	case "mapped":
		pkts, bytes, err = ourLoop(pcapfile.OpenMapped, flag.Arg(0))
	default:
		err = fmt.Errorf("-reader %q: want pcapgo, buffered or mapped", *reader)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%d packets %d bytes\n", pkts, bytes)
}

func pcapgoLoop(path string) (pkts, bytes uint64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return 0, 0, err
	}
	for {
		data, _, err := r.ZeroCopyReadPacketData()
		if err == io.EOF {
			return pkts, bytes, nil
		}
		if err != nil {
			return pkts, bytes, err
		}
		pkts++
		bytes += uint64(len(data))
	}
}

// ourLoop reads every record with pcapfile and touches its last byte (a mapped page is only
// read when touched).
func ourLoop(open func(string) (*pcapfile.Reader, error), path string) (pkts, bytes uint64, err error) {
	r, err := open(path)
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	var sum byte
	for {
		rec, err := r.Next()
		if err == io.EOF {
			fmt.Fprintf(io.Discard, "%d", sum)
			return pkts, bytes, nil
		}
		if err != nil {
			return pkts, bytes, err
		}
		pkts++
		bytes += uint64(len(rec.Data))
		if len(rec.Data) > 0 {
			sum += rec.Data[len(rec.Data)-1]
		}
	}
}
