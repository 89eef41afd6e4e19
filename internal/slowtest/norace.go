//go:build !race

package slowtest

// Race reports whether the race detector is on.
const Race = false
