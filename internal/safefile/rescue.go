package safefile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// RescueName is the one name of the file a secret goes to when it cannot
// be saved where asked: dfnskeys-rescued-ID-TIME EXT, with ID reduced to
// letters, digits, '-' and '_' (at most 80) and TIME the UTC time to the
// nanosecond, so that two rescues never take the same name.
func RescueName(id, ext string) string {
	id = strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, id)
	if len(id) > 80 {
		id = id[:80]
	}
	return fmt.Sprintf("dfnskeys-rescued-%s-%s%s", id, time.Now().UTC().Format("20060102T150405.000000000Z"), ext)
}

// Rescue saves data, a secret that could not be written where it
// belongs, to a new file named [RescueName](id, ext), mode 0600, synced,
// in the first directory that takes it: near (the directory it was meant
// for, when not empty), the working directory, the home directory, the
// temporary directory. It returns the path, or an error naming every path
// tried.
func Rescue(data []byte, id, ext, near string) (string, error) {
	var dirs []string
	if near != "" {
		dirs = append(dirs, near)
	}
	dirs = append(dirs, ".")
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, home)
	}
	dirs = append(dirs, os.TempDir())
	name := RescueName(id, ext)
	var tried []string
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if err := WriteNew(p, data, 0o600); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("saving it to %s failed too", strings.Join(tried, ", "))
}

// WriteNew creates path as a new file (see [Create]), writes data, syncs
// and closes it; on any failure the file is removed.
func WriteNew(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	return Finish(path, f, data)
}

// Finish writes data to f, just created at path, syncs and closes it; on
// failure it removes path if it is still f.
func Finish(path string, f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		RemoveIfSame(path, f)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}
