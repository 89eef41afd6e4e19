package bulk

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/dfnskeys/dfnskeys/bulk/internal/rows"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxPasswordFile bounds a row's password file.
const maxPasswordFile = 4 << 10

// secretNeeds collects what the input's rows need besides their key files:
// the run-wide keystore password, the run-wide mnemonic passphrase, and the
// variables and files rows name for their own.
type secretNeeds struct {
	passwordRow, passphraseRow int // first row needing each, 0 for none
	requestRow                 int // first requestFile row, 0 for none
	envs                       []envNeed
	files                      []fileNeed
}

type envNeed struct {
	row  int
	name string
}

type fileNeed struct {
	row  int
	path string
}

// maxSecretProblems bounds the problems one error lists.
const maxSecretProblems = 10

func (n *secretNeeds) add(r *rows.Row) {
	if r.RequestFile != "" && n.requestRow == 0 {
		n.requestRow = r.Number
	}
	switch {
	case !r.NeedsSecret():
	case r.PasswordEnv != "":
		if len(n.envs) <= maxSecretProblems {
			n.envs = append(n.envs, envNeed{r.Number, r.PasswordEnv})
		}
	case r.PasswordFile != "":
		if len(n.files) <= maxSecretProblems {
			n.files = append(n.files, fileNeed{r.Number, r.PasswordFile})
		}
	case strings.EqualFold(r.Format, "keystore"):
		if n.passwordRow == 0 {
			n.passwordRow = r.Number
		}
	default:
		if n.passphraseRow == 0 {
			n.passphraseRow = r.Number
		}
	}
}

// check finds every secret the rows need: run-wide ones missing from opts
// are asked from opts.Prompt (the answers are returned for the caller to
// clear) or reported; the variables and files rows name must exist. It
// reports them all at once, before anything is sent. Only the first
// maxSecretProblems rows naming a variable or file are checked here; the
// others are checked as their rows are read.
func (n *secretNeeds) check(opts *ImportOptions, dir string) ([][]byte, error) {
	var problems []string
	var prompted [][]byte
	ask := func(what string, row int, env, hint string) []byte {
		if opts.Prompt != nil {
			b, err := opts.Prompt(what)
			if err == nil {
				if b == nil {
					b = []byte{}
				}
				prompted = append(prompted, b)
				return b
			}
			problems = append(problems, fmt.Sprintf("reading the %s: %v", what, err))
			return nil
		}
		problems = append(problems, fmt.Sprintf("row %d and others like it need a %s: set %s%s, or give such rows a passwordEnv or passwordFile", row, what, env, hint))
		return nil
	}
	if n.passwordRow > 0 && opts.Password == nil {
		opts.Password = ask("keystore password", n.passwordRow, "DFNS_KEY_PASSWORD", "")
	}
	if n.passphraseRow > 0 && opts.Passphrase == nil {
		opts.Passphrase = ask("mnemonic passphrase (empty for none)", n.passphraseRow, "DFNS_MNEMONIC_PASSPHRASE", " (to the empty string if the mnemonics have no passphrase; DFNS_KEY_PASSWORD is for keystores only)")
	}
	for _, e := range n.envs {
		if _, ok := opts.LookupEnv(e.name); !ok {
			problems = append(problems, fmt.Sprintf("row %d: passwordEnv %s is not set", e.row, e.name))
		}
	}
	for _, f := range n.files {
		p := f.path
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if fh, err := os.Open(p); err != nil {
			problems = append(problems, fmt.Sprintf("row %d: passwordFile %s: %v", f.row, f.path, errors.Unwrap(err)))
		} else {
			fh.Close()
		}
	}
	if len(problems) > maxSecretProblems {
		problems = append(problems[:maxSecretProblems], "…")
	}
	if len(problems) > 0 {
		return prompted, fmt.Errorf("missing passwords; nothing was sent: %s", strings.Join(problems, "; "))
	}
	return prompted, nil
}

// rowSecret reads the password or passphrase a row names. The caller must
// clear it.
func rowSecret(row *rows.Row, lookupEnv func(string) (string, bool), dir string) ([]byte, error) {
	if row.PasswordEnv != "" {
		v, ok := lookupEnv(row.PasswordEnv)
		if !ok {
			return nil, fmt.Errorf("passwordEnv %s is not set", row.PasswordEnv)
		}
		return []byte(v), nil
	}
	p := row.PasswordFile
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	fh, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("opening passwordFile %s: %w", row.PasswordFile, errors.Unwrap(err))
	}
	defer fh.Close()
	buf := make([]byte, maxPasswordFile+1)
	n, err := io.ReadFull(fh, buf)
	switch {
	case err == nil:
		clear(buf)
		return nil, fmt.Errorf("passwordFile %s is larger than %d bytes", row.PasswordFile, maxPasswordFile)
	case !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF):
		clear(buf)
		return nil, fmt.Errorf("reading passwordFile %s: %w", row.PasswordFile, err)
	}
	b := buf[:n]
	if bytes.HasSuffix(b, []byte("\r\n")) {
		b = b[:len(b)-2]
	} else if bytes.HasSuffix(b, []byte("\n")) {
		b = b[:len(b)-1]
	}
	clear(buf[len(b):])
	return b, nil
}
