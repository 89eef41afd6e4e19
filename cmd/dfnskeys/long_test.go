package main

import (
	"flag"
	"runtime"
	"strconv"

	"github.com/dfnskeys/dfnskeys/internal/slowtest"
)

// longTests reports whether the full-size versions of the slow
// real-process tests run (SIGKILL reruns over thousands of rows, eight
// 512 MiB key derivations): set DFNSKEYS_LONG_TESTS=1, as .ci/run does.
// By default they run small — fewer rows, kills and derivations, the same
// assertions — so that `go test -race ./...` stays within minutes.
func longTests() bool { return slowtest.Long() }

// scale returns full when longTests is set and small otherwise.
func scale(small, full int) int {
	if longTests() {
		return full
	}
	return small
}

// fullKDF reports whether the tests that make dfnskeys write a keystore
// at its fixed cost (scrypt n = 2^18, r = 8: 256 MiB) and read it back run:
// always without the race detector, and under it only with longTests. A
// derivation takes about 7.5 s race-built against 0.9 s plain, and exercises
// no concurrency of ours. (Scripts need no such switch: see
// usePlainCommands.)
func fullKDF() bool { return !slowtest.Race || longTests() }

// skipUnlessFullKDF skips t under the race detector unless longTests is set
// (see fullKDF); plain `go test ./...` and CI's long race run still run it.
func skipUnlessFullKDF(t interface{ Skip(...any) }) {
	if !fullKDF() {
		t.Skip("keystore scrypt at dfnskeys's cost (n = 2^18) takes ~7.5 s per derivation under -race: runs without -race, or with DFNSKEYS_LONG_TESTS=1")
	}
}

// defaultParallel is how many tests of this package run at once unless
// -parallel says otherwise: more than go test's default (GOMAXPROCS, 2 on
// a 2-core machine), because most of them spend their time waiting (on a
// dfnskeys process, a simulated latency, a 429's Retry-After) rather than
// computing. Measured under -race, the largest process peaked at 670 MB;
// with longTests, at 2.4 GB (2.0 GB at -parallel 2), and the machine's
// memory in use at 3.5 GB either way, in 3 min 26 s against 4 min 16 s.
const defaultParallel = 4

// setDefaultParallel sets -test.parallel to defaultParallel unless it was
// given or GOMAXPROCS is larger.
func setDefaultParallel() {
	if !flag.Parsed() {
		flag.Parse()
	}
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given && runtime.GOMAXPROCS(0) < defaultParallel {
		_ = flag.Set("test.parallel", strconv.Itoa(defaultParallel))
	}
}
