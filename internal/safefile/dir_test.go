package safefile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCheckDir(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	mk := func(name string, mode os.FileMode) string {
		p := filepath.Join(root, name)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	private, shared, sticky := mk("private", 0o700), mk("shared", 0o770), mk("sticky", 0o777|os.ModeSticky)
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir  string
		use  DirUse
		okay bool
	}{
		{private, TrustContents, true},
		{private, OwnFile, true},
		{shared, TrustContents, false},
		{shared, OwnFile, false},
		{sticky, OwnFile, true},
		{sticky, TrustContents, false},
		{file, OwnFile, false},
		{filepath.Join(root, "missing"), TrustContents, false},
	} {
		err := CheckDir("dir "+tc.dir, tc.dir, tc.use)
		if (err == nil) != tc.okay {
			t.Errorf("CheckDir(%s, %d) = %v, want ok=%v", tc.dir, tc.use, err, tc.okay)
		}
	}
}
