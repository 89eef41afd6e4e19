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
	"strings"
)

// Row is one input row: where a key is and how to import it. Only KeyFile
// and Curve are required.
type Row struct {
	// Number is the row's 1-based position among the input's data rows.
	Number int `json:"-"`
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
	// Path is the derivation path for mnemonic keys.
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
}

// RowError is a malformed input row. It is reported for that row; it does
// not stop the run.
type RowError struct {
	// Number is the row's 1-based position.
	Number int
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
	next func() (*Row, error)
	n    int
}

// maxLine bounds one input line.
const maxLine = 1 << 20

// NewReader reads rows from r in the format given by the file name's
// extension: .jsonl or .ndjson for JSON Lines, .csv for CSV (with a header
// row naming the columns).
func NewReader(r io.Reader, name string) (*Reader, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson":
		return newJSONLReader(r), nil
	case ".csv":
		return newCSVReader(r)
	default:
		return nil, fmt.Errorf("input %s: unknown format: use a .jsonl (JSON Lines) or .csv file", name)
	}
}

// Next returns the next row.
func (r *Reader) Next() (*Row, error) { return r.next() }

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
			row := &Row{}
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.DisallowUnknownFields()
			if err := dec.Decode(row); err != nil {
				return nil, &RowError{rd.n, fmt.Errorf("not a JSON object with the fields %s: %v", strings.Join(csvColumns, ", "), err)}
			}
			if dec.More() {
				return nil, &RowError{rd.n, errors.New("more than one JSON value on the line")}
			}
			row.Number = rd.n
			if err := row.validate(); err != nil {
				return nil, &RowError{rd.n, err}
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

var csvColumns = []string{"name", "keyFile", "format", "curve", "protocol", "path", "expectedAddress", "kind", "passwordEnv", "passwordFile"}

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
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		known := false
		for _, c := range csvColumns {
			if strings.EqualFold(h, c) {
				if _, dup := index[c]; dup {
					return nil, fmt.Errorf("CSV column %q appears twice", c)
				}
				index[c], known = i, true
			}
		}
		if !known {
			return nil, fmt.Errorf("unknown CSV column %q: the columns are %s", h, strings.Join(csvColumns, ", "))
		}
	}
	for _, req := range []string{"keyFile", "curve"} {
		if _, ok := index[req]; !ok {
			return nil, fmt.Errorf("the CSV header has no %q column", req)
		}
	}
	rd := &Reader{}
	rd.next = func() (*Row, error) {
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				return nil, io.EOF
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) && !errors.Is(err, csv.ErrFieldCount) {
				rd.n++
				return nil, &RowError{rd.n, fmt.Errorf("malformed CSV: %v", pe.Err)}
			}
			if err != nil {
				return nil, fmt.Errorf("reading the input after row %d: %w", rd.n, err)
			}
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue
			}
			rd.n++
			get := func(col string) string {
				if i, ok := index[col]; ok && i < len(rec) {
					return strings.TrimSpace(rec[i])
				}
				return ""
			}
			if len(rec) > len(header) {
				return nil, &RowError{rd.n, fmt.Errorf("%d fields but the header has %d", len(rec), len(header))}
			}
			row := &Row{Number: rd.n, Name: get("name"), KeyFile: get("keyFile"), Format: get("format"),
				Curve: get("curve"), Protocol: get("protocol"), Path: get("path"), ExpectedAddress: get("expectedAddress"), Kind: get("kind"),
				PasswordEnv: get("passwordEnv"), PasswordFile: get("passwordFile")}
			if err := row.validate(); err != nil {
				return nil, &RowError{rd.n, err}
			}
			return row, nil
		}
	}
	return rd, nil
}

func (r *Row) validate() error {
	switch {
	case r.KeyFile == "":
		return errors.New("keyFile is required")
	case r.Curve == "":
		return errors.New("curve is required")
	case len(r.Name) > 400:
		return errors.New("name is too long")
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
