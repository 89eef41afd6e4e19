package sharding

import (
	"os"
	"testing"
)

// fullSize reports whether the largest cases of the slow table tests run:
// always without the race detector, and under it only with
// DFNSKEYS_LONG_TESTS=1 (as .ci/run sets). They are pure arithmetic, with
// no concurrency for the detector to check, and it makes them ~10× slower
// (secp256k1 decoding 64 shares: 7 s).
func fullSize() bool { return !raceEnabled || os.Getenv("DFNSKEYS_LONG_TESTS") == "1" }

// skipUnlessFullSize skips t when fullSize is false.
func skipUnlessFullSize(t *testing.T) {
	t.Helper()
	if !fullSize() {
		t.Skip("a largest case, slow under -race: runs without -race, or with DFNSKEYS_LONG_TESTS=1")
	}
}
