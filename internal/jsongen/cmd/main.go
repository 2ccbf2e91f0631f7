// Command jsongen writes the generated JSON encoders of the event model (see package jsongen).
package main

import (
	"flag"
	"log"
	"os"

	"github.com/borderwatch/borderwatch/internal/jsongen"
)

func main() {
	out := flag.String("o", "event_json.go", "output file")
	flag.Parse()
	src, err := jsongen.Generate()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}
