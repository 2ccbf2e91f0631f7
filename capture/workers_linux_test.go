package capture

import (
	"bytes"
	"io"
	"log/slog"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch"
	"github.com/borderwatch/borderwatch/capture/decode"
	"github.com/borderwatch/borderwatch/capture/internal/synth"
	"github.com/borderwatch/borderwatch/capture/pcapfile"
)

// BenchmarkWorkers is the live capture's worker loop without the socket: every goroutine
// owns a Processor (decoder, flow table, analyzers) and shares the identification table and
// the passive DNS cache with the others, as LiveSource's workers do, and hands its records to
// one channel that another goroutine drains (the pipeline's queue). Each goroutine replays
// the same generated 20 MB capture (500 flows at a time, as bench/capture/live.sh sends),
// shifting the times forward on every pass. One op is one frame, so with -cpu 1,2 the ns/op
// of two workers is half that of one when the workers scale without sharing anything hot and
// the cores are free. On a shared machine the wall time says little; cpu-ns/frame (the
// process's user + system time per frame) does: the capacity ratio of two workers to one is
// 2 × cpu-ns/frame(1) / cpu-ns/frame(2), as bench/capture/live.sh computes it.
//
//	go test -run '^$' -bench Workers -benchtime 2000000x -cpu 1,2 -count 5 ./capture/
func BenchmarkWorkers(b *testing.B) {
	var file bytes.Buffer
	if _, err := synth.WriteBench(&file, 20_000_000, 500, 1); err != nil {
		b.Fatal(err)
	}
	r, err := pcapfile.NewBytesReader(file.Bytes(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	type frame struct {
		data []byte
		ts   time.Time
	}
	var frames []frame
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		frames = append(frames, frame{rec.Data, rec.Timestamp})
	}
	span := frames[len(frames)-1].ts.Sub(frames[0].ts) + time.Second
	shared, err := NewShared(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	queue := make(chan *borderwatch.Event, 4096)
	drained := make(chan int)
	go func() {
		n := 0
		for range queue {
			n++
		}
		drained <- n
	}()
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	b.RunParallel(func(pb *testing.PB) {
		emit := func(ev *borderwatch.Event) {
			select {
			case queue <- ev:
			default: // as LiveSource: a full queue drops the record
			}
		}
		proc := NewProcessor(DefaultConfig(), shared, borderwatch.Observer{}, emit, slog.New(slog.DiscardHandler))
		i := int(next.Add(1)) * 7919 % len(frames) // workers start at different places
		var shift time.Duration
		for pb.Next() {
			f := &frames[i]
			proc.Packet(decode.LinkEthernet, f.data, f.ts.Add(shift), len(f.data))
			if i++; i == len(frames) {
				i, shift = 0, shift+span
			}
		}
		proc.Flush()
	})
	b.StopTimer()
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/frame")
	close(queue)
	<-drained
}

// cpuTime returns the process's user + system time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
