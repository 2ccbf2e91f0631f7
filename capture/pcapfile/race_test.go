//go:build race

package pcapfile

// raceEnabled is set when the race detector is on; its sync.Pool drops a quarter of what is
// put back on purpose.
const raceEnabled = true
