package keys_test

import (
	"os"
	"testing"
)

// skipUnlessFullSize skips a largest case of a slow table test under the
// race detector, unless DFNSKEYS_LONG_TESTS=1 (as .ci/run sets): recovery
// runs no goroutines, so the detector has nothing to check there, and it
// makes recovering 64 secp256k1 shares take 12 s. Plain `go test` runs it.
func skipUnlessFullSize(t *testing.T) {
	t.Helper()
	if raceEnabled && os.Getenv("DFNSKEYS_LONG_TESTS") != "1" {
		t.Skip("a largest case, slow under -race: runs without -race, or with DFNSKEYS_LONG_TESTS=1")
	}
}
