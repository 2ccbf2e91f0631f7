//go:build unix

// Package benchcpu reports the process CPU time per benchmark operation, a figure that the
// other work on a shared machine disturbs far less than wall time.
package benchcpu

import (
	"syscall"
	"testing"
	"time"
)

func cpu() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Start resets the benchmark timer and returns a function that, called after the loop,
// reports cpu-ns/op (user + system time of the whole process, divided by b.N). Run
// benchmarks with -cpu 1 so that the figure is one core's.
func Start(b *testing.B) func() {
	b.ResetTimer()
	t0 := cpu()
	return func() {
		b.StopTimer()
		b.ReportMetric(float64(cpu()-t0)/float64(b.N), "cpu-ns/op")
	}
}
