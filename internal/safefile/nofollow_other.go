//go:build !unix

package safefile

// oNoFollow is zero where O_NOFOLLOW does not exist; O_EXCL still refuses
// an existing link.
const oNoFollow = 0
