package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
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
	// w, when set, is where the secret goes instead of a file (standard
	// output, never a terminal: the caller checks), named what.
	w    io.Writer
	what string
}

// SecretTo is a [SecretFile] that writes to w, which what names
// ("standard output"), instead of a file; a failed write is rescued as
// Save's is.
func SecretTo(w io.Writer, what string) *SecretFile {
	return &SecretFile{w: w, what: what}
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
	if s.w != nil {
		if _, err := s.w.Write(data); err != nil {
			return NotSaved(fmt.Errorf("writing the private key to %s: %w", s.what, err), data, id, ext, "")
		}
		return nil
	}
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

// SaveKey encodes key as format f (with opts; opts.KeyID names the rescue
// file) and saves it with Save, ext ending a rescue file's name. A key
// that cannot be encoded as f (callers check the format against the key's
// curve first, so only a bug gets here) is saved as an export document
// instead, and the error says so: an exported key is never dropped.
func (s *SecretFile) SaveKey(key *keys.PrivateKey, f keyformat.Format, opts keyformat.EncodeOptions, ext string) error {
	data, err := keyformat.Encode(f, key, opts)
	defer clear(data)
	if err == nil {
		return s.Save(data, opts.KeyID, ext)
	}
	doc, derr := keyformat.Encode(keyformat.JSON, key, keyformat.EncodeOptions{KeyID: opts.KeyID})
	defer clear(doc)
	if derr != nil {
		s.Discard()
		return fmt.Errorf("the key was exported but could not be encoded: %w", err)
	}
	if serr := s.Save(doc, opts.KeyID, ".json"); serr != nil {
		return serr
	}
	return fmt.Errorf("the key was exported but could not be written as %s (%v): it was written as an export document (format json) instead", f, err)
}

// Discard removes the file if nothing was saved to it. It is safe to defer
// and to call on nil.
func (s *SecretFile) Discard() {
	if s != nil && !s.done {
		s.done = true
		if s.f != nil {
			RemoveIfSame(s.path, s.f)
		}
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
