// Command gen writes a labelled scenario (events, roster, cases, configuration) for the rules:
//
//	go run ./rules/scenario/gen -out testdata/scenarios -users 60 -hosts 10
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/borderwatch/borderwatch/rules/scenario"
)

func main() {
	out := flag.String("out", "testdata/scenarios", "output directory")
	users := flag.Int("users", 60, "benign users")
	hosts := flag.Int("hosts", 10, "benign internal hosts")
	days := flag.Int("days", 35, "days of history")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	s := scenario.Generate(scenario.Options{Users: *users, Hosts: *hosts, Days: *days, Seed: *seed})
	if err := s.Write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d events, %d planted cases, %d roster lines\n", *out, len(s.Events), len(s.Cases), len(s.Roster))
}
