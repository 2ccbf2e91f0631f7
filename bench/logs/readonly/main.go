// Command readonly reads log files through the logs source alone (framing, detection,
// parsing; no enrichment, rules or output) and prints how many events it produced. The
// benchmark script runs it next to `borderwatch logs` to show where the time goes.
//
//	go run ./bench/logs/readonly /tmp/okta.ndjson
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/logs"
	_ "github.com/borderwatch/borderwatch/logs/all"
)

type counter struct{ events, rejected int }

func (c *counter) Emit(context.Context, *borderwatch.Event) error     { c.events++; return nil }
func (c *counter) TryEmit(*borderwatch.Event) bool                    { c.events++; return true }
func (c *counter) Reject(context.Context, borderwatch.Rejected) error { c.rejected++; return nil }

func main() {
	src, err := logs.NewSource(logs.SourceConfig{Paths: os.Args[1:], Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "readonly:", err)
		os.Exit(2)
	}
	var c counter
	if err := src.Run(context.Background(), &c); err != nil {
		fmt.Fprintln(os.Stderr, "readonly:", err)
		os.Exit(1)
	}
	fmt.Printf("%d events, %d rejected\n", c.events, c.rejected)
}
