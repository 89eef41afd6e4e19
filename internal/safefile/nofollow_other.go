//go:build !unix

package safefile

// oNoFollow is zero where O_NOFOLLOW does not exist; O_EXCL still refuses
// an existing link, and OpenExisting checks the name after opening.
const oNoFollow = 0

// oNonBlock is zero where O_NONBLOCK does not exist.
const oNonBlock = 0
