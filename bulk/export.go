package bulk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

// ExportOptions configures [Export].
type ExportOptions struct {
	// InputPath lists the keys: JSON Lines (.jsonl) or CSV (.csv) with a
	// keyId field and an optional name.
	InputPath string
	// OutDir receives one file per key, mode 0600: <keyId>.json for a
	// keystore, <keyId>.hex or <keyId>.wif otherwise.
	OutDir string
	// OutputFormat is keystore (the default), hex or wif. Keystore and
	// WIF are for secp256k1 keys only; other keys fail in those formats and
	// are not exported.
	OutputFormat string
	// Password encrypts keystores. Export does not keep or clear it.
	Password []byte
	// Keystore tunes the keystore KDF (tests use light parameters).
	Keystore keyformat.KeystoreOptions
	// Report receives one JSON line per row.
	Report io.Writer
	// Workers is the number of keys exported at the same time (default 4).
	Workers int
	// Client is the API client.
	Client *dfnskeys.Client
}

// ExportLine is one line of an export report. It never holds a secret.
type ExportLine struct {
	Row       int    `json:"row"`
	KeyID     string `json:"keyId,omitempty"`
	Name      string `json:"name,omitempty"`
	Curve     string `json:"curve,omitempty"`
	PublicKey string `json:"publicKey,omitempty"`
	File      string `json:"file,omitempty"`
	Status    string `json:"status"`
	Error     string `json:"error,omitempty"`
	// FaultySigners names the signers whose export shares were faulty
	// when the key was nevertheless recovered (and matches its public key).
	FaultySigners []string `json:"faultySigners,omitempty"`
}

// Export report statuses.
const (
	StatusExported        = "exported"
	StatusAlreadyExported = "already-exported"
)

// ExportSummary counts the outcome of [Export].
type ExportSummary struct {
	Total, Exported, AlreadyExported, Failed int
	// WithFaultySigners counts exported keys some of whose signers sent
	// faulty shares (see ExportLine.FaultySigners).
	WithFaultySigners int
	Interrupted       bool
}

type exportRow struct {
	Number int
	KeyID  string `json:"keyId"`
	Name   string `json:"name"`
}

// Export exports every key listed in the input and writes each, in the
// format asked, to its own file. A key whose file exists is skipped, so a
// run can be repeated after an interruption; files are written to a
// temporary name, synced and renamed, so an existing file is complete.
// Before exporting a key (after which Dfns stops signing with it), its
// curve is checked against the format.
func Export(ctx context.Context, opts ExportOptions) (*ExportSummary, error) {
	if opts.OutputFormat == "" {
		opts.OutputFormat = "keystore"
	}
	ext := map[string]string{"keystore": ".json", "hex": ".hex", "wif": ".wif"}[opts.OutputFormat]
	if ext == "" {
		return nil, fmt.Errorf("bulk: unknown export format %q: use keystore, hex or wif", opts.OutputFormat)
	}
	if opts.OutputFormat == "keystore" && len(opts.Password) == 0 {
		return nil, errors.New("bulk: keystore export needs a password")
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Client == nil || opts.Report == nil {
		return nil, errors.New("bulk: Export needs a client and a report writer")
	}
	if err := os.MkdirAll(opts.OutDir, 0o700); err != nil {
		return nil, err
	}
	in, err := os.Open(opts.InputPath)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	next, err := exportReader(in, opts.InputPath)
	if err != nil {
		return nil, err
	}

	sum := &ExportSummary{}
	bw := bufio.NewWriter(opts.Report)
	enc := json.NewEncoder(bw)
	var writeErr error
	readNext := func() (exportRow, *ExportLine, error) {
		row, err := next()
		var re *RowError
		if errors.As(err, &re) {
			return row, &ExportLine{Row: re.Number, Status: StatusFailed, Error: re.Err.Error()}, nil
		}
		return row, nil, err
	}
	process := func(row exportRow) ExportLine { return exportOne(context.WithoutCancel(ctx), opts, ext, row) }
	readErr := pipeline(ctx, opts.Workers, readNext, process, func(l ExportLine) {
		if writeErr == nil {
			writeErr = enc.Encode(l)
		}
		sum.Total++
		switch l.Status {
		case StatusExported:
			sum.Exported++
			if len(l.FaultySigners) > 0 {
				sum.WithFaultySigners++
			}
		case StatusAlreadyExported:
			sum.AlreadyExported++
		default:
			sum.Failed++
		}
	})
	if err := bw.Flush(); writeErr == nil {
		writeErr = err
	}
	sum.Interrupted = ctx.Err() != nil
	if readErr != nil {
		return sum, readErr
	}
	return sum, writeErr
}

func exportOne(ctx context.Context, opts ExportOptions, ext string, row exportRow) ExportLine {
	l := ExportLine{Row: row.Number, KeyID: row.KeyID, Name: row.Name}
	fail := func(err error) ExportLine { l.Status, l.Error = StatusFailed, err.Error(); return l }
	if strings.ContainsAny(row.KeyID, `/\`) || strings.HasPrefix(row.KeyID, ".") {
		return fail(fmt.Errorf("keyId %q cannot be a file name", row.KeyID))
	}
	path := filepath.Join(opts.OutDir, row.KeyID+ext)
	l.File = path
	if _, err := os.Lstat(path); err == nil {
		l.Status = StatusAlreadyExported
		return l
	}
	info, err := opts.Client.Keys.Get(ctx, row.KeyID)
	if err != nil {
		return fail(err)
	}
	l.Curve, l.PublicKey = string(info.Curve), info.PublicKey
	if opts.OutputFormat != "hex" && info.Curve != keys.Secp256k1 {
		return fail(fmt.Errorf("format %s is for secp256k1 keys only; this key is %s: export it with format hex (it was not exported)", opts.OutputFormat, info.Curve))
	}
	key, faulty, err := opts.Client.ExportKey(ctx, row.KeyID)
	if err != nil {
		return fail(err)
	}
	defer key.Destroy()
	for _, f := range faulty {
		l.FaultySigners = append(l.FaultySigners, f.String())
	}
	var data []byte
	switch opts.OutputFormat {
	case "hex":
		raw := key.Bytes()
		data = append(hex.AppendEncode(nil, raw), '\n')
		clear(raw)
	case "wif":
		w, err := keyformat.EncodeWIF(key, true, false)
		if err != nil {
			return fail(err)
		}
		data = append(w, '\n')
	case "keystore":
		if data, err = keyformat.EncryptKeystore(key, opts.Password, opts.Keystore); err != nil {
			return fail(err)
		}
	}
	defer clear(data)
	if err := writeFileAtomic(path, data); err != nil {
		return fail(fmt.Errorf("the key was exported but writing %s failed: %w; export it again", path, err))
	}
	l.Status = StatusExported
	return l
}

// writeFileAtomic writes data to a new file at path: a temporary file in
// the same directory, synced, then renamed, so a reader never sees a
// partial file. It refuses to replace an existing file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dfnskeys-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil { // fails if path exists
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s appeared meanwhile; not replaced", path)
		}
		return err
	}
	return syncDir(filepath.Dir(path))
}

func exportReader(r io.Reader, name string) (func() (exportRow, error), error) {
	n := 0
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson":
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), maxLine)
		return func() (exportRow, error) {
			for sc.Scan() {
				line := bytes.TrimSpace(sc.Bytes())
				if len(line) == 0 {
					continue
				}
				n++
				var row exportRow
				dec := json.NewDecoder(bytes.NewReader(line))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&row); err != nil {
					return row, &RowError{n, fmt.Errorf("not a JSON object with the fields keyId and name: %v", err)}
				}
				row.Number = n
				if row.KeyID == "" {
					return row, &RowError{n, errors.New("keyId is required")}
				}
				return row, nil
			}
			if err := sc.Err(); err != nil {
				return exportRow{}, err
			}
			return exportRow{}, io.EOF
		}, nil
	case ".csv":
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		header, err := cr.Read()
		if err != nil {
			return nil, fmt.Errorf("bulk: reading the CSV header: %w", err)
		}
		idCol, nameCol := -1, -1
		for i, h := range header {
			switch strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")) {
			case "keyId":
				idCol = i
			case "name":
				nameCol = i
			default:
				return nil, fmt.Errorf("bulk: unknown CSV column %q: the columns are keyId and name", h)
			}
		}
		if idCol < 0 {
			return nil, errors.New(`bulk: the CSV header has no "keyId" column`)
		}
		return func() (exportRow, error) {
			rec, err := cr.Read()
			if err != nil {
				return exportRow{}, err
			}
			n++
			row := exportRow{Number: n}
			if idCol < len(rec) {
				row.KeyID = strings.TrimSpace(rec[idCol])
			}
			if nameCol >= 0 && nameCol < len(rec) {
				row.Name = strings.TrimSpace(rec[nameCol])
			}
			if row.KeyID == "" {
				return row, &RowError{n, errors.New("keyId is required")}
			}
			return row, nil
		}, nil
	}
	return nil, fmt.Errorf("bulk: input %s: unknown format: use a .jsonl (JSON Lines) or .csv file", name)
}
