//go:build unix

package syslogtest

import (
	"syscall"
	"time"
)

// CPUTime returns the CPU time (user + system) the process has used so far, so that
// benchmarks can report throughput per CPU second, which stays meaningful on a busy machine
// where wall-clock figures do not.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
