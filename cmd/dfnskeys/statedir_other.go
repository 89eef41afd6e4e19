//go:build !unix

package main

import "io/fs"

// oNoFollow is 0 where the system has no O_NOFOLLOW; O_EXCL still refuses
// an existing path, symbolic links included.
const oNoFollow = 0

// ownedByUs cannot tell the owner here; the mode check still applies.
func ownedByUs(fs.FileInfo) bool { return true }
