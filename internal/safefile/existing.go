package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrSymlink is wrapped by [OpenExisting] and [ReadSmall] when the path is
// a symbolic link.
var ErrSymlink = errors.New("is a symbolic link")

// OpenExisting opens the existing regular file at path with flag
// (os.O_RDONLY or os.O_RDWR, without os.O_CREATE), never through a
// symbolic link: a link at path, dangling or not, is refused with an error
// wrapping [ErrSymlink], and so is anything but a regular file (a FIFO, a
// device, a directory). Where the system has no O_NOFOLLOW, the name is
// checked again after the open. See docs/threat-model.md §6.
func OpenExisting(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag|oNoFollow|oNonBlock, 0)
	if err != nil {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, symlinkError(path)
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &pathError{msg: path + " is not a regular file (" + fi.Mode().Type().String() + "): name a file", err: fs.ErrInvalid}
	}
	li, err := os.Lstat(path)
	if err != nil {
		f.Close()
		return nil, err
	}
	if li.Mode()&fs.ModeSymlink != 0 || !os.SameFile(fi, li) {
		f.Close()
		return nil, symlinkError(path)
	}
	return f, nil
}

func symlinkError(path string) error {
	return &pathError{msg: path + " is a symbolic link: dfnskeys does not open its files through a link (whoever can write the directory could point it at another file); give the path of the file itself", err: ErrSymlink}
}

// MaxDocumentSize bounds a ceremony document (an import request, an
// export request or response) read from a file: 32 MiB. An import request
// grows with the square of the cluster's size (each share carries
// something for every signer): 9 KB for 5 signers, 0.9 MB for 64, 14 MB
// for the largest cluster supported (255).
const MaxDocumentSize = 32 << 20

// ReadSmall reads the regular file at path, opened as [OpenExisting] does
// (never through a link), and at most max bytes of it: a longer file is an
// error.
func ReadSmall(path string, max int) ([]byte, error) {
	f, err := OpenExisting(path, os.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return b, nil
}

// Replace writes data to path, mode perm (less the umask), and syncs it:
// the data goes to a new file created in path's directory under a
// temporary name (as [Create] does: O_EXCL|O_NOFOLLOW), which is then
// renamed onto path. Whatever was at path is replaced, a symbolic link
// included, and never written through: a link planted at path is
// replaced by the file and its target is left alone.
//
// It returns the file, open for reading: holding it keeps its identity,
// so that [RemoveIfSame] later removes path only while it is still this
// file.
func Replace(path string, data []byte, perm fs.FileMode) (*os.File, error) {
	f, err := CreateTemp(path, perm)
	if err != nil {
		return nil, err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		RemoveIfSame(tmp, f)
		return nil, err
	}
	if err := f.Sync(); err != nil {
		RemoveIfSame(tmp, f)
		return nil, err
	}
	// Reopened before the rename, which Windows does only for closed
	// files, so that the name always leads to a file we hold.
	r, err := OpenExisting(tmp, os.O_RDONLY)
	if err != nil {
		RemoveIfSame(tmp, f)
		return nil, err
	}
	if err := f.Close(); err != nil {
		RemoveIfSame(tmp, r)
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		RemoveIfSame(tmp, r)
		return nil, err
	}
	return r, nil
}
