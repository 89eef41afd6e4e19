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

// KeyRow is one row of a bulk-export input: a Dfns key, its name, and the
// public key the row expects it to have ("" when the row has none).
type KeyRow struct {
	Number    int
	KeyID     string
	Name      string
	PublicKey string
}

// reportFields are the fields of a bulk-import report besides keyId and
// name: a bulk-export input ignores them without mentioning them.
var reportFields = map[string]bool{"row": true, "inputRow": true, "path": true, "publicKey": true, "addresses": true,
	"status": true, "error": true, "duplicateOf": true, "proved": true, "proofError": true}

// NewKeyReader streams the rows of a JSON Lines or CSV input. Only keyId,
// name and publicKey are read; other fields and columns are ignored, so that a
// bulk-import report can be the input. ignored returns the names of the
// fields and columns read so far that are neither keyId, name, nor a field
// of a bulk-import report (sorted, at most 20 then "…").
func NewKeyReader(r io.Reader, name string) (next func() (KeyRow, error), ignoredFields func() []string, err error) {
	var skipped ignored
	note := func(field string) {
		if field != "keyId" && field != "name" && field != "publicKey" && !reportFields[field] {
			skipped.add(field)
		}
	}
	next, err = newKeyReader(r, name, note)
	return next, skipped.list, err
}

func newKeyReader(r io.Reader, name string, note func(string)) (func() (KeyRow, error), error) {
	n := 0
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson":
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), maxLine)
		return func() (KeyRow, error) {
			for sc.Scan() {
				line := bytes.TrimSpace(sc.Bytes())
				if len(line) == 0 {
					continue
				}
				n++
				var fields struct {
					KeyID     *string `json:"keyId"`
					Name      *string `json:"name"`
					PublicKey *string `json:"publicKey"`
				}
				if err := json.Unmarshal(line, &fields); err != nil {
					return KeyRow{Number: n}, &RowError{n, n, errors.New("not a JSON object with a keyId field")}
				}
				var all map[string]json.RawMessage
				if json.Unmarshal(line, &all) == nil {
					for f := range all {
						note(f)
					}
				}
				row := KeyRow{Number: n}
				if fields.KeyID != nil {
					row.KeyID = strings.TrimSpace(*fields.KeyID)
				}
				if fields.Name != nil {
					row.Name = *fields.Name
				}
				if fields.PublicKey != nil {
					row.PublicKey = strings.TrimSpace(*fields.PublicKey)
				}
				if row.KeyID == "" {
					return row, &RowError{n, n, errors.New("keyId is missing or empty (in a bulk-import report: the row was not imported)")}
				}
				return row, nil
			}
			if err := sc.Err(); err != nil {
				return KeyRow{}, fmt.Errorf("reading the input after row %d: %w", n, err)
			}
			return KeyRow{}, io.EOF
		}, nil
	case ".csv":
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		header, err := cr.Read()
		if err != nil {
			return nil, fmt.Errorf("reading the CSV header: %w", err)
		}
		idCol, nameCol, pubCol := -1, -1, -1
		for i, h := range header {
			switch h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")); h {
			case "keyId":
				idCol = i
			case "name":
				nameCol = i
			case "publicKey":
				pubCol = i
			case "":
			default:
				note(h)
			}
		}
		if idCol < 0 {
			return nil, errors.New(`bulk: the CSV header has no "keyId" column`)
		}
		return func() (KeyRow, error) {
			for {
				rec, err := cr.Read()
				if err == io.EOF {
					return KeyRow{}, io.EOF
				}
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					n++
					return KeyRow{Number: n}, &RowError{n, n, fmt.Errorf("malformed CSV: %v", pe.Err)}
				}
				if err != nil {
					return KeyRow{}, fmt.Errorf("reading the input after row %d: %w", n, err)
				}
				if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
					continue
				}
				n++
				row := KeyRow{Number: n}
				if idCol < len(rec) {
					row.KeyID = strings.TrimSpace(rec[idCol])
				}
				if nameCol >= 0 && nameCol < len(rec) {
					row.Name = strings.TrimSpace(rec[nameCol])
				}
				if pubCol >= 0 && pubCol < len(rec) {
					row.PublicKey = strings.TrimSpace(rec[pubCol])
				}
				if row.KeyID == "" {
					return row, &RowError{n, n, errors.New("keyId is missing or empty")}
				}
				return row, nil
			}
		}, nil
	}
	return nil, fmt.Errorf("input %s: unknown format: use a .jsonl (JSON Lines) or .csv file, or name its format (csv or jsonl)", name)
}
