package safefile

import (
	"fmt"
	"io/fs"
	"os"
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

// Stage creates the temporary file for path with [CreateTemp] (mode perm
// less the umask), which first removes the temporary files that runs no
// longer running left behind.
func Stage(path string, perm fs.FileMode) (*Staged, error) {
	f, err := CreateTemp(path, perm)
	if err != nil {
		return nil, err
	}
	return &Staged{f: f, path: path}, nil
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

// Abort drops an uncommitted file. It is safe to defer, and does nothing
// on a nil *Staged.
func (s *Staged) Abort() {
	if s != nil && !s.done {
		s.done = true
		s.f.Close()
		os.Remove(s.f.Name())
	}
}
