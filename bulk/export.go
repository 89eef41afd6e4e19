package bulk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/bulk/internal/rows"
	"github.com/dfnskeys/dfnskeys/internal/safefile"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

// ExportOptions configures [Export].
type ExportOptions struct {
	// InputPath lists the keys: JSON Lines (.jsonl, .ndjson) or CSV (.csv)
	// with a keyId field or column, an optional name and an optional
	// publicKey. Other fields and columns are ignored, so a bulk-import
	// report is a valid input. A row's publicKey (a bulk-import report has
	// it) is the key the row expects: a key the API reports or returns
	// with another public key fails the row, never exported or saved (see
	// docs/threat-model.md §2); without it the key is checked only against
	// the public key the API reports.
	InputPath string
	// InputFormat is the input's format, csv or jsonl, when its name does
	// not end in one (a .txt file); "" reads it from the extension. Any
	// other value is refused before anything is read.
	InputFormat string
	// OutDir receives one new file per key, mode 0600:
	// <keyId>.keystore.json for a keystore, <keyId>.json for an export
	// document. Every file records its key ID and public key, which is how
	// a rerun knows the key is done, whatever the format: a file counts
	// for a row with a publicKey only when it records that public key. A
	// directory that group or others can write is refused (see
	// docs/threat-model.md §6). A missing OutDir is created, mode 0700,
	// but only its last level, as mkdir does: its parent must exist.
	OutDir string
	// OutputFormat is keystore (the default) or json (see
	// [keyformat.JSON]). Keystores are for secp256k1 keys only; other keys
	// fail in that format and are not exported.
	OutputFormat string
	// Password encrypts keystores. Export does not keep or clear it.
	Password []byte `json:"-"`
	// Keystore tunes the keystore KDF (tests use light parameters). Its
	// KeyID is set per key.
	Keystore keyformat.KeystoreOptions
	// KDFConcurrency bounds the keystore encryptions that run at the same
	// time (default 1): scrypt at its default parameters takes 256 MiB
	// each, whatever the number of workers.
	KDFConcurrency int
	// Report receives one JSON line per row.
	Report io.Writer
	// Workers is the number of keys exported at the same time (default 4).
	Workers int
	// Progress, when set, is called from one goroutine at most every
	// ProgressEvery (default 1 s) and once at the end.
	Progress      func(ExportProgress)
	ProgressEvery time.Duration
	// Notice, when set, receives a line about what start-up found: files
	// left by an interrupted run, finished or removed, and the input's
	// unknown fields (named once; a bulk-import report's own fields are
	// expected and not named).
	Notice func(string)
	// Client is the API client.
	Client *dfnskeys.Client
	// DryRun checks every row as far as can be without exporting: the
	// row, OutDir (not created), the key as the API reports it (GET
	// /keys/{keyId}) against the row's publicKey and the format. Rows
	// that would be exported get status valid (StatusValid) and the file
	// they would be written to; nothing is exported or written.
	DryRun bool
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
	// CheckedAgainst says, for an exported key, what its public key was
	// checked against: "expected" (the row's publicKey) or "api-only"
	// (the row had none, so only the public key the API reports, which
	// an API that substitutes keys controls: docs/threat-model.md §2).
	CheckedAgainst string `json:"checkedAgainst,omitempty"`
}

// Values of [ExportLine.CheckedAgainst].
const (
	CheckedExpected = "expected"
	CheckedAPIOnly  = "api-only"
)

// Export report statuses.
const (
	StatusExported        = "exported"
	StatusAlreadyExported = "already-exported"
)

// ExportProgress is a snapshot of an export run.
type ExportProgress struct {
	// Total is the number of data rows in the input.
	Total int
	// Done counts the rows processed so far, of every status; Valid the
	// rows a dry run found valid.
	Done, Exported, AlreadyExported, Failed, Valid int
	// Elapsed is the time since the run started.
	Elapsed time.Duration
}

// ExportSummary counts the outcome of [Export].
type ExportSummary struct {
	// Total is the number of data rows in the input; an interrupted run
	// did not start Total-Exported-AlreadyExported-Failed-Valid of them.
	Total, Exported, AlreadyExported, Failed int
	// Valid counts, in a dry run, the rows that would be exported.
	Valid int
	// Interrupted is set when the context ended before every row was
	// started; the exports in flight were finished.
	Interrupted bool
	// Finished counts complete files of an interrupted run that start-up
	// moved into place; Removed counts incomplete ones it deleted.
	Finished, Removed int
	// WithFaultySigners counts exported keys some of whose signers sent
	// faulty shares (see ExportLine.FaultySigners).
	WithFaultySigners int
	// APIOnly counts exported keys whose row had no publicKey: they were
	// checked only against the public key the API reports.
	APIOnly int
	// Network is what the network did to the run's calls, as in
	// [Summary].
	Network dfnskeys.CallStats
}

// partialSuffix ends the name of a file being written: a hidden
// ".<final name>.partial" that no reader takes for a finished file.
const partialSuffix = ".partial"

// maxOutputFile bounds the files Export reads back from OutDir.
const maxOutputFile = 1 << 20

// Export exports every key listed in the input and writes each, in the
// format asked, to its own new file in OutDir.
//
// A key is exported once per directory: at start-up Export reads the key
// ID each file in OutDir records, and skips those keys (and a key listed
// twice), whatever format they were written in. Everything that can fail
// is checked before a key is exported (Dfns stops signing with an
// exported key): its curve against the format, and its file, which is
// created as a hidden ".partial" file before the export call. Once sent,
// an export is seen through even if ctx ends, and its key is written,
// synced and linked to its final name. A run killed in between leaves the
// partial file: the next run moves a complete one into place and deletes
// an incomplete one, so no stray copy of a key is left behind.
func Export(ctx context.Context, opts ExportOptions) (*ExportSummary, error) {
	if err := checkInputFormat(opts.InputFormat); err != nil {
		return nil, err
	}
	if opts.OutputFormat == "" {
		opts.OutputFormat = "keystore"
	}
	ext, ok := exportExtensions[opts.OutputFormat]
	if !ok {
		return nil, fmt.Errorf("unknown export format %q: use keystore or json", opts.OutputFormat)
	}
	if opts.OutputFormat == "keystore" && len(opts.Password) == 0 && !opts.DryRun {
		return nil, errors.New("keystore export needs a password")
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.KDFConcurrency <= 0 {
		opts.KDFConcurrency = 1
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = time.Second
	}
	if opts.Client == nil || opts.Report == nil {
		return nil, errors.New("Export needs a client and a report writer")
	}
	total, ignored, err := countExportRows(formatName(opts.InputPath, opts.InputFormat), opts.InputPath)
	if err != nil {
		return nil, err
	}
	if opts.Notice != nil && len(ignored) > 0 {
		opts.Notice(fmt.Sprintf("ignoring the input's unknown %s %s (the fields read are keyId, name and publicKey; a bulk-import report's own fields are ignored silently)", plural(len(ignored), "field", "fields"), strings.Join(ignored, ", ")))
	}
	sum := &ExportSummary{}
	var done, pubs map[string]string
	if err := makeOutDir(opts.OutDir, opts.DryRun); err != nil {
		return nil, err
	}
	if _, err := os.Stat(opts.OutDir); err == nil || !opts.DryRun {
		if err := checkOutDirMode(opts.OutDir); err != nil {
			return nil, err
		}
		if done, pubs, err = scanOutDir(opts.OutDir, sum); err != nil {
			return nil, err
		}
	} else {
		done, pubs = map[string]string{}, map[string]string{} // a dry run: the directory would be created
	}
	if opts.Notice != nil && (sum.Finished > 0 || sum.Removed > 0) {
		opts.Notice(fmt.Sprintf("%s: finished %d file(s) and removed %d incomplete temporary file(s) left by an interrupted run", opts.OutDir, sum.Finished, sum.Removed))
	}
	in, err := openInput(opts.InputPath)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	next, _, err := rows.NewKeyReader(in, formatName(opts.InputPath, opts.InputFormat))
	if err != nil {
		return nil, err
	}

	x := &exporter{opts: opts, ext: ext, done: done, pubs: pubs, kdf: newKDFGate(opts.KDFConcurrency)}
	before := opts.Client.Stats()
	defer func() {
		after := opts.Client.Stats()
		sum.Network = dfnskeys.CallStats{Faults: after.Faults - before.Faults, Retries: after.Retries - before.Retries, Lookups: after.Lookups - before.Lookups}
	}()
	bw := bufio.NewWriter(opts.Report)
	enc := json.NewEncoder(bw)
	var writeErr error
	readNext := func() (rows.KeyRow, *ExportLine, error) {
		row, err := next()
		var re *rows.RowError
		if errors.As(err, &re) {
			return row, &ExportLine{Row: re.Number, Status: StatusFailed, Error: re.Err.Error()}, nil
		}
		return row, nil, err
	}
	start := time.Now()
	progress := ExportProgress{Total: total}
	lastProgress := start
	// Exports once sent are seen through: process does not get ctx.
	process := func(row rows.KeyRow) ExportLine { return x.one(context.WithoutCancel(ctx), row) }
	// The report is in input order, whatever order the rows finish in.
	var lines []ExportLine
	readErr := pipeline(ctx, opts.Workers, readNext, process, func(l ExportLine) {
		lines = append(lines, l)
		progress.Done++
		switch l.Status {
		case StatusValid:
			sum.Valid++
			progress.Valid++
		case StatusExported:
			progress.Exported++
			if len(l.FaultySigners) > 0 {
				sum.WithFaultySigners++
			}
			if l.CheckedAgainst == CheckedAPIOnly {
				sum.APIOnly++
			}
		case StatusAlreadyExported:
			progress.AlreadyExported++
		default:
			progress.Failed++
		}
		if opts.Progress != nil && time.Since(lastProgress) >= opts.ProgressEvery {
			lastProgress = time.Now()
			progress.Elapsed = time.Since(start)
			opts.Progress(progress)
		}
	})
	slices.SortStableFunc(lines, func(a, b ExportLine) int { return a.Row - b.Row })
	for _, l := range lines {
		if writeErr == nil {
			writeErr = enc.Encode(l)
		}
	}
	if err := bw.Flush(); writeErr == nil {
		writeErr = err
	}
	progress.Elapsed = time.Since(start)
	if opts.Progress != nil {
		opts.Progress(progress)
	}
	sum.Total, sum.Exported, sum.AlreadyExported, sum.Failed = max(total, progress.Done), progress.Exported, progress.AlreadyExported, progress.Failed
	sum.Interrupted = ctx.Err() != nil
	if readErr != nil {
		return sum, readErr
	}
	return sum, writeErr
}

// makeOutDir creates dir, mode 0700, when it does not exist (in a dry
// run, checks that it could be): only dir itself, as mkdir does, so that
// a misspelt parent is an error rather than a new tree.
func makeOutDir(dir string, dryRun bool) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("the output directory %s is not a directory", dir)
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
		return fmt.Errorf("the output directory %s cannot be created: its parent %s does not exist (only the last directory is created, as mkdir does: check the path, or create %s first)", dir, parent, parent)
	}
	if dryRun {
		return nil
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating the output directory: %w", err)
	}
	return nil
}

// formatName is the name the rows readers take the input's format from,
// its extension: path, or with format (csv or jsonl, any case) given, a
// name ending in that extension. Any other format was refused before
// (checkInputFormat).
func formatName(path, format string) string {
	switch f := strings.ToLower(format); f {
	case "csv", "jsonl":
		return path + " (read as " + f + ")." + f
	}
	return path
}

// checkInputFormat refuses an InputFormat other than csv, jsonl or ""
// (by the input's extension), which formatName would otherwise ignore.
func checkInputFormat(format string) error {
	switch strings.ToLower(format) {
	case "", "csv", "jsonl":
		return nil
	}
	return fmt.Errorf("unknown input format %q: use csv or jsonl, or none to go by the input's extension (.csv or .jsonl); nothing was read", format)
}

// exportExtensions maps the formats of Export to their file extensions.
var exportExtensions = map[string]string{"keystore": ".keystore.json", "json": ".json"}

// exporter is the state one Export run shares between its workers.
type exporter struct {
	opts ExportOptions
	ext  string
	kdf  kdfGate // keystore encryptions at the same time (shared with Import)

	mu   sync.Mutex
	done map[string]string // key ID → the file that holds it, or the row claiming it
	pubs map[string]string // key ID → the public key its file records or its row expects, lower-case hex
}

// claim records that row is exporting keyID, expecting public key pub
// ("" when the row has none); it returns the file or row that already has
// it, if any, and the public key recorded for it.
func (x *exporter) claim(keyID, pub string, row int) (prior, priorPub string, ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if prior, ok := x.done[keyID]; ok {
		return prior, x.pubs[keyID], true
	}
	x.done[keyID] = fmt.Sprintf("row %d", row)
	x.pubs[keyID] = pub
	return "", "", false
}

// settle records where keyID ended up and its public key ("" to release
// a failed claim).
func (x *exporter) settle(keyID, file, pub string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if file == "" {
		delete(x.done, keyID)
		delete(x.pubs, keyID)
	} else {
		x.done[keyID] = file
		x.pubs[keyID] = pub
	}
}

func (x *exporter) one(ctx context.Context, row rows.KeyRow) ExportLine {
	l := ExportLine{Row: row.Number, KeyID: row.KeyID, Name: row.Name}
	fail := func(err error) ExportLine { l.Status, l.Error = StatusFailed, err.Error(); return l }
	if !validKeyID(row.KeyID) {
		return fail(fmt.Errorf("keyId %q is not a Dfns key ID (letters, digits, - and _)", row.KeyID))
	}
	var expect keys.Expectation
	wantPub := ""
	if row.PublicKey != "" {
		var err error
		if expect, err = keys.ParseExpectedPublicKey(row.PublicKey); err != nil {
			return fail(fmt.Errorf("the row's publicKey: %w; nothing was exported", err))
		}
		wantPub = strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(row.PublicKey, "0x"), "0X"))
	}
	if prior, priorPub, ok := x.claim(row.KeyID, wantPub, row.Number); ok {
		isRow := strings.HasPrefix(prior, "row ")
		switch {
		case wantPub == "" || wantPub == priorPub:
		case isRow && priorPub == "":
			// The earlier row had no publicKey: it was exported (or is
			// being) checked against the API's public key only.
		case isRow:
			return fail(fmt.Errorf("listed again with another publicKey than %s expects; nothing was exported for this row", prior))
		default:
			return fail(fmt.Errorf("%s records key %s with another public key than this row's publicKey (or none): it does not count as exported, and nothing was exported; check where the file came from, move it away and rerun (see docs/threat-model.md §6)", prior, row.KeyID))
		}
		l.Status = StatusAlreadyExported
		if isRow {
			l.Error = "listed again: exported for " + prior
		} else {
			l.File = prior
		}
		return l
	}
	exported := false
	defer func() {
		if !exported {
			x.settle(row.KeyID, "", "")
		}
	}()
	final := filepath.Join(x.opts.OutDir, row.KeyID+x.ext)
	partial := filepath.Join(x.opts.OutDir, "."+row.KeyID+x.ext+partialSuffix)
	if _, err := os.Lstat(final); err == nil {
		return fail(fmt.Errorf("%s exists but does not record key %s; nothing was exported: move it away and rerun", final, row.KeyID))
	}
	// The key is read once, and checked against the row's publicKey
	// before anything is sent.
	plan, err := x.opts.Client.PlanExport(ctx, row.KeyID, dfnskeys.ExportOptions{Expect: expect})
	if uk := (*keys.UnexpectedKeyError)(nil); errors.As(err, &uk) {
		// Reported as another key: the report keeps the row's.
		l.Curve = string(uk.Curve)
		if expect.CheckCurve(uk.Curve) == nil {
			l.PublicKey = wantPub
		}
	}
	if err != nil {
		return fail(err)
	}
	info := plan.Key
	l.Curve = string(info.Curve)
	switch {
	case expect == nil:
		l.PublicKey = info.PublicKey
	case expect.CheckCurve(info.Curve) == nil:
		// The row's, which the export must match. One that cannot be a
		// public key on this curve (a private key pasted?) is not
		// copied into the report; the export below refuses it.
		l.PublicKey = wantPub
	}
	if err := keyformat.CheckEncode(keyformat.Format(x.opts.OutputFormat), info.Curve); err != nil {
		return fail(fmt.Errorf("%w (it was not exported)", err))
	}
	if x.opts.DryRun {
		l.File, l.Status = final, StatusValid
		return l
	}
	// The file is created before the export: a directory that cannot be
	// written costs nothing.
	out, err := safefile.CreateSecret(partial, final)
	if err != nil {
		return fail(fmt.Errorf("%w; nothing was exported", err))
	}
	defer out.Discard()
	// The one check of the library: against the row's publicKey before the
	// export is sent and after the key is recovered. A key that is not the
	// row's is never returned, so never written.
	key, faulty, err := x.opts.Client.SendExport(ctx, plan)
	if err != nil {
		return fail(err)
	}
	defer key.Destroy()
	exported = true
	l.CheckedAgainst = CheckedAPIOnly
	if expect != nil {
		l.CheckedAgainst = CheckedExpected
	}
	for _, f := range faulty {
		l.FaultySigners = append(l.FaultySigners, f.String())
	}
	if x.opts.OutputFormat == "keystore" {
		x.kdf.enter()
		err = out.SaveKey(key, keyformat.Keystore, keyformat.EncodeOptions{KeyID: row.KeyID, Password: x.opts.Password, Keystore: x.opts.Keystore}, x.ext)
		x.kdf.leave()
	} else {
		err = out.SaveKey(key, keyformat.JSON, keyformat.EncodeOptions{KeyID: row.KeyID}, x.ext)
	}
	if ns := (*safefile.NotSavedError)(nil); errors.As(err, &ns) {
		if ns.Rescued != "" {
			x.settle(row.KeyID, ns.Rescued, key.PublicKeyHex())
			l.File = ns.Rescued
			return fail(fmt.Errorf("the key was exported, but %v: it was saved instead to %s (mode 0600); move it into %s", ns.Err, ns.Rescued, x.opts.OutDir))
		}
		return fail(fmt.Errorf("the key was exported, but %v, and so did saving it elsewhere: export it again", ns.Err))
	} else if err != nil {
		return fail(err)
	}
	x.settle(row.KeyID, final, key.PublicKeyHex())
	l.File, l.Status = final, StatusExported
	return l
}

// validKeyID accepts what can be both a Dfns key ID and a file name.
func validKeyID(id string) bool {
	if id == "" || len(id) > 200 || id[0] == '.' || id[0] == '-' {
		return false
	}
	for _, r := range id {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// scanOutDir returns the key IDs the files in dir record, with the files
// and the public keys they record, after finishing or removing the partial
// files of an interrupted run.
func scanOutDir(dir string, sum *ExportSummary) (files, pubs map[string]string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the output directory: %w", err)
	}
	done := map[string]string{}
	var finals []string
	for _, e := range entries {
		name := e.Name()
		p := filepath.Join(dir, name)
		if strings.HasPrefix(name, ".") && strings.HasSuffix(name, partialSuffix) {
			final := filepath.Join(dir, strings.TrimSuffix(name[1:], partialSuffix))
			if finishPartial(p, final) {
				sum.Finished++
				finals = append(finals, final)
			} else {
				sum.Removed++
			}
			continue
		}
		if e.Type().IsRegular() && !strings.HasPrefix(name, ".") {
			finals = append(finals, p)
		}
	}
	if sum.Finished+sum.Removed > 0 {
		if err := safefile.SyncDir(dir); err != nil {
			return nil, nil, err
		}
	}
	pubs = map[string]string{}
	for _, p := range finals {
		if id, pub := recordedKey(p); id != "" {
			done[id] = p
			pubs[id] = pub
		}
	}
	return done, pubs, nil
}

// checkOutDirMode refuses an output directory that group or others can
// write: whoever can write it could plant a file that makes a key count
// as exported, or replace one (see docs/threat-model.md §6).
func checkOutDirMode(dir string) error {
	if err := safefile.CheckDir("the output directory "+dir, dir, safefile.TrustContents); err != nil {
		return fmt.Errorf("%w; a file planted there could make a key count as exported, so nothing was exported", err)
	}
	return nil
}

// finishPartial moves a complete partial file into place and removes an
// incomplete one (or one whose final name is taken). It reports whether
// the file was moved.
func finishPartial(partial, final string) bool {
	defer os.Remove(partial)
	fi, err := os.Lstat(partial)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxOutputFile {
		return false
	}
	data, err := os.ReadFile(partial)
	if err != nil {
		return false
	}
	defer clear(data)
	id := keyformat.RecordedKeyID(data)
	base := filepath.Base(final)
	if id == "" || !strings.HasPrefix(base, id+".") {
		return false
	}
	if bytes.Contains(data, []byte(`"type": "dfnskeys-exported-key"`)) {
		k, err := keyformat.Parse(keyformat.JSON, "", data, keyformat.Secrets{})
		if err != nil {
			return false
		}
		k.Destroy()
	}
	return os.Link(partial, final) == nil
}

// recordedKey reads the key ID and public key (lower-case hex) the file at
// p records, or "" for either. An export document's public key is that of
// the key it holds (a document whose key does not match its publicKey
// records none); a keystore's is the one its dfnskeys section records.
func recordedKey(p string) (id, pub string) {
	f, err := os.Open(p)
	if err != nil {
		return "", ""
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxOutputFile+1))
	defer clear(data)
	if err != nil || len(data) > maxOutputFile {
		return "", ""
	}
	id = keyformat.RecordedKeyID(data)
	if id == "" {
		return "", ""
	}
	var probe struct {
		Type      string `json:"type"`
		PublicKey string `json:"publicKey"`
		Dfnskeys  *struct {
			PublicKey string `json:"publicKey"`
		} `json:"dfnskeys"`
	}
	if json.Unmarshal(data, &probe) != nil {
		return id, ""
	}
	switch {
	case probe.Type == "dfnskeys-exported-key":
		k, err := keyformat.Parse(keyformat.JSON, "", data, keyformat.Secrets{})
		if err != nil {
			return id, ""
		}
		defer k.Destroy()
		return id, k.PublicKeyHex()
	case probe.Dfnskeys != nil:
		return id, strings.ToLower(probe.Dfnskeys.PublicKey)
	}
	return id, ""
}

// countExportRows counts the input's data rows, for progress, and returns
// the unknown fields it ignored.
func countExportRows(name, path string) (int, []string, error) {
	in, err := openInput(path)
	if err != nil {
		return 0, nil, err
	}
	defer in.Close()
	next, ignored, err := rows.NewKeyReader(in, name)
	if err != nil {
		return 0, nil, err
	}
	n := 0
	for {
		_, err := next()
		var re *rows.RowError
		switch {
		case err == io.EOF:
			return n, ignored(), nil
		case err == nil, errors.As(err, &re):
			n++
		default:
			return 0, nil, err
		}
	}
}

// plural is one or many, as n says.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
