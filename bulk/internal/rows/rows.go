// Package rows reads the rows of a bulk-import input, JSON Lines or CSV.
package rows

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dfnskeys/dfnskeys/internal/secretish"
)

// Row is one input row: where a key is and how to import it. Only KeyFile
// and Curve are required.
type Row struct {
	// Number is the row's 1-based position among the input's logical
	// rows: a row whose path holds a range counts as one row per account.
	Number int `json:"-"`
	// Source is the 1-based position of the row among the input's data
	// rows (lines of JSON Lines, records of CSV after the header).
	Source int `json:"-"`
	// Name is the Dfns key name.
	Name string `json:"name"`
	// KeyFile is the path of the file that holds the key, relative to the
	// input file's directory unless absolute.
	KeyFile string `json:"keyFile"`
	// Format is the key file's format (hex when empty); see package keyformat.
	Format string `json:"format"`
	// Curve is secp256k1, stark or ed25519.
	Curve string `json:"curve"`
	// Protocol defaults to the curve's default protocol.
	Protocol string `json:"protocol"`
	// Path is the derivation path for mnemonic and xprv keys. One step may
	// be an inclusive range, such as m/44'/60'/0'/0/0-9 or
	// m/44'/501'/0-4'/0' (hardened): the row then stands for one row per
	// account, numbered in order (see [NewReader]).
	Path string `json:"path"`
	// ExpectedAddress, when set, must be one of the key's addresses.
	// Recommended for mnemonic rows: a wrong passphrase or path derives
	// another valid key, and only the address tells.
	ExpectedAddress string `json:"expectedAddress"`
	// Kind says what an ed25519 key in hex or raw form is: "seed" (an RFC
	// 8032 seed, the default) or "scalar" (a big-endian signing scalar, as
	// Dfns exports it). Files in format json say it themselves.
	Kind string `json:"kind"`
	// PasswordEnv names the environment variable holding this row's
	// keystore password or mnemonic passphrase (never the secret itself).
	PasswordEnv string `json:"passwordEnv"`
	// PasswordFile is the file holding this row's keystore password or
	// mnemonic passphrase (one trailing newline is ignored), relative to
	// the input's directory unless absolute.
	PasswordFile string `json:"passwordFile"`
	// RequestFile, instead of KeyFile, is an import request document
	// made offline (bulk-split), relative to the input's directory
	// unless absolute: the row sends it, and no key is read.
	RequestFile string `json:"requestFile"`
}

// RowError is a malformed input row. It is reported for that row; it does
// not stop the run.
type RowError struct {
	// Number is the row's 1-based logical position (a malformed row is
	// one logical row).
	Number int
	// Source is the row's 1-based position among the input's data rows.
	Source int
	// Err says what is wrong.
	Err error
}

func (e *RowError) Error() string { return fmt.Sprintf("row %d: %v", e.Number, e.Err) }

// Unwrap returns the reason.
func (e *RowError) Unwrap() error { return e.Err }

// Reader streams rows from JSON Lines or CSV: memory does not grow with the
// number of rows. Next returns io.EOF at the end, a *RowError for a row that
// is malformed (the next call continues with the following row), and any
// other error for input that cannot be read further.
type Reader struct {
	next    func() (*Row, error)
	n       int    // logical rows so far
	src     int    // data rows so far
	queue   []*Row // the accounts of a range row not returned yet
	ignored ignored
}

// maxLine bounds one input line.
const maxLine = 1 << 20

// NewReader reads rows from r in the format given by the file name's
// extension: .jsonl or .ndjson for JSON Lines, .csv for CSV (with a header
// row naming the columns).
//
// Fields and columns that are not row fields are ignored (see
// [Reader.Ignored]), except a name within one edit (for names of five
// letters or fewer) or two edits of a field's, which is taken for a
// misspelling: such a JSON Lines row is a *RowError "unknown field X: did
// you mean Y?", and such a CSV header an error for the whole input.
//
// A row whose path holds a range (format mnemonic or xprv, at most
// [MaxRange] accounts, no expectedAddress) is returned as one row per
// account, in order, each with the account's path and its name suffixed
// with "-" and the account's index. Numbers count these logical rows, so a
// given input always numbers its rows the same way.
func NewReader(r io.Reader, name string) (*Reader, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson":
		return newJSONLReader(r), nil
	case ".csv":
		return newCSVReader(r)
	default:
		return nil, fmt.Errorf("input %s: unknown format: use a .jsonl (JSON Lines) or .csv file, or name its format (csv or jsonl)", name)
	}
}

// Next returns the next row.
func (r *Reader) Next() (*Row, error) {
	if len(r.queue) > 0 {
		row := r.queue[0]
		r.queue[0] = nil
		r.queue = r.queue[1:]
		return row, nil
	}
	row, err := r.next()
	if err != nil {
		return nil, err
	}
	rows, err := expand(row, r.n)
	if err != nil {
		return nil, &RowError{r.n, r.src, err}
	}
	r.n += len(rows) - 1
	r.queue = rows[1:]
	return rows[0], nil
}

// Ignored returns the names of the unknown fields or columns read so far,
// sorted (at most 20, then "…").
func (r *Reader) Ignored() []string { return r.ignored.list() }

func newJSONLReader(in io.Reader) *Reader {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	rd := &Reader{}
	rd.next = func() (*Row, error) {
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue // blank lines are not rows
			}
			rd.n++
			rd.src++
			row := &Row{}
			dec := json.NewDecoder(bytes.NewReader(line))
			if err := dec.Decode(row); err != nil {
				return nil, &RowError{rd.n, rd.src, fmt.Errorf("not a JSON object with the fields %s: %v", strings.Join(csvColumns, ", "), err)}
			}
			if dec.More() {
				return nil, &RowError{rd.n, rd.src, errors.New("more than one JSON value on the line")}
			}
			if err := rd.checkFields(line); err != nil {
				return nil, &RowError{rd.n, rd.src, err}
			}
			row.Number, row.Source = rd.n, rd.src
			if err := row.validate(); err != nil {
				return nil, &RowError{rd.n, rd.src, err}
			}
			return row, nil
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("reading the input after row %d: %w", rd.n, err)
		}
		return nil, io.EOF
	}
	return rd
}

// checkFields notes the unknown fields of a JSON object that decoded as a
// row, and refuses one that looks like a misspelt field.
func (rd *Reader) checkFields(line []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return fmt.Errorf("not a JSON object with the fields %s: %v", strings.Join(csvColumns, ", "), err)
	}
	var unknown []string
	for name := range fields {
		known, suggest := fieldName(name)
		switch {
		case known != "":
		case suggest != "":
			unknown = append(unknown, fmt.Sprintf("unknown field %s: did you mean %q?", fieldText(name), suggest))
		default:
			rd.ignored.add(name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown) // the same message for the same row, every run
		return errors.New(strings.Join(unknown, "; "))
	}
	return nil
}

var csvColumns = []string{"name", "keyFile", "format", "curve", "protocol", "path", "expectedAddress", "kind", "passwordEnv", "passwordFile", "requestFile"}

func newCSVReader(in io.Reader) (*Reader, error) {
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the CSV header: %w", err)
	}
	index := map[string]int{}
	rd := &Reader{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		c, suggest := fieldName(h)
		switch {
		case c != "":
			if _, dup := index[c]; dup {
				return nil, fmt.Errorf("CSV column %q appears twice", c)
			}
			index[c] = i
		case suggest != "":
			return nil, fmt.Errorf("unknown CSV column %s: did you mean %q? (the columns are %s; others are ignored)", fieldText(h), suggest, strings.Join(csvColumns, ", "))
		case h != "":
			rd.ignored.add(h)
		}
	}
	_, hasRequest := index["requestFile"]
	for _, req := range []string{"keyFile", "curve"} {
		if _, ok := index[req]; !ok && !(req == "keyFile" && hasRequest) {
			return nil, fmt.Errorf("the CSV header has no %q column", req)
		}
	}
	rd.next = func() (*Row, error) {
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				return nil, io.EOF
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) && !errors.Is(err, csv.ErrFieldCount) {
				rd.n++
				rd.src++
				return nil, &RowError{rd.n, rd.src, fmt.Errorf("malformed CSV: %v", pe.Err)}
			}
			if err != nil {
				return nil, fmt.Errorf("reading the input after row %d: %w", rd.n, err)
			}
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue
			}
			rd.n++
			rd.src++
			get := func(col string) string {
				if i, ok := index[col]; ok && i < len(rec) {
					return strings.TrimSpace(rec[i])
				}
				return ""
			}
			if len(rec) > len(header) {
				return nil, &RowError{rd.n, rd.src, fmt.Errorf("%d fields but the header has %d", len(rec), len(header))}
			}
			row := &Row{Number: rd.n, Source: rd.src, Name: get("name"), KeyFile: get("keyFile"), Format: get("format"),
				Curve: get("curve"), Protocol: get("protocol"), Path: get("path"), ExpectedAddress: get("expectedAddress"), Kind: get("kind"),
				PasswordEnv: get("passwordEnv"), PasswordFile: get("passwordFile"), RequestFile: get("requestFile")}
			if err := row.validate(); err != nil {
				return nil, &RowError{rd.n, rd.src, err}
			}
			return row, nil
		}
	}
	return rd, nil
}

func (r *Row) validate() error {
	if r.RequestFile != "" {
		return r.validateRequest()
	}
	switch {
	case r.KeyFile == "":
		return errors.New("keyFile is required")
	case secretish.Looks(r.KeyFile):
		return errors.New("keyFile looks like a secret, not a file name (not shown): put the key in a file readable only by you and give that file's path")
	case secretish.Looks(r.PasswordFile):
		return errors.New("passwordFile looks like a secret, not a file name (not shown): put the password in a file readable only by you and give that file's path")
	case r.Curve == "":
		return errors.New("curve is required")
	case len(r.Name) > 400:
		return errors.New("name is too long")
	case secretish.Looks(r.Name):
		return errors.New("name looks like a secret, not a key name (not shown): Dfns stores a key's name and shows it to everyone who can list keys; give a short descriptive name")
	case r.PasswordEnv != "" && r.PasswordFile != "":
		return errors.New("passwordEnv and passwordFile are both set: give one")
	case r.PasswordEnv != "" && !isEnvName(r.PasswordEnv):
		return errors.New("passwordEnv is not an environment variable name (letters, digits and _): it names the variable that holds the password, never the password itself")
	case (r.PasswordEnv != "" || r.PasswordFile != "") && !r.NeedsSecret():
		return errors.New("passwordEnv and passwordFile are only for keystore and mnemonic rows")
	}
	switch r.Kind {
	case "", "seed":
	case "scalar":
		if !strings.EqualFold(r.Curve, "ed25519") {
			return fmt.Errorf("kind scalar is only for ed25519 keys, not %s", r.Curve)
		}
		if f := strings.ToLower(r.Format); f != "" && f != "hex" && f != "raw" {
			return fmt.Errorf("kind scalar is only for format hex or raw, not %s", r.Format)
		}
	default:
		return fmt.Errorf("kind %q is invalid: use seed or scalar (for an ed25519 key in hex or raw)", r.Kind)
	}
	return nil
}

// validateRequest checks a row that sends an import request document.
func (r *Row) validateRequest() error {
	switch {
	case r.KeyFile != "" || r.Format != "" || r.Path != "" || r.Kind != "" || r.PasswordEnv != "" || r.PasswordFile != "":
		return errors.New("a requestFile row sends an import request made offline and reads no key: it takes only name, curve, protocol and expectedAddress besides requestFile")
	case secretish.Looks(r.RequestFile):
		return errors.New("requestFile looks like a secret, not a file name (not shown)")
	case r.Curve == "":
		return errors.New("curve is required")
	case len(r.Name) > 400:
		return errors.New("name is too long")
	}
	return nil
}

// NeedsSecret reports whether the row's format takes a password (keystore)
// or passphrase (mnemonic).
func (r *Row) NeedsSecret() bool {
	return strings.EqualFold(r.Format, "keystore") || strings.EqualFold(r.Format, "mnemonic")
}

func isEnvName(s string) bool {
	if s == "" || len(s) > 255 || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Fields returns the names of a row's fields, as the input spells them.
func Fields() []string { return append([]string{}, csvColumns...) }
