package bulk

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/bulk/internal/rows"
	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/internal/safefile"
	"github.com/dfnskeys/dfnskeys/keys"
)

// The bulk forms of the air-gapped ceremony (docs/threat-model.md §10):
// [Split] makes, offline, one import request document per row of a
// bulk-import input and an input listing them (RequestsFile), whose rows
// have a requestFile instead of a keyFile; [Import] sends such an input
// online, with every guarantee it gives key rows (journal, exactly once,
// lock, target binding, interrupts, proofs), reading no key: each request
// is checked against the run's target, which is checked against the
// pinned signers, before it is sent.

// RequestsFile is the name of the input [Split] writes in its OutDir.
const RequestsFile = "requests.jsonl"

// statusSplit is the report status of a row [Split] made (or, on a
// rerun, found) an import request document for.
const statusSplit = "split"

// rowKey is what a row imports: a private key (keyFile rows), or only the
// public half of one and the import request made for it offline
// (requestFile rows).
type rowKey struct {
	key   *keys.PrivateKey
	plan  *dfnskeys.ImportPlan
	curve keys.Curve
	pub   []byte
}

func (k *rowKey) Curve() keys.Curve    { return k.curve }
func (k *rowKey) PublicKey() []byte    { return slices.Clone(k.pub) }
func (k *rowKey) PublicKeyHex() string { return hex.EncodeToString(k.pub) }

// Destroy destroys the private key, if the row has one.
func (k *rowKey) Destroy() {
	if k.key != nil {
		k.key.Destroy()
	}
}

// loadRow reads what a row imports: its key file, or its request file.
func (r *runner) loadRow(row *rows.Row) (*rowKey, error) {
	if row.RequestFile == "" {
		key, err := r.loadKey(row)
		if err != nil {
			return nil, err
		}
		return &rowKey{key: key, curve: key.Curve(), pub: key.PublicKey()}, nil
	}
	path := row.RequestFile
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.dir, path)
	}
	data, err := safefile.ReadSmall(path, safefile.MaxDocumentSize)
	if err != nil {
		return nil, fmt.Errorf("reading requestFile %s: %w", row.RequestFile, err)
	}
	var plan dfnskeys.ImportPlan
	if err := plan.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("requestFile %s: %w", row.RequestFile, err)
	}
	req := plan.Request
	switch {
	case string(req.Curve) != row.Curve:
		return nil, fmt.Errorf("requestFile %s is for a %s key, but the row says curve %s", row.RequestFile, req.Curve, row.Curve)
	case row.Protocol != "" && string(req.Protocol) != row.Protocol:
		return nil, fmt.Errorf("requestFile %s is for protocol %s, but the row says %s", row.RequestFile, req.Protocol, row.Protocol)
	case row.Name != req.Name:
		return nil, fmt.Errorf("requestFile %s names the key %q, but the row names it %q", row.RequestFile, req.Name, row.Name)
	}
	if r.target != nil {
		if err := r.target.Check(&plan); err != nil {
			return nil, fmt.Errorf("requestFile %s: %w", row.RequestFile, err)
		}
	}
	pub, err := hex.DecodeString(plan.Identity.PublicKey)
	if err != nil {
		return nil, err // unreachable: the document was checked
	}
	return &rowKey{plan: &plan, curve: req.Curve, pub: pub}, nil
}

// checkRequestRows refuses, before anything is sent, a run with
// requestFile rows and no pinned signers: a request's own signer list is
// not proof of anything.
func checkRequestRows(n *secretNeeds, opts *ImportOptions, dryRun bool) error {
	if n.requestRow > 0 && !dryRun && opts.PinnedSigners == nil {
		return fmt.Errorf("row %d sends an import request made offline (requestFile): such runs need the pinned signers (PinnedSigners, --pinned-signers), which the requests and the live signers must match; nothing was sent", n.requestRow)
	}
	return nil
}

// SplitOptions configures [Split].
type SplitOptions struct {
	// InputPath, InputFormat, Report, Workers, KDFConcurrency, the
	// secrets (Password, Passphrase, LookupEnv, Prompt), Notice
	// and Progress are as for a dry run ([ImportOptions.DryRun]); the
	// input's rows must have a keyFile.
	ImportOptions
	// Target is the cluster to split for, made offline from a saved
	// signers listing ([dfnskeys.NewImportTarget]), checked against
	// pinned signers.
	Target *dfnskeys.ImportTarget
	// OutDir receives one import request document per row,
	// row-NNNNNN.json (N the row's number), and, once every row is split,
	// [RequestsFile]. It is created if missing. A rerun (after a failure,
	// an interrupt or a kill) keeps the documents already there that are
	// for the row's key and this target, and makes the others.
	OutDir string
}

// Split makes, offline, an import request document for every row of a
// bulk-import input (report status "split", or failed), for opts.Target, and then RequestsFile in OutDir: a
// bulk-import input of requestFile rows, for [Import] on an online
// machine. Nothing is sent; no client is needed. A row that fails is in
// the report, and RequestsFile is then not written: fix the row and rerun.
// Documents are written whole or not at all (a new file renamed into
// place), so a killed run leaves none half-written; an existing document
// is never overwritten: one that is not for the row's key and target
// fails the row.
func Split(ctx context.Context, opts SplitOptions) (*Summary, error) {
	start := time.Now()
	if opts.Target == nil {
		return nil, errors.New("no import target to split for")
	}
	if opts.OutDir == "" {
		return nil, errors.New("no output directory")
	}
	r, closeRun, err := setup(ctx, &opts.ImportOptions, true)
	defer closeRun()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the output directory: %w", err)
	}
	// The temporary files of a killed run (safefile.Replace's names).
	for _, pat := range []string{".row-*.json.tmp-*", "." + RequestsFile + ".tmp-*"} {
		stale, _ := filepath.Glob(filepath.Join(opts.OutDir, pat))
		for _, p := range stale {
			os.Remove(p)
		}
	}
	f, err := openInput(opts.InputPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd, err := rows.NewReader(f, formatName(opts.InputPath, opts.InputFormat))
	if err != nil {
		return nil, err
	}
	next := func() (*rows.Row, *ReportLine, error) {
		row, err := rd.Next()
		var re *rows.RowError
		if errors.As(err, &re) {
			return nil, &ReportLine{Row: re.Number, Status: StatusFailed, Error: re.Err.Error()}, nil
		}
		return row, nil, err
	}
	type done struct {
		line ReportLine
		row  *rows.Row
	}
	t := newTally(r.total)
	enc := json.NewEncoder(opts.Report)
	enc.SetEscapeHTML(false)
	var (
		split    []rows.Row
		writeErr error
		last     = time.Now()
	)
	readErr := pipeline(ctx, opts.Workers, func() (*rows.Row, *done, error) {
		row, line, err := next()
		if line != nil {
			return nil, &done{line: *line}, nil
		}
		return row, nil, err
	}, func(row *rows.Row) done {
		line, out := splitRow(r, opts, row)
		return done{line: line, row: out}
	}, func(d done) {
		if writeErr == nil {
			writeErr = enc.Encode(d.line)
		}
		if d.line.Status == statusSplit {
			d.line.Status = StatusValid // counted as valid rows
			split = append(split, *d.row)
		}
		t.add(d.line)
		if opts.Progress != nil && time.Since(last) >= opts.ProgressEvery {
			last = time.Now()
			p := t.sum.Progress
			p.Elapsed = time.Since(start)
			opts.Progress(p)
		}
	})
	sum := t.finish(time.Since(start))
	if opts.Progress != nil {
		opts.Progress(sum.Progress)
	}
	sum.Interrupted = ctx.Err() != nil && sum.Done < r.total
	switch {
	case readErr != nil:
		return sum, readErr
	case writeErr != nil:
		return sum, fmt.Errorf("writing the report: %w", writeErr)
	case sum.Interrupted:
		return sum, nil
	case sum.Failed > 0:
		return sum, nil
	}
	slices.SortFunc(split, func(a, b rows.Row) int { return a.Number - b.Number })
	var buf bytes.Buffer
	lines := json.NewEncoder(&buf)
	lines.SetEscapeHTML(false)
	for _, row := range split {
		if err := lines.Encode(requestRow{Name: row.Name, Curve: row.Curve, Protocol: row.Protocol, ExpectedAddress: row.ExpectedAddress, RequestFile: row.RequestFile}); err != nil {
			return sum, err
		}
	}
	rf, err := safefile.Replace(filepath.Join(opts.OutDir, RequestsFile), buf.Bytes(), 0o644)
	if err != nil {
		return sum, fmt.Errorf("writing %s: %w", RequestsFile, err)
	}
	rf.Close()
	return sum, nil
}

// requestRow is a row of RequestsFile.
type requestRow struct {
	Name            string `json:"name,omitempty"`
	Curve           string `json:"curve"`
	Protocol        string `json:"protocol"`
	ExpectedAddress string `json:"expectedAddress,omitempty"`
	RequestFile     string `json:"requestFile"`
}

// splitRow makes (or finds) the import request document of one row, and
// returns its report line and the row as RequestsFile lists it.
func splitRow(r *runner, opts SplitOptions, row *rows.Row) (ReportLine, *rows.Row) {
	line := newLine(row)
	fail := func(err error) (ReportLine, *rows.Row) {
		line.Status, line.Error = StatusFailed, err.Error()
		return line, nil
	}
	if row.RequestFile != "" {
		return fail(errors.New("the row is already an import request (requestFile): split rows with a keyFile"))
	}
	key, err := r.loadKey(row)
	if err != nil {
		return fail(err)
	}
	defer key.Destroy()
	scheme, err := describeRowKey(row, key.Curve(), key.PublicKey(), &line)
	if err != nil {
		return fail(err)
	}
	name := fmt.Sprintf("row-%06d.json", row.Number)
	out := &rows.Row{Number: row.Number, Name: row.Name, Curve: string(key.Curve()), Protocol: string(scheme.Protocol), ExpectedAddress: row.ExpectedAddress, RequestFile: name}
	path := filepath.Join(opts.OutDir, name)
	ident := importbuild.Identity(scheme, key.PublicKey())
	if data, err := safefile.ReadSmall(path, safefile.MaxDocumentSize); err == nil {
		// A rerun: keep a document that is this row's, for this target.
		var plan dfnskeys.ImportPlan
		if err := plan.UnmarshalJSON(data); err != nil {
			return fail(fmt.Errorf("%s exists and is not a valid import request (%v): it is not overwritten; remove it and rerun", name, err))
		}
		if plan.Identity != ident || plan.Request.Name != row.Name || opts.Target.Check(&plan) != nil {
			return fail(fmt.Errorf("%s exists and is not this row's import request for this cluster: it is not overwritten; remove it (or use another directory) and rerun", name))
		}
		line.Status = statusSplit
		return line, out
	} else if !errors.Is(err, os.ErrNotExist) {
		return fail(fmt.Errorf("reading %s: %w", name, err))
	}
	plan, err := opts.Target.Plan(key, dfnskeys.ImportKeyOptions{Protocol: scheme.Protocol, Name: row.Name})
	if err != nil {
		return fail(err)
	}
	doc, err := json.MarshalIndent(plan, "", "  ")
	if err != nil {
		return fail(err)
	}
	f, err := safefile.Replace(path, append(doc, '\n'), 0o644)
	if err != nil {
		return fail(fmt.Errorf("writing %s: %w", name, err))
	}
	f.Close()
	line.Status = statusSplit
	return line, out
}
