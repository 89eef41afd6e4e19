//go:build unix

package safefile

import "syscall"

// oNoFollow makes the open fail on a symbolic link. O_EXCL already does
// for a new file; this is a second lock on the same door.
const oNoFollow = syscall.O_NOFOLLOW

// oNonBlock keeps an open of a FIFO someone put in a file's place from
// waiting for a writer; it changes nothing for a regular file.
const oNonBlock = syscall.O_NONBLOCK
