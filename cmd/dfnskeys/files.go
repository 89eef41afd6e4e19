package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"golang.org/x/term"

	"github.com/dfnskeys/dfnskeys/internal/safefile"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
)

// Size limits for the files dfnskeys reads. Real inputs are far smaller.
const (
	maxSecretFile    = 4 << 10  // a saved decryption key
	maxJSONFile      = 16 << 20 // signer lists, export responses
	stdinDisplayName = "standard input"
)

// isTerminal reports whether f is a terminal. Tests replace it.
var isTerminal = func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// readPassword reads one line from the terminal f without echo. Tests
// replace it.
var readPassword = func(f *os.File) ([]byte, error) { return term.ReadPassword(int(f.Fd())) }

// terminalIn is standard input when it is a terminal, else nil.
func terminalIn(e *env) *os.File {
	if f, ok := e.stdin.(*os.File); ok && isTerminal(f) {
		return f
	}
	return nil
}

// ask prints prompt and reads a line typed on the terminal in, without
// echo.
func ask(e *env, in *os.File, prompt string) ([]byte, error) {
	fmt.Fprint(e.stderr, prompt)
	b, err := readPassword(in)
	fmt.Fprintln(e.stderr)
	return b, err
}

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

// outFile is a file a command writes, created before the work that
// produces its content, so that a destination that cannot be written is
// found first. It is always a new file, never reached through a symbolic
// link.
type outFile struct {
	path, flag string
	f          *os.File
	done       bool
}

// createOut creates path, named by flag flagName, with mode perm (less the
// umask). Its errors name the flag and say what is wrong.
func createOut(path, flagName string, perm fs.FileMode) (*outFile, error) {
	f, err := safefile.Create(path, perm)
	if err != nil {
		return nil, fmt.Errorf("%s %w", flagName, err)
	}
	return &outFile{path: path, flag: flagName, f: f}, nil
}

// write writes data, syncs and closes the file. On failure the file is
// removed, so that no truncated copy is left behind.
func (o *outFile) write(data []byte) error {
	o.done = true
	if err := safefile.Finish(o.path, o.f, data); err != nil {
		return fmt.Errorf("writing %s %s: %w", o.flag, o.path, err)
	}
	return nil
}

// discard removes the file unless it was written. It is safe to defer.
func (o *outFile) discard() {
	if o != nil && !o.done {
		o.done = true
		safefile.RemoveIfSame(o.path, o.f)
	}
}

// refuseInput fails when --out names one of the command's input files
// (by name, or as the same file under another name). An existing --out is
// refused anyway; this says why.
func refuseInput(out string, inputs ...string) error {
	for i := 0; i+1 < len(inputs); i += 2 {
		if safefile.Same(out, inputs[i+1]) {
			return usagef("--out %s is the %s file: choose another --out", out, inputs[i])
		}
	}
	return nil
}

// openSecretOut is where a command writes a private key: a new 0600 file
// (--out), or standard output when that is not a terminal. It checks the
// destination, and creates the file, before any secret exists; the
// library's SecretFile saves the key and rescues it when it cannot be
// written there.
func openSecretOut(e *env, path string) (*safefile.SecretFile, error) {
	if path == "" {
		if writerIsTerminal(e.stdout) {
			return nil, errors.New("refusing to print a private key to a terminal: use --out FILE, or redirect standard output to a file or a pipe")
		}
		return safefile.SecretTo(e.stdout, "standard output"), nil
	}
	f, err := safefile.CreateSecret(path, "")
	if err != nil {
		return nil, fmt.Errorf("--out %w", err)
	}
	return f, nil
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

func printJSON(e *env, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	// Text from the API inside strings (IDs, names) is written with \u
	// escapes where it holds invisible characters: the same JSON, which
	// cannot drive the terminal (docs/threat-model.md §3).
	_, err = e.stdout.Write(safetext.JSON(append(b, '\n')))
	return err
}

// createOptional is createOut for an optional flag: nil when path is "",
// for a command that then writes to standard output.
func createOptional(path, flagName string, perm fs.FileMode) (*outFile, error) {
	if path == "" {
		return nil, nil
	}
	return createOut(path, flagName, perm)
}

// emit writes v as indented JSON to the file, or to standard output when
// there is none (a nil *outFile); what names it in errors.
func (o *outFile) emit(e *env, v any, what string) error {
	body, err := marshalBody(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", what, err)
	}
	if o != nil {
		err = o.write(body)
	} else {
		_, err = e.stdout.Write(body)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	return nil
}
