//go:build unix

package safefile

import (
	"errors"
	"syscall"
)

// processRunning reports whether a process with this ID exists (one of
// another user's counts: its file is left alone).
func processRunning(pid int) bool {
	if pid <= 0 {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
