package safefile

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// deadPID returns the ID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestCreateTempRemovesStaleTemps(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no way to tell a dead process: nothing is removed")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "report.jsonl")
	dead := filepath.Join(dir, ".report.jsonl.tmp-"+strconv.Itoa(deadPID(t))+"-0123456789abcdef")
	live := filepath.Join(dir, ".report.jsonl.tmp-"+strconv.Itoa(os.Getppid())+"-0123456789abcdef")
	other := filepath.Join(dir, ".report.jsonl.tmp-notours")
	otherFile := filepath.Join(dir, ".other.jsonl.tmp-"+strconv.Itoa(deadPID(t))+"-0123456789abcdef")
	for _, p := range []string{dead, live, other, otherFile} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f, err := CreateTemp(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !strings.HasPrefix(filepath.Base(f.Name()), ".report.jsonl.tmp-"+strconv.Itoa(os.Getpid())+"-") {
		t.Errorf("temporary file %s: want .report.jsonl.tmp-<pid>-<random>", f.Name())
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the dead run's %s was not removed (%v)", dead, err)
	}
	for _, p := range []string{live, other, otherFile} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: it is not a stale temporary file of this path", p)
		}
	}
	// Our own file is not stale while we run.
	if n := RemoveStaleTemps(path); n != 0 {
		t.Errorf("RemoveStaleTemps removed %d files, want 0", n)
	}
	if _, err := os.Stat(f.Name()); err != nil {
		t.Errorf("our own temporary file was removed: %v", err)
	}
}

func TestCreateTempNamesThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "report.jsonl")
	_, err := CreateTemp(path, 0o600)
	if err == nil {
		t.Fatal("CreateTemp in a missing directory succeeded")
	}
	want := path + " cannot be created: the directory " + filepath.Dir(path) + " does not exist"
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}
