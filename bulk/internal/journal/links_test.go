package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/internal/safefile"
)

func symlinkOrSkip(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		if runtime.GOOS == "windows" {
			t.Skip("symbolic links need privileges here:", err)
		}
		t.Fatal(err)
	}
}

// A symbolic link planted at the sidecar's name is replaced by the
// sidecar, never written through: the file it points to is untouched
// (docs/threat-model.md §6). os.WriteFile followed it.
func TestJournalPidSymlinkNotFollowed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "j")
	victim := filepath.Join(dir, "victim")
	require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o600))
	symlinkOrSkip(t, victim, path+".pid")
	dangling := filepath.Join(dir, "nowhere")
	symlinkOrSkip(t, dangling, filepath.Join(dir, "k.pid"))

	j, err := Open(path, [32]byte{1})
	require.NoError(t, err)
	b, err := os.ReadFile(victim)
	require.NoError(t, err)
	require.Equal(t, "precious", string(b), "the link's target was written")
	fi, err := os.Lstat(path + ".pid")
	require.NoError(t, err)
	require.True(t, fi.Mode().IsRegular(), "the sidecar is a file of its own, mode %v", fi.Mode())
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	host, _ := os.Hostname()
	b, err = os.ReadFile(path + ".pid")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d %s\n", os.Getpid(), host), string(b))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 4, "no temporary file left: %v", entries) // j, j.pid, victim, k.pid
	require.NoError(t, j.Close())
	require.NoFileExists(t, path+".pid")
	b, err = os.ReadFile(victim)
	require.NoError(t, err)
	require.Equal(t, "precious", string(b), "Close removed or changed the link's target")

	k, err := Open(filepath.Join(dir, "k"), [32]byte{1})
	require.NoError(t, err)
	require.NoError(t, k.Close())
	_, err = os.Lstat(dangling)
	require.ErrorIs(t, err, os.ErrNotExist, "a dangling link at the sidecar's name was followed")
}

// An existing journal is never reopened through a symbolic link: the
// link is refused with a message that says so and what to do, and the
// file it points to is left as it was. os.OpenFile followed it.
func TestJournalSymlinkRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	j, err := Open(real, [32]byte{1})
	require.NoError(t, err)
	require.NoError(t, j.Close())
	before, err := os.ReadFile(real)
	require.NoError(t, err)

	victim := filepath.Join(dir, "victim")
	require.NoError(t, os.WriteFile(victim, nil, 0o600)) // empty: would be taken as a new journal
	for name, target := range map[string]string{"to a journal": real, "to an empty file": victim, "dangling": filepath.Join(dir, "nowhere")} {
		link := filepath.Join(dir, "link-"+name)
		symlinkOrSkip(t, target, link)
		_, err := Open(link, [32]byte{1})
		require.Error(t, err, name)
		require.ErrorIs(t, err, safefile.ErrSymlink, name)
		require.EqualError(t, err, "opening the journal: "+link+" is a symbolic link: dfnskeys does not open its files through a link (whoever can write the directory could point it at another file); give the path of the file itself", name)
		require.NoFileExists(t, link+".pid", name)
	}
	after, err := os.ReadFile(real)
	require.NoError(t, err)
	require.Equal(t, before, after)
	b, err := os.ReadFile(victim)
	require.NoError(t, err)
	require.Empty(t, b, "the empty file a link named was written")
	_, err = os.Lstat(filepath.Join(dir, "nowhere"))
	require.True(t, errors.Is(err, os.ErrNotExist), "the dangling link's target was created")

	// Through the real path, the journal opens.
	j, err = Open(real, [32]byte{1})
	require.NoError(t, err)
	require.NoError(t, j.Close())
}
