// Package safefile creates the files dfnskeys writes: always new, never
// through a symbolic link, with the mode asked (less the umask), and
// removable afterwards only while the name still leads to the same file.
package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ErrExist is wrapped by [Create] when the path already exists (as a file,
// a directory or a symbolic link).
var ErrExist = fs.ErrExist

// Create creates path as a new file open for writing with mode perm (less
// the umask). It fails if anything exists at path, a symbolic link
// included, dangling or not: it never overwrites and never follows a link.
// Its errors say what is wrong in words: the directory does not exist, is
// not writable, path is a directory, already exists.
func Create(path string, perm fs.FileMode) (*os.File, error) {
	return create(path, os.O_WRONLY, perm)
}

// CreateRW is [Create] with the file open for reading and writing.
func CreateRW(path string, perm fs.FileMode) (*os.File, error) {
	return create(path, os.O_RDWR, perm)
}

func create(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|os.O_CREATE|os.O_EXCL|oNoFollow, perm)
	if err == nil {
		return f, nil
	}
	dir := filepath.Dir(path)
	var errno syscall.Errno
	errors.As(err, &errno)
	fail := func(format string, args ...any) error {
		return &pathError{msg: path + " " + fmt.Sprintf(format, args...), err: err}
	}
	switch {
	case errors.Is(err, fs.ErrExist):
		if fi, lerr := os.Lstat(path); lerr == nil && fi.IsDir() {
			return nil, fail("is a directory: name a new file")
		}
		return nil, fail("already exists: dfnskeys never overwrites a file; choose another name or remove it first")
	case errno == syscall.EISDIR:
		return nil, fail("is a directory: name a new file")
	case errno == syscall.ENOTDIR:
		return nil, fail("cannot be created: %s is not a directory", dir)
	case errors.Is(err, fs.ErrNotExist):
		return nil, fail("cannot be created: the directory %s does not exist", dir)
	case errors.Is(err, fs.ErrPermission):
		return nil, fail("cannot be created: no permission to write in %s", dir)
	}
	return nil, fail("cannot be created: %v", errors.Unwrap(err))
}

// pathError is a Create error: a sentence about the path, wrapping the
// system's error.
type pathError struct {
	msg string
	err error
}

func (e *pathError) Error() string { return e.msg }
func (e *pathError) Unwrap() error { return e.err }

// RemoveIfSame removes path if it still names the file f has open, so
// that a file someone put in its place meanwhile is left alone. It closes
// f.
func RemoveIfSame(path string, f *os.File) {
	fi, err := f.Stat()
	f.Close()
	if err != nil {
		return
	}
	if pi, err := os.Lstat(path); err == nil && os.SameFile(fi, pi) {
		os.Remove(path)
	}
}

// Same reports whether a and b name the same existing file (through
// links too), or, when either does not exist, the same absolute path.
func Same(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if fa, err := os.Stat(a); err == nil {
		if fb, err := os.Stat(b); err == nil {
			return os.SameFile(fa, fb)
		}
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// SyncDir makes the entries of directory dir (files created, renamed or
// removed in it) durable. Systems that cannot sync a directory are not an
// error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
