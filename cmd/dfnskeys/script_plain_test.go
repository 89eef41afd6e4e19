package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/dfnskeys/dfnskeys/internal/slowtest"

	"github.com/rogpeppe/go-internal/testscript"
)

// Under the race detector, every dfnskeys a script runs is a race-built
// process: ~10× slower at everything it does (decoding secp256k1's
// precomputed tables at its first public key takes 0.2 s, a keystore's
// scrypt 7 s), and the scripts run dfnskeys some 700 times. Most commands
// start no goroutine of ours (only bulk/pipeline.go and the in-process
// simulator do; main.go's signal watchers see no signal in a script), so
// the detector has nothing to check in them.
//
// So, under -race and without DFNSKEYS_LONG_TESTS=1, a script that never
// runs a concurrent command (bulk-*, simulator, demo: see
// concurrentCommand) gets its commands from this test binary built without
// -race, first in its PATH. The script, its assertions and the simulator
// (in this race-built test process) are unchanged; plain `go test` and
// CI's long race run (every script race-built) are unaffected.

// concurrentCommand matches a script line running a dfnskeys command that
// runs goroutines of ours.
var concurrentCommand = regexp.MustCompile(`dfnskeys\s+(bulk-|simulator|demo)`)

var (
	plainOnce sync.Once
	plainDir  string // a bin directory of TestMain's commands, built without -race
	plainErr  error
)

// usePlainCommands puts the commands of a test binary built without -race
// first in the script's PATH, when the race detector is on, longTests is
// not set and the script runs no concurrent command.
func usePlainCommands(env *testscript.Env) error {
	if !slowtest.Race || longTests() {
		return nil
	}
	name := strings.TrimPrefix(filepath.Base(env.WorkDir), "script-")
	script, err := os.ReadFile(filepath.Join("testdata", "script", name+".txtar"))
	if err != nil {
		return fmt.Errorf("reading the script to choose its dfnskeys build: %w", err)
	}
	if concurrentCommand.Match(script) {
		return nil
	}
	plainOnce.Do(buildPlainCommands)
	if plainErr != nil {
		return plainErr
	}
	env.Setenv("PATH", plainDir+string(filepath.ListSeparator)+env.Getenv("PATH"))
	return nil
}

// buildPlainCommands builds this package's test binary without -race and
// links each of TestMain's command names to it (testscript.Main runs the
// command named by argv[0]). cleanupM removes it.
func buildPlainCommands() {
	dir, err := os.MkdirTemp("", "dfnskeys-plain-")
	if err != nil {
		plainErr = err
		return
	}
	plainTmp = dir
	bin := filepath.Join(dir, "dfnskeys.test")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		plainErr = fmt.Errorf("building the test binary without -race: %v\n%s", err, out)
		return
	}
	plainDir = filepath.Join(dir, "bin")
	if err := os.Mkdir(plainDir, 0o755); err != nil {
		plainErr = err
		return
	}
	for cmd := range scriptCommands {
		if err := os.Symlink(bin, filepath.Join(plainDir, cmd)); err != nil {
			plainErr = err
			return
		}
	}
}

// plainTmp is the directory buildPlainCommands made, for cleanupM.
var plainTmp string
