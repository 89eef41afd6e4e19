package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// SecretFile is where a secret (an exported key) is saved, the one way
// every command saves one: a new file, mode 0600, created before the
// secret exists, so that a destination that cannot be written is found
// before anything is exported; [SecretFile.Save] writes the secret, and a
// secret that cannot be written there is rescued ([Rescue]), never lost.
type SecretFile struct {
	path  string // the file created
	final string // with a partial path: the name Save links it to
	f     *os.File
	done  bool
}

// CreateSecret creates path (see [Create]) for a secret. With final set,
// path is a partial name in final's directory: Save links the complete
// file to final, which must not exist then, and removes path, so that no
// reader of that directory takes a partial file for a complete one; a
// rescue then goes to the working, home or temporary directory, not there.
// Without final, a rescue goes beside path first.
func CreateSecret(path, final string) (*SecretFile, error) {
	f, err := Create(path, 0o600)
	if err != nil {
		return nil, err
	}
	return &SecretFile{path: path, final: final, f: f}, nil
}

// Save writes data, syncs and closes the file, and with a final name links
// it there. On failure the file is removed, data is saved with [Rescue]
// (id and ext name the rescue file) and the error is a [*NotSavedError]
// that says where data is. Save is called once.
func (s *SecretFile) Save(data []byte, id, ext string) error {
	s.done = true
	near, name := filepath.Dir(s.path), s.path
	if s.final != "" {
		near, name = "", s.final
	}
	err := Finish(s.path, s.f, data)
	if err == nil && s.final != "" {
		err = os.Link(s.path, s.final)
		os.Remove(s.path)
		switch {
		case errors.Is(err, fs.ErrExist):
			return NotSaved(fmt.Errorf("%s appeared meanwhile; not replaced", s.final), data, id, ext, near)
		case err == nil:
			err = SyncDir(filepath.Dir(s.final))
		}
	}
	if err != nil {
		return NotSaved(fmt.Errorf("writing %s: %w", name, err), data, id, ext, near)
	}
	return nil
}

// Discard removes the file if nothing was saved to it. It is safe to defer
// and to call on nil.
func (s *SecretFile) Discard() {
	if s != nil && !s.done {
		s.done = true
		RemoveIfSame(s.path, s.f)
	}
}

// NotSavedError is a secret that could not be written where it belongs:
// it was rescued to Rescued, or, when that failed too (RescueErr), lost.
type NotSavedError struct {
	// Err is why it could not be written where it belongs.
	Err error
	// Rescued is where it was saved instead ("" when nowhere).
	Rescued string
	// RescueErr is why it could not be rescued either.
	RescueErr error
}

// Error says what failed and where the secret is, or that it is lost.
func (e *NotSavedError) Error() string {
	if e.Rescued == "" {
		return fmt.Sprintf("%v; %v: the key is lost", e.Err, e.RescueErr)
	}
	return fmt.Sprintf("%v; the key was saved instead to %s (mode 0600): move it where it belongs, and keep it secret", e.Err, e.Rescued)
}

// Unwrap returns e.Err.
func (e *NotSavedError) Unwrap() error { return e.Err }

// NotSaved rescues data, a secret that could not be written where it
// belongs because of err, with [Rescue](data, id, ext, near), and returns
// the [*NotSavedError] that says where it is.
func NotSaved(err error, data []byte, id, ext, near string) error {
	p, rerr := Rescue(data, id, ext, near)
	return &NotSavedError{Err: err, Rescued: p, RescueErr: rerr}
}
