package keyformat_test

import (
	"os"
	"testing"
)

// skipUnlessFullKDF skips a test that runs scrypt at a standard wallet's
// cost (n = 2^18, r = 8 or r = 1, p = 8: 256 MiB) under the race detector,
// unless DFNSKEYS_LONG_TESTS=1 (as .ci/run sets): a derivation takes ~7 s
// race-built against 0.9 s plain, and key derivation runs no goroutines of
// ours for the detector to check. Plain `go test` runs it.
func skipUnlessFullKDF(t *testing.T) {
	t.Helper()
	if raceEnabled && os.Getenv("DFNSKEYS_LONG_TESTS") != "1" {
		t.Skip("scrypt n = 2^18 takes ~7 s per derivation under -race: runs without -race, or with DFNSKEYS_LONG_TESTS=1")
	}
}
