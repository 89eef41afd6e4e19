package safefile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
)

// CreateTemp creates a new hidden temporary file beside path, to be
// renamed onto it once complete: ".<name>.tmp-<pid>-<random>", with
// [Create]'s guarantees. First it removes the temporary files for path
// that runs which are no longer running left behind (a process killed
// before it could remove its own, as a second Ctrl-C does): only names of
// exactly this form, whose process ID is no running process, so that a
// concurrent run's file is left alone. Its errors name path, not the
// temporary file: "the directory D does not exist".
func CreateTemp(path string, perm fs.FileMode) (*os.File, error) {
	RemoveStaleTemps(path)
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.tmp-%d-%s", filepath.Base(path), os.Getpid(), hex.EncodeToString(rnd[:])))
	f, err := Create(tmp, perm)
	if err != nil {
		var pe *pathError
		if errors.As(err, &pe) {
			// The same sentence about path, which the user named.
			return nil, &pathError{msg: path + strings.TrimPrefix(pe.msg, tmp), err: pe.err}
		}
		return nil, err
	}
	return f, nil
}

// RemoveStaleTemps removes the temporary files of [CreateTemp] for path
// whose process is no longer running, and returns how many it removed.
func RemoveStaleTemps(path string) int {
	dir, base := filepath.Dir(path), filepath.Base(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	re := regexp.MustCompile(`^\.` + regexp.QuoteMeta(base) + `\.tmp-([0-9]+)-[0-9a-f]{16}$`)
	n := 0
	for _, e := range entries {
		m := re.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			continue
		}
		pid, err := strconv.Atoi(m[1])
		if err != nil || pid == os.Getpid() || processRunning(pid) {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n
}

// ExposedKeyFileWarning returns a warning when the key file f, named
// name, can be read by its group or by others, and "" otherwise (and
// always on Windows, whose permission bits say nothing of the kind).
func ExposedKeyFileWarning(f *os.File, name string) string {
	if runtime.GOOS == "windows" {
		return ""
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o044 == 0 {
		return ""
	}
	return fmt.Sprintf("key file %s can be read by group or others (mode %04o): run chmod go-r %s, and treat the key as exposed if anyone else could log in here", name, fi.Mode().Perm(), name)
}
