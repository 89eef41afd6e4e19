//go:build unix

package journal

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// A second run reading the sidecar to name the holder does not follow a
// link either: one pointing at a FIFO would hang it, at /dev/zero would
// exhaust its memory.
func TestJournalPidReadNotFollowed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "j")
	j, err := Open(path, [32]byte{1})
	require.NoError(t, err)
	defer j.Close()
	other := filepath.Join(dir, "other")
	require.NoError(t, os.WriteFile(other, []byte("4242 forged-host\n"), 0o600))
	require.NoError(t, os.Remove(path+".pid"))
	symlinkOrSkip(t, other, path+".pid")
	_, err = Open(path, [32]byte{1})
	require.ErrorContains(t, err, "is in use by another process:", "the holder was read through a link")

	require.NoError(t, os.Remove(path+".pid"))
	require.NoError(t, syscall.Mkfifo(path+".pid", 0o600))
	_, err = Open(path, [32]byte{1})
	require.ErrorContains(t, err, "is in use by another process:", "a FIFO as the sidecar")
}

// A journal path that is not a regular file is refused, not opened.
func TestJournalNotRegularRefused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	_, err := Open(path, [32]byte{1})
	require.ErrorContains(t, err, path+" is not a regular file")
}
