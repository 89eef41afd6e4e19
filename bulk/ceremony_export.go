package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/bulk/internal/rows"
	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/safefile"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

// The bulk export of the air-gapped ceremony (docs/threat-model.md §10)
// is three steps over one input listing the keys (keyId, name, publicKey,
// as for [Export]; a bulk-import report will do), each resumable: rerun
// after a failure, an interrupt or a kill, it does what is left.
//
//   - [MakeExportRequests], offline: for each key, a one-time decryption
//     key in KeyDir (mode 0600, never leaves the machine) and an export
//     request document in CarryDir.
//   - [SendExportRequests], online: sends each request and saves the
//     answer, still encrypted, as an export response document in
//     CarryDir. It cannot decrypt anything.
//   - [RecoverExports], offline: decrypts each answer with its decryption
//     key, checks the key against the row's publicKey (required: the
//     online side is not trusted to say which key it exported) and writes
//     it as an export document in KeyDir.
//
// Files are written whole or not at all and never overwritten.

// CeremonyExportOptions configures [MakeExportRequests],
// [SendExportRequests] and [RecoverExports].
type CeremonyExportOptions struct {
	// InputPath lists the keys, as for [ExportOptions.InputPath].
	InputPath string
	// CarryDir holds what is carried between the machines:
	// KEY_ID.export-request.json and KEY_ID.export-response.json. It
	// holds no secret.
	CarryDir string
	// KeyDir, offline only, holds the decryption keys (KEY_ID.dk) and
	// the recovered keys (KEY_ID.json, export documents). Group and
	// others must not be able to write it.
	KeyDir string
	// Report receives one line per row.
	Report io.Writer
	// Client is the API client, for SendExportRequests only.
	Client *dfnskeys.Client
	// Workers is the number of rows processed at the same time (default 4).
	Workers int
}

const (
	requestSuffix  = ".export-request.json"
	responseSuffix = ".export-response.json"
	dkSuffix       = ".dk"
)

// Statuses of the ceremony's bulk export steps: a request made, an
// answer saved (still encrypted), a key recovered, and a row an earlier
// run of the step did (its file is kept; counted in
// ExportSummary.AlreadyExported).
const (
	statusRequested = "requested"
	statusAnswered  = "answered"
	statusRecovered = "recovered"
	statusKept      = "kept"
)

// MakeExportRequests makes, offline, the export request of every row
// (see [CeremonyExportOptions]). A row whose request exists is kept.
func MakeExportRequests(ctx context.Context, opts CeremonyExportOptions) (*ExportSummary, error) {
	if err := prepareDirs(opts, true); err != nil {
		return nil, err
	}
	return ceremonyRows(ctx, opts, func(row rows.KeyRow, l ExportLine) ExportLine {
		dkPath := filepath.Join(opts.KeyDir, row.KeyID+dkSuffix)
		reqPath := filepath.Join(opts.CarryDir, row.KeyID+requestSuffix)
		if _, err := os.Lstat(reqPath); err == nil {
			if _, err := os.Lstat(dkPath); err != nil {
				return failLine(l, fmt.Errorf("%s exists but its decryption key %s does not: an answer to it could never be read; remove the request and rerun", reqPath, dkPath))
			}
			l.Status, l.File = statusKept, reqPath
			return l
		}
		// The decryption key first, as export-request saves it: a request
		// whose key is lost would export the key to nobody. A key left by
		// a killed run is used again.
		dk, err := readDecryptionKey(dkPath)
		if errors.Is(err, os.ErrNotExist) {
			if dk, err = encryption.GenerateDecryptionKey(); err == nil {
				text := append(dk.MarshalBinaryText(), '\n')
				err = writeWhole(dkPath, text, 0o600)
				clear(text)
			}
		}
		if err != nil {
			return failLine(l, err)
		}
		ec := keys.NewExportContextFromDecryptionKey(dk)
		defer ec.Destroy()
		doc, err := json.MarshalIndent(&dfnskeys.ExportRequestDocument{KeyID: row.KeyID, Request: ec.Request()}, "", "  ")
		if err == nil {
			err = writeWhole(reqPath, append(doc, '\n'), 0o644)
		}
		if err != nil {
			return failLine(l, err)
		}
		l.Status, l.File = statusRequested, reqPath
		return l
	})
}

// SendExportRequests sends, online, the export request of every row and
// saves each answer, still encrypted (see [CeremonyExportOptions]). A row
// with a publicKey is refused before sending when Dfns reports another
// key. A row whose answer exists is not sent again; a run killed after
// sending and before saving sends the same request again on the rerun
// (Dfns has already marked the key exported).
func SendExportRequests(ctx context.Context, opts CeremonyExportOptions) (*ExportSummary, error) {
	if opts.Client == nil {
		return nil, errors.New("SendExportRequests needs a client")
	}
	if err := prepareDirs(opts, false); err != nil {
		return nil, err
	}
	return ceremonyRows(ctx, opts, func(row rows.KeyRow, l ExportLine) ExportLine {
		respPath := filepath.Join(opts.CarryDir, row.KeyID+responseSuffix)
		if _, err := os.Lstat(respPath); err == nil {
			l.Status, l.File = statusKept, respPath
			return l
		}
		var req dfnskeys.ExportRequestDocument
		if err := readDoc(filepath.Join(opts.CarryDir, row.KeyID+requestSuffix), &req); err != nil {
			return failLine(l, fmt.Errorf("%w; nothing was exported", err))
		}
		if req.KeyID != row.KeyID {
			return failLine(l, fmt.Errorf("the export request is for key %q, not this row's: nothing was exported", req.KeyID))
		}
		var expect keys.Expectation
		if row.PublicKey != "" {
			var err error
			if expect, err = keys.ParseExpectedPublicKey(row.PublicKey); err != nil {
				return failLine(l, fmt.Errorf("the row's publicKey: %w; nothing was exported", err))
			}
		}
		// Once sent, seen through: the caller's interrupt does not drop
		// an answer Dfns has given.
		sctx := context.WithoutCancel(ctx)
		plan, err := opts.Client.PlanExport(sctx, row.KeyID, dfnskeys.ExportOptions{Expect: expect})
		if err != nil {
			return failLine(l, err)
		}
		l.Curve, l.PublicKey = string(plan.Key.Curve), plan.Key.PublicKey
		resp, err := opts.Client.SendExportRequest(sctx, plan, &req)
		if err != nil {
			return failLine(l, err)
		}
		doc, err := json.MarshalIndent(resp, "", "  ")
		if err == nil {
			err = writeWhole(respPath, append(doc, '\n'), 0o644)
		}
		if err != nil {
			if p, rerr := safefile.Rescue(doc, row.KeyID, responseSuffix, ""); rerr == nil {
				return failLine(l, fmt.Errorf("the key was exported, but writing %s failed (%v): the answer was saved instead to %s; move it into %s", respPath, err, p, opts.CarryDir))
			}
			return failLine(l, fmt.Errorf("the key was exported, but writing %s failed (%v), and so did saving it elsewhere: rerun to export it again with the same request", respPath, err))
		}
		l.Status, l.File = statusAnswered, respPath
		return l
	})
}

// RecoverExports recovers, offline, the key of every row from its answer
// and decryption key, checked against the row's publicKey, which is
// required (see [CeremonyExportOptions]). A key that is not the row's is
// discarded and its row fails. A row whose key file exists is kept.
func RecoverExports(ctx context.Context, opts CeremonyExportOptions) (*ExportSummary, error) {
	if err := prepareDirs(opts, true); err != nil {
		return nil, err
	}
	return ceremonyRows(ctx, opts, func(row rows.KeyRow, l ExportLine) ExportLine {
		out := filepath.Join(opts.KeyDir, row.KeyID+".json")
		if _, err := os.Lstat(out); err == nil {
			l.Status, l.File = statusKept, out
			return l
		}
		if row.PublicKey == "" {
			return failLine(l, errors.New("the row has no publicKey: an answer is recovered only against the key you know (see docs/threat-model.md §2)"))
		}
		expect, err := keys.ParseExpectedPublicKey(row.PublicKey)
		if err != nil {
			return failLine(l, fmt.Errorf("the row's publicKey: %w", err))
		}
		var resp dfnskeys.ExportResponseDocument
		if err := readDoc(filepath.Join(opts.CarryDir, row.KeyID+responseSuffix), &resp); err != nil {
			return failLine(l, err)
		}
		if resp.KeyID != row.KeyID {
			return failLine(l, fmt.Errorf("the export response is for key %q, not this row's", resp.KeyID))
		}
		dk, err := readDecryptionKey(filepath.Join(opts.KeyDir, row.KeyID+dkSuffix))
		if err != nil {
			return failLine(l, err)
		}
		ec := keys.NewExportContextFromDecryptionKey(dk)
		defer ec.Destroy()
		key, faulty, err := ec.Recover(ctx, resp.Response, keys.RecoverOptions{Expect: expect})
		if err != nil {
			return failLine(l, err)
		}
		defer key.Destroy()
		for _, f := range faulty {
			l.FaultySigners = append(l.FaultySigners, f.String())
		}
		data, err := keyformat.Encode(keyformat.JSON, key, keyformat.EncodeOptions{KeyID: row.KeyID})
		if err == nil {
			err = writeWhole(out, data, 0o600)
		}
		clear(data)
		if err != nil {
			return failLine(l, err)
		}
		l.Curve, l.PublicKey, l.CheckedAgainst = string(key.Curve()), key.PublicKeyHex(), CheckedExpected
		l.Status, l.File = statusRecovered, out
		return l
	})
}

// prepareDirs checks the options and creates the directories a step
// writes to; offline steps need KeyDir, which only the user may write.
func prepareDirs(opts CeremonyExportOptions, offline bool) error {
	if opts.Report == nil || opts.CarryDir == "" {
		return errors.New("no report writer or carry directory")
	}
	if err := os.MkdirAll(opts.CarryDir, 0o755); err != nil {
		return fmt.Errorf("creating the carry directory: %w", err)
	}
	if !offline {
		return nil
	}
	if opts.KeyDir == "" {
		return errors.New("no key directory")
	}
	if err := os.MkdirAll(opts.KeyDir, 0o700); err != nil {
		return fmt.Errorf("creating the key directory: %w", err)
	}
	return checkOutDirMode(opts.KeyDir)
}

// ceremonyRows runs one step over the input's rows with the workers.
func ceremonyRows(ctx context.Context, opts CeremonyExportOptions, one func(rows.KeyRow, ExportLine) ExportLine) (*ExportSummary, error) {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	in, err := openInput(opts.InputPath)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	next, _, err := rows.NewKeyReader(in, opts.InputPath)
	if err != nil {
		return nil, err
	}
	readNext := func() (rows.KeyRow, *ExportLine, error) {
		row, err := next()
		var re *rows.RowError
		if errors.As(err, &re) {
			return row, &ExportLine{Row: re.Number, Status: StatusFailed, Error: re.Err.Error()}, nil
		}
		return row, nil, err
	}
	enc := json.NewEncoder(opts.Report)
	var writeErr error
	sum := &ExportSummary{}
	readErr := pipeline(ctx, opts.Workers, readNext, func(row rows.KeyRow) ExportLine {
		l := ExportLine{Row: row.Number, KeyID: row.KeyID, Name: row.Name, PublicKey: strings.ToLower(row.PublicKey)}
		if !validKeyID(row.KeyID) {
			return failLine(l, fmt.Errorf("keyId %q is not a Dfns key ID (letters, digits, - and _)", row.KeyID))
		}
		return one(row, l)
	}, func(l ExportLine) {
		if writeErr == nil {
			writeErr = enc.Encode(l)
		}
		sum.Total++
		switch l.Status {
		case StatusFailed:
			sum.Failed++
		case statusKept:
			sum.AlreadyExported++
		default:
			sum.Exported++
		}
	})
	sum.Interrupted = ctx.Err() != nil
	if readErr != nil {
		return sum, readErr
	}
	return sum, writeErr
}

func failLine(l ExportLine, err error) ExportLine {
	l.Status, l.Error = StatusFailed, err.Error()
	return l
}

// writeWhole writes path, which must not exist, whole or not at all: to a
// hidden partial file beside it, linked into place once complete (a
// killed run's partial file is removed first).
func writeWhole(path string, data []byte, perm os.FileMode) error {
	partial := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+partialSuffix)
	os.Remove(partial) // a killed run's
	if err := safefile.WriteNew(partial, data, perm); err != nil {
		return err
	}
	defer os.Remove(partial)
	if err := os.Link(partial, path); err != nil {
		return err
	}
	return safefile.SyncDir(filepath.Dir(path))
}

// readDoc reads a ceremony document.
func readDoc(path string, v interface{ UnmarshalJSON([]byte) error }) error {
	data, err := safefile.ReadSmall(path, safefile.MaxDocumentSize)
	if err != nil {
		return fmt.Errorf("reading %s: %w", filepath.Base(path), err)
	}
	if err := v.UnmarshalJSON(data); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// readDecryptionKey reads a decryption key saved as export-request saves
// it, into buffers it clears.
func readDecryptionKey(path string) (*encryption.DecryptionKey, error) {
	text, err := safefile.ReadSmall(path, 4096)
	if err != nil {
		return nil, err
	}
	defer clear(text)
	dk, err := encryption.ParseDecryptionKeyText(text)
	if err != nil {
		return nil, fmt.Errorf("%s is not a saved decryption key", filepath.Base(path))
	}
	return dk, nil
}
