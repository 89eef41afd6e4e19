package safefile

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestRescue(t *testing.T) {
	near := t.TempDir()
	p, err := Rescue([]byte("secret"), "key/../x y", ".json", near)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(p) != near {
		t.Fatalf("rescued to %s, not beside the destination", p)
	}
	if !regexp.MustCompile(`^dfnskeys-rescued-key____x_y-\d{8}T\d{6}\.\d{9}Z\.json$`).MatchString(filepath.Base(p)) {
		t.Fatalf("rescue name %q", filepath.Base(p))
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("rescue file %v, mode %v", err, fi.Mode())
	}
	if b, _ := os.ReadFile(p); string(b) != "secret" {
		t.Fatalf("rescue file holds %q", b)
	}
	// A directory that does not take it: the next one does.
	t.Chdir(t.TempDir())
	p, err = Rescue([]byte("secret"), "k", ".json", filepath.Join(near, "missing"))
	if err != nil || filepath.Dir(p) != "." {
		t.Fatalf("rescued to %q (%v), want the working directory", p, err)
	}
}
