package safefile_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/safefile"
)

func TestCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	existing := write("existing", "precious")
	target := write("target", "precious")
	if err := os.Symlink(target, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(dir, "ro")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, want string
		exist            bool
	}{
		{"existing file", existing, "already exists: dfnskeys never overwrites a file", true},
		{"link to a file", filepath.Join(dir, "link"), "already exists", true},
		{"dangling link", filepath.Join(dir, "dangling"), "already exists", true},
		{"directory", dir, "is a directory: name a new file", true},
		{"missing directory", filepath.Join(dir, "no", "such", "f"), " cannot be created: the directory " + filepath.Join(dir, "no", "such") + " does not exist", false},
		{"file as directory", filepath.Join(existing, "f"), "is not a directory", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := safefile.Create(tc.path, 0o600)
			if err == nil {
				f.Close()
				t.Fatal("created")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if got := errors.Is(err, fs.ErrExist); got != tc.exist {
				t.Errorf("errors.Is(err, fs.ErrExist) = %v", got)
			}
		})
	}
	for _, p := range []string{existing, target} {
		if b, _ := os.ReadFile(p); string(b) != "precious" {
			t.Errorf("%s was changed", p)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("the dangling link was followed")
	}
	if os.Geteuid() != 0 { // root writes anywhere
		_, err := safefile.Create(filepath.Join(readOnly, "f"), 0o600)
		if err == nil || !strings.Contains(err.Error(), "cannot be created: no permission to write in "+readOnly) {
			t.Errorf("read-only directory: %v", err)
		}
	}

	p := filepath.Join(dir, "new")
	f, err := safefile.Create(p, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	safefile.RemoveIfSame(p, f)
	if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Error("RemoveIfSame left the file")
	}
	// A file put in place of ours is not ours to remove.
	f, err = safefile.Create(p, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(p)
	write("new", "someone else's")
	safefile.RemoveIfSame(p, f)
	if b, _ := os.ReadFile(p); string(b) != "someone else's" {
		t.Error("RemoveIfSame removed a file that is not its own")
	}
}

func TestSame(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	if err := os.WriteFile(a, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard")
	if err := os.Link(a, hard); err != nil {
		t.Fatal(err)
	}
	sym := filepath.Join(dir, "sym")
	if err := os.Symlink(a, sym); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{a, a, true}, {a, hard, true}, {a, sym, true}, {a, filepath.Join(dir, ".", "a"), true},
		{a, filepath.Join(dir, "b"), false}, {filepath.Join(dir, "x"), filepath.Join(dir, "x"), true},
		{a, "", false},
	} {
		if got := safefile.Same(tc.a, tc.b); got != tc.want {
			t.Errorf("Same(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
