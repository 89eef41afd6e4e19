package safefile

import (
	"fmt"
	"os"
)

// DirUse says what a directory checked by [CheckDir] is trusted with.
type DirUse int

const (
	// TrustContents: what is found in the directory is believed (an output
	// directory, the simulator's state directory), so only its owner may
	// write to it.
	TrustContents DirUse = iota
	// OwnFile: the directory holds one file of ours, read without
	// following links and replaced by a rename, so a directory others may
	// write to is allowed when it has the sticky bit (as /tmp has): there
	// no one else can remove or rename our file.
	OwnFile
)

// CheckDir refuses a directory that someone else could plant files or
// links in: not a directory, writable by group or others, or (on Unix,
// for [TrustContents]) owned by another user. A symbolic link to a
// directory is followed. label names the directory in the message (for
// example "--state-dir shared" or "the output directory out"); the message
// says what to do.
func CheckDir(label, dir string, use DirUse) error {
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", label, err)
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", label)
	case use == OwnFile && fi.Mode()&os.ModeSticky != 0:
		return nil
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("%s can be written by group or others (mode %04o), who could plant a file or a link there: run chmod go-w %s, or use a directory only you can write (mktemp -d)", label, fi.Mode().Perm(), dir)
	case use == TrustContents && !ownedByUs(fi):
		return fmt.Errorf("%s belongs to another user: use a directory of your own (mktemp -d)", label)
	}
	return nil
}
