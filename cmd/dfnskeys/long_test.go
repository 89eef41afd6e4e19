package main

import "os"

// longTests reports whether the full-size versions of the slow
// real-process tests run (SIGKILL reruns over thousands of rows, eight
// 512 MiB key derivations): set DFNSKEYS_LONG_TESTS=1, as .ci/run does.
// By default they run small — fewer rows, kills and derivations, the same
// assertions — so that `go test -race ./...` stays within minutes.
func longTests() bool { return os.Getenv("DFNSKEYS_LONG_TESTS") == "1" }

// scale returns full when longTests is set and small otherwise.
func scale(small, full int) int {
	if longTests() {
		return full
	}
	return small
}
