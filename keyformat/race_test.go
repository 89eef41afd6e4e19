//go:build race

package keyformat_test

// raceEnabled reports whether the race detector is on.
const raceEnabled = true
