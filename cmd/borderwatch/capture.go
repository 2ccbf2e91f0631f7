package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture"
	"github.com/borderwatch/borderwatch/internal/heapfloor"
)

func captureCommand() *cli.Command {
	return &cli.Command{
		Name:      "capture",
		Usage:     "turn packet captures or live traffic into ECS sessions, enrich them and raise alerts",
		ArgsUsage: "[FILE|DIR|PATTERN...]",
		Description: `Reads pcap and pcapng files (gzip too; several are merged in time order; - is stdin;
a directory means the capture files under it, a quoted pattern the files it matches) or
captures live from a Linux interface through AF_PACKET, and emits one ECS session document per
flow (event.dataset borderwatch.flow) with TLS/QUIC SNI, JA3/JA4, DNS, HTTP, SSH, RDP and VNC
metadata and the remote-access tool or VPN it identified. Sessions go through the same
enrichment, rules and outputs as the logs command.

A damaged file yields the sessions before the damage, a warning naming the byte offset and
exit code 4; a file in a directory that cannot be read at all is reported the same way and the
others are read. Files are opened only when the merge reaches their first packet, so a
directory of rotated captures keeps one or two open at a time. Live capture needs root or
CAP_NET_RAW; it never blocks the kernel ring: when the pipeline is full, session records are
dropped and counted.

Examples:
   borderwatch capture --read office.pcapng --output ndjson
   borderwatch capture --read day1.pcap.gz --read day2.pcap.gz
   borderwatch capture --read /srv/pcap/2026-03-14 --output ndjson --output-file day.ndjson
   borderwatch capture --read '/srv/pcap/*/eth1-*.pcap.gz'
   borderwatch capture --interface eth1 --workers 2 --bpf 'not port 22'`,
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "read", Aliases: []string{"r"}, Usage: "read capture `FILE`, directory or quoted pattern (repeatable; - for stdin)"},
			&cli.StringFlag{Name: "interface", Aliases: []string{"i"}, Usage: "capture live from interface `IF` (Linux)"},
			&cli.IntFlag{Name: "workers", Usage: "live: AF_PACKET fanout workers (`N`, flows hashed by the kernel)"},
			&cli.StringFlag{Name: "bpf", Usage: "live: tcpdump-syntax `FILTER` (compiled by tcpdump -ddd)"},
			&cli.IntFlag{Name: "snaplen", Usage: "live: bytes kept per packet"},
			&cli.BoolFlag{Name: "no-promiscuous", Usage: "live: leave the interface out of promiscuous mode"},
		}, append(progressFlags(), outputFlags()...)...),
		Action: func(c *cli.Context) error {
			paths := append(c.StringSlice("read"), c.Args().Slice()...)
			iface := c.String("interface")
			if len(paths) == 0 && iface == "" {
				return usageErrorf("capture: give --read FILE... or --interface IF")
			}
			if len(paths) > 0 && iface != "" {
				return usageErrorf("capture: --read and --interface cannot be combined; run two captures")
			}
			mode, interval, err := progressOptions(c, "capture")
			if err != nil {
				return err
			}
			cfg, e, err := setup(c, func(cfg *Config) error {
				cc := &cfg.Capture
				if iface != "" {
					cc.Interface = iface
				}
				if c.IsSet("workers") {
					cc.Workers = c.Int("workers")
				}
				if c.IsSet("bpf") {
					cc.BPF = c.String("bpf")
				}
				if c.IsSet("snaplen") {
					cc.Snaplen = c.Int("snaplen")
				}
				if c.IsSet("no-promiscuous") {
					cc.Promiscuous = !c.Bool("no-promiscuous")
				}
				return nil
			})
			if err != nil {
				return err
			}
			return runCapture(c.Context, cfg, e, paths, progressDisplay{name: "capture", unit: "packets", mode: mode, interval: interval, quiet: !c.IsSet("progress")})
		},
	}
}

// runCapture reads paths, or the configured interface when paths is empty, through the pipeline.
func runCapture(ctx context.Context, cfg *Config, e *env, paths []string, display progressDisplay) error {
	shared, err := capture.NewShared(cfg.Capture)
	if err != nil {
		return usageError(fmt.Errorf("capture: %w", err))
	}
	observer := borderwatch.Observer{Name: cfg.Observer.Name, Hostname: cfg.Observer.Hostname, Type: "sensor", Product: "borderwatch"}
	log := e.log.With("component", "capture")
	var src borderwatch.Source
	if len(paths) > 0 {
		fs := &capture.FileSource{Paths: paths, Config: cfg.Capture, Shared: shared, Observer: observer, Logger: log}
		display.total, display.count, display.stderr, display.log = capture.InputBytes(paths), fs.Progress, e.stderr, e.log
		src = &progressSource{FileSource: fs, display: &display}
	} else {
		src = &capture.LiveSource{Config: cfg.Capture, Shared: shared, Observer: observer, Logger: log}
	}
	st, err := buildStages(ctx, cfg, e)
	if err != nil {
		return err
	}
	if heapfloor.Set(uint64(cfg.Capture.HeapFloorMB) << 20) {
		defer heapfloor.Set(0)
	}
	_, err = runPipeline(ctx, cfg, e, st, src)
	return err
}

// progressSource shows the progress of a FileSource while it reads: the display ends when the
// reading does, before the pipeline's summary.
type progressSource struct {
	*capture.FileSource
	display *progressDisplay
}

func (s *progressSource) Run(ctx context.Context, out borderwatch.Emitter) error {
	defer s.display.start()()
	return s.FileSource.Run(ctx, out)
}
