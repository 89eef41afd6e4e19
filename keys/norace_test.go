//go:build !race

package keys_test

// raceEnabled reports whether the race detector is on.
const raceEnabled = false
