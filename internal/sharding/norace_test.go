//go:build !race

package sharding

// raceEnabled reports whether the race detector is on.
const raceEnabled = false
