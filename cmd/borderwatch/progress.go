package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// progressFlags are the flags of the commands that show how far a long run has got.
func progressFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "progress", Value: "auto", Usage: "progress display `MODE`: auto (a bar on a terminal, else log lines), bar, log or none"},
		&cli.DurationFlag{Name: "progress-interval", Value: 10 * time.Second, Usage: "`INTERVAL` between progress log lines"},
	}
}

// progressOptions reads the progress flags of command cmd: the mode (bar, log or none) and the
// interval of log lines.
func progressOptions(c *cli.Context, cmd string) (string, time.Duration, error) {
	interval := c.Duration("progress-interval")
	if interval <= 0 {
		return "", 0, usageErrorf("%s: --progress-interval must be > 0, e.g. 10s", cmd)
	}
	switch p := c.String("progress"); p {
	case "auto":
		if f, ok := c.App.ErrWriter.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			return "bar", interval, nil
		}
		return "log", interval, nil
	case "bar", "log", "none":
		return p, interval, nil
	default:
		return "", 0, usageErrorf("%s: --progress %q: use auto, bar, log or none", cmd, p)
	}
}

// progressDisplay shows the bytes of input a run has got through (of total, when known) and
// the items (events, packets) counted so far, as a bar on stderr or as log lines.
type progressDisplay struct {
	name     string // what runs: "audit", "capture"
	unit     string // what count counts: "events", "packets"
	mode     string // bar | log | none
	interval time.Duration
	total    int64 // input bytes (0: unknown)
	stderr   io.Writer
	log      *slog.Logger
	count    func() (bytes int64, items uint64)
	quiet    bool // log mode: no final line for a run shorter than the interval (the mode was not asked for)
}

// start begins the display; the returned function stops it and logs the final state.
func (p *progressDisplay) start() func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	begin := time.Now()
	lines := 0
	switch p.mode {
	case "bar":
		bar := progressbar.NewOptions64(max(p.total, 1),
			progressbar.OptionSetWriter(p.stderr), progressbar.OptionSetDescription(p.name),
			progressbar.OptionShowBytes(true), progressbar.OptionSetPredictTime(true), progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish(), progressbar.OptionSetWidth(30))
		bar.Describe(fmt.Sprintf("%s 0 %s, 0/s", p.name, p.unit))
		bar.RenderBlank()
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				b, n := p.count()
				bar.Describe(fmt.Sprintf("%s %d %s, %.0f/s", p.name, n, p.unit, float64(n)/max(time.Since(begin).Seconds(), 0.001)))
				bar.Set64(min(b, p.total))
				select {
				case <-done:
					bar.Finish()
					return
				case <-t.C:
				}
			}
		}()
	case "log":
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(p.interval)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					p.logLine(begin, slog.LevelInfo)
					lines++
				}
			}
		}()
	}
	return func() {
		close(done)
		wg.Wait()
		switch p.mode {
		case "log":
			if lines > 0 || !p.quiet {
				p.logLine(begin, slog.LevelInfo)
			}
		case "bar":
			p.logLine(begin, slog.LevelDebug)
		}
	}
}

func (p *progressDisplay) logLine(begin time.Time, level slog.Level) {
	elapsed := max(time.Since(begin).Seconds(), 0.001)
	b, n := p.count()
	args := []any{p.unit, n, p.unit + "_per_s", int(float64(n) / elapsed), "bytes", b, "bytes_per_s", int(float64(b) / elapsed)}
	if p.total > 0 {
		pct := min(100, 100*float64(b)/float64(p.total))
		args = append(args, "percent", int(pct))
		if b > 0 && b < p.total {
			eta := time.Duration(float64(p.total-b) / (float64(b) / elapsed) * float64(time.Second))
			args = append(args, "eta", eta.Round(time.Second).String())
		}
	}
	p.log.Log(context.Background(), level, p.name+" progress", args...)
}
