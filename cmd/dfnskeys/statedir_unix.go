//go:build unix

package main

import (
	"io/fs"
	"os"
	"syscall"
)

// oNoFollow makes an open fail when the last path element is a symbolic link.
const oNoFollow = syscall.O_NOFOLLOW

// ownedByUs reports whether fi belongs to the current user.
func ownedByUs(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
