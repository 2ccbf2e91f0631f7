//go:build !race

package pcapfile

const raceEnabled = false
