package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"golang.org/x/term"
)

// Size limits for the files dfnskeys reads. Real inputs are far smaller.
const (
	maxKeyInput      = 4 << 10  // a hex private key, with white space
	maxSecretFile    = 4 << 10  // a saved decryption key
	maxJSONFile      = 16 << 20 // signer lists, export responses
	stdinDisplayName = "standard input"
)

// isTerminal reports whether f is a terminal. Tests replace it.
var isTerminal = func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// readPassword reads one line from the terminal f without echo. Tests
// replace it.
var readPassword = func(f *os.File) ([]byte, error) { return term.ReadPassword(int(f.Fd())) }

// writerIsTerminal reports whether w is an *os.File open on a terminal.
func writerIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}

// readAllLimited reads r to the end into one buffer of max+1 bytes, so that
// a secret is never copied into buffers that are dropped uncleared. The
// caller must clear the result when it is a secret.
func readAllLimited(r io.Reader, max int, what string) ([]byte, error) {
	buf := make([]byte, max+1)
	n, err := io.ReadFull(r, buf)
	switch {
	case err == nil:
		clear(buf)
		return nil, fmt.Errorf("%s is larger than %d bytes", what, max)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return buf[:n], nil
	default:
		clear(buf)
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
}

// readFileLimited reads the named file, which must be at most max bytes.
// When path is not a file and looks like a secret given in place of one
// (a key, a PEM, a token), the message names what, never the value.
func readFileLimited(path string, max int, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil && looksSecret(path) {
		return nil, fmt.Errorf("%s must name a file, but its value is not a file name and looks like a secret (not shown): put the secret in a file readable only by you and give that file's path", what)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	defer f.Close()
	return readAllLimited(f, max, what+" "+path)
}

// readJSONFile decodes the named file into v.
func readJSONFile(path, what string, v any) error {
	b, err := readFileLimited(path, maxJSONFile, what)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s %s is not valid JSON: %w", what, path, err)
	}
	return nil
}

// writeOutput writes data to the named file, created or truncated with
// mode perm, or to stdout when path is empty.
func writeOutput(e *env, path string, data []byte, perm fs.FileMode) error {
	if path == "" {
		_, err := e.stdout.Write(data)
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// refuseExisting fails when path exists, before any work is done; the
// O_EXCL in createExclusive is what actually guarantees no overwrite.
func refuseExisting(path, flagName string) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s %s already exists: dfnskeys never overwrites it; choose another file or remove it first", flagName, path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s %s: %w", flagName, path, err)
	}
	return nil
}

// createExclusive writes data to a new file with mode 0600. It never
// overwrites an existing file, and removes the file when the write fails
// so that no truncated secret is left behind.
func createExclusive(path, flagName string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s %s already exists: dfnskeys never overwrites it; choose another file or remove it first", flagName, path)
	}
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// marshalBody encodes an API request body as indented JSON with a final
// newline.
func marshalBody(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
