// Package examples_test checks that every example is a program a user could
// have written: it builds when copied, alone, into a module of its own.
package examples_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestExamplesBuildInAUserModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every example in a temporary module")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := filepath.Glob("*/main.go")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	for _, mainFile := range dirs {
		name := filepath.Dir(mainFile)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(mainFile)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(src), "/internal/") {
				t.Fatalf("%s imports an internal package: a user's module cannot", mainFile)
			}
			dir := t.TempDir()
			gomod := "module example.com/userapp\n\ngo 1.24\n\nrequire github.com/dfnskeys/dfnskeys v0.0.0\n\nreplace github.com/dfnskeys/dfnskeys => " + repo + "\n"
			for f, b := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum, "main.go": src} {
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("go", "build", "-o", os.DevNull, ".")
			cmd.Dir = dir
			// Only modules the repository already uses, from the module
			// cache: nothing is downloaded.
			cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("examples/%s does not build in a module of its own: %v\n%s", name, err, out)
			}
		})
	}
}
