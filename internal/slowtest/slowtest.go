// Package slowtest holds the repository's one rule for slow tests: the full
// set runs with DFNSKEYS_LONG_TESTS=1 (as .ci/run sets), and work that is
// slow only because of the race detector, with no goroutine of ours for it to
// check (key derivation at a wallet's cost, the largest sharing tables), is
// skipped under -race without it. Plain `go test` runs all of that. It is for
// tests only.
package slowtest

import (
	"os"
	"testing"
)

// Long reports whether DFNSKEYS_LONG_TESTS=1: the full-size versions of the
// slow tests run.
func Long() bool { return os.Getenv("DFNSKEYS_LONG_TESTS") == "1" }

// SkipUnderRace skips t under the race detector unless [Long], saying why
// (what is slow) and where the test does run.
func SkipUnderRace(t testing.TB, why string) {
	t.Helper()
	if Race && !Long() {
		t.Skip(why + ", slow under -race: runs without -race, or with DFNSKEYS_LONG_TESTS=1")
	}
}
