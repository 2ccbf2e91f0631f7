// Command gen writes a large synthetic Okta System Log (NDJSON) for the log benchmarks.
//
//	go run ./bench/logs/gen -n 1000000 -o /tmp/okta.ndjson
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/borderwatch/borderwatch/logs/okta/oktagen"
)

func main() {
	n := flag.Int("n", 1000000, "events to write")
	out := flag.String("o", "-", "output file (- for stdout)")
	seed := flag.Uint64("seed", 1, "random seed (the same seed gives the same file)")
	flag.Parse()
	w := os.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	if err := oktagen.Write(w, *n, *seed, time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
