package safefile_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/safefile"
)

func TestOpenExistingRefusesLinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Skip("no symbolic links:", err)
	}
	if f, err := safefile.OpenExisting(link, os.O_RDWR); !errors.Is(err, safefile.ErrSymlink) {
		if f != nil {
			f.Close()
		}
		t.Fatalf("OpenExisting(link) = %v, want ErrSymlink", err)
	}
	if _, err := safefile.ReadSmall(link, 100); !errors.Is(err, safefile.ErrSymlink) {
		t.Fatalf("ReadSmall(link) = %v, want ErrSymlink", err)
	}
	if _, err := safefile.OpenExisting(dir, os.O_RDONLY); err == nil {
		t.Fatal("OpenExisting opened a directory")
	}
	f, err := safefile.OpenExisting(file, os.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if b, err := safefile.ReadSmall(file, 8); err != nil || string(b) != "precious" {
		t.Fatalf("ReadSmall = %q, %v", b, err)
	}
	if _, err := safefile.ReadSmall(file, 7); err == nil {
		t.Fatal("ReadSmall read more than its bound")
	}
}

func TestReplaceNeverWritesThroughALink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "p")
	if err := os.Symlink(victim, p); err != nil {
		t.Skip("no symbolic links:", err)
	}
	f, err := safefile.Replace(p, []byte("ours"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Errorf("the link's target now holds %q", b)
	}
	fi, _ := f.Stat()
	li, err := os.Lstat(p)
	if err != nil || !li.Mode().IsRegular() || !os.SameFile(fi, li) {
		t.Fatalf("%s is not the file written: %v %v", p, li, err)
	}
	if b, _ := os.ReadFile(p); string(b) != "ours" {
		t.Errorf("%s holds %q", p, b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("a temporary file was left: %v", entries)
	}
	// RemoveIfSame leaves a file put in its place.
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("someone else's"), 0o600); err != nil {
		t.Fatal(err)
	}
	safefile.RemoveIfSame(p, f)
	if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		t.Error("RemoveIfSame removed a file that is not the one written")
	}
	f, err = safefile.Replace(p, []byte("ours again"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	safefile.RemoveIfSame(p, f)
	if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Error("RemoveIfSame left the file it wrote")
	}
}
