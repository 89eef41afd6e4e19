package safefile

import (
	"os"
	"path/filepath"
	"testing"
)

// A staged file replaces its path only on commit, and leaves no temporary
// file behind either way; a killed run's temporary file is cleared.
func TestStaged(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "report.jsonl")
	if err := os.WriteFile(p, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	killed := filepath.Join(dir, ".report.jsonl.tmp-999999999-0123456789abcdef") // no such process
	if err := os.WriteFile(killed, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Stage(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(killed); !os.IsNotExist(err) {
		t.Fatalf("stale temporary file: %v", err)
	}
	s.Write([]byte("new\n"))
	s.Abort()
	if b, _ := os.ReadFile(p); string(b) != "old\n" {
		t.Fatalf("aborted: %q", b)
	}
	s, err = Stage(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("new\n"))
	if b, _ := os.ReadFile(p); string(b) != "old\n" {
		t.Fatalf("before commit: %q", b)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	s.Abort() // after Commit: nothing
	if b, _ := os.ReadFile(p); string(b) != "new\n" {
		t.Fatalf("committed: %q", b)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".report.jsonl.tmp-*")); len(m) != 0 {
		t.Fatalf("temporary files left: %v", m)
	}
}
