//go:build !unix

package syslogtest

import "time"

// CPUTime is not available on this platform: it returns 0 and benchmarks report no CPU figure.
func CPUTime() time.Duration { return 0 }
