package safefile

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Staged is a file written under a temporary name beside its path and
// renamed onto the path by [Staged.Commit], so that a run that fails
// before it ends leaves what was at the path as it was (a report, for
// example). It is the streaming form of [Replace].
type Staged struct {
	f    *os.File
	path string
	done bool
}

// Stage creates the temporary file for path (as [Create] does, mode perm
// less the umask), after removing the temporary files of runs that were
// killed before they committed.
func Stage(path string, perm fs.FileMode) (*Staged, error) {
	if stale, err := filepath.Glob(tempPattern(path)); err == nil {
		for _, s := range stale {
			os.Remove(s)
		}
	}
	f, err := createTemp(path, perm)
	if err != nil {
		return nil, err
	}
	return &Staged{f: f, path: path}, nil
}

// createTemp creates a new file beside path, named ".BASE.tmp-RANDOM", as
// [Create] does.
func createTemp(path string, perm fs.FileMode) (*os.File, error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	return Create(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-"+hex.EncodeToString(rnd[:])), perm)
}

func tempPattern(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
}

// Write writes to the temporary file.
func (s *Staged) Write(p []byte) (int, error) { return s.f.Write(p) }

// Commit closes the file and renames it onto the path; on failure the
// temporary file is removed. Later calls return nil.
func (s *Staged) Commit() error {
	if s.done {
		return nil
	}
	s.done = true
	err := s.f.Close()
	if err == nil {
		err = os.Rename(s.f.Name(), s.path)
	}
	if err != nil {
		os.Remove(s.f.Name())
		return fmt.Errorf("writing %s: %w", s.path, err)
	}
	return nil
}

// Abort drops an uncommitted file. It is safe to defer.
func (s *Staged) Abort() {
	if !s.done {
		s.done = true
		s.f.Close()
		os.Remove(s.f.Name())
	}
}
