package main

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/safefile"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
)

var bulkExportCommand = &command{
	name:    "bulk-export",
	summary: "export many keys, each to its own file (keystore)",
	usage: `Usage: dfnskeys bulk-export --input FILE --out-dir DIR --report FILE [--format keystore|json] [--workers N] [connection flags]

Exports every key listed in --input and writes each to its own new file in
DIR, mode 0600. --input is JSON Lines (.jsonl) or CSV (.csv) with a keyId
field or column, an optional name and an optional publicKey; other fields
and columns are ignored, so the report of 'dfnskeys bulk-import' is a valid
input (fields that are not a bulk-import report's are named once on
stderr).

A row's publicKey is the key it expects (see docs/threat-model.md §2): a
key the API reports with another public key fails the row before it is
exported, and a key recovered with another one fails it too, discarded and
saved nowhere. Rows without one are checked only against the public key the
API reports (the report's checkedAgainst says "api-only"; a note on stderr
counts them).

  keystore   DIR/<keyId>.keystore.json, an Ethereum V3 keystore encrypted
             with DFNS_KEYSTORE_PASSWORD, so keys never touch disk in the
             clear (the default; secp256k1 keys only: other keys fail
             without being exported)
  json       DIR/<keyId>.json, an export document: curve, kind (scalar),
             key ID, public key and key, in the clear (every curve; read it
             back with format json)

Every file records its key ID and public key. A rerun, with any format,
skips every key a file in DIR records, and a key listed twice is exported
once; for a row with a publicKey, a file counts only when it records that
public key (otherwise the row fails, nothing exported). DIR must not be
writable by group or others (fix with chmod go-w DIR). Each key's file
is created (as a hidden .partial file) before Dfns is asked to export it;
Ctrl-C finishes the exports in flight, saves them and stops. A run that was
killed leaves at most its .partial files: the next run moves complete ones
into place and deletes the others. Dfns by default stops signing with an
exported key.

The report is JSON Lines: row, keyId, name, curve, publicKey, file, status
(exported, already-exported, failed) and error. Exit status is 0 only when
no row failed.

Flags:
  --input FILE     the keys to export
  --out-dir DIR    where the files go (created if needed, mode 0700)
  --report FILE    where to write the report
  --format F       keystore (default) or json
  --workers N      keys exported at the same time (default 4); keystore
                   encryption (scrypt, 256 MiB each) runs one at a time

` + connUsage,
	run: runBulkExport,
}

// bulkExportMemoryLimit is the Go heap's soft limit during bulk-export:
// scrypt's 256 MiB buffers are garbage the moment a keystore is written,
// and without a limit the collector lets several pile up.
const bulkExportMemoryLimit = 448 << 20

func runBulkExport(e *env, args []string) error {
	fs := newFlagSet("bulk-export")
	input := pathFlag(fs, "input")
	outDir := pathFlag(fs, "out-dir")
	reportPath := pathFlag(fs, "report")
	format := fs.String("format", "keystore", "")
	workers := fs.Int("workers", 4, "")
	cf := addConnFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireFlags("input", *input, "out-dir", *outDir, "report", *reportPath); err != nil {
		return err
	}
	if safefile.Same(*reportPath, *input) {
		return usagef("--report %s is also the --input file, which it would overwrite: choose another report file", *reportPath)
	}
	switch *format {
	case "keystore", "json":
	case "hex", "wif":
		return usagef("--format %s is not for bulk-export: its files must record their key ID, so that a rerun never exports a key twice; use json (which holds the key as hex) or keystore", *format)
	default:
		return usagef("unknown --format %q: use keystore or json", *format)
	}
	if *workers < 1 || *workers > 64 {
		return usagef("--workers %d is invalid: use 1 to 64", *workers)
	}
	opts := bulk.ExportOptions{InputPath: *input, OutDir: *outDir, OutputFormat: *format, Workers: *workers}
	if *format == "keystore" {
		pw, ok := lookupEnv(e, "DFNS_KEYSTORE_PASSWORD")
		if !ok || pw == "" {
			return errors.New("keystore export needs a password: set DFNS_KEYSTORE_PASSWORD; nothing was exported")
		}
		opts.Password = []byte(pw)
		defer clear(opts.Password)
	}
	c, err := cf.client(e, true)
	if err != nil {
		return err
	}
	opts.Client = c
	rf, err := createReport(*reportPath)
	if err != nil {
		return err
	}
	defer rf.abort()
	opts.Report = safetext.JSONWriter(rf.f) // the same JSON, safe to cat (safetext.JSON)
	bar := newExportProgress(e)
	opts.Progress, opts.ProgressEvery = bar.update, bar.every
	opts.Notice = func(s string) { fmt.Fprintf(e.stderr, "dfnskeys: bulk-export: %s\n", safetext.Line(s)) }
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(bulkExportMemoryLimit))

	ctx, stop := e.context()
	defer stop()
	sum, err := bulk.Export(ctx, opts)
	bar.finish()
	if sum != nil {
		if cerr := rf.commit(); cerr != nil && err == nil {
			err = cerr
		}
		fmt.Fprintf(e.stderr, "%d rows: %d exported, %d already exported (skipped), %d failed\n", sum.Total, sum.Exported, sum.AlreadyExported, sum.Failed)
		if sum.APIOnly > 0 {
			fmt.Fprintf(e.stderr, "note: %d exported key(s) had no publicKey in the input and were checked only against the public key the API reports (see docs/threat-model.md §2); a bulk-import report has it\n", sum.APIOnly)
		}
		if sum.WithFaultySigners > 0 {
			fmt.Fprintf(e.stderr, "warning: for %d exported key(s) some signers sent faulty shares; each key was recovered from the others and matches its public key; the report's faultySigners names them\n", sum.WithFaultySigners)
		}
	}
	switch {
	case err != nil:
		return err
	case sum.Interrupted:
		return fmt.Errorf("interrupted after %d rows: the exports in flight were finished and saved; rerun the same command to continue", sum.Total)
	case sum.Failed > 0:
		return fmt.Errorf("%d rows failed: see the report", sum.Failed)
	}
	return nil
}

// exportProgress prints bulk-export's progress: a bar on a terminal, a
// plain line every few seconds otherwise, both with an estimate of the
// time left.
type exportProgress struct {
	e        *env
	terminal bool
	every    time.Duration
	line     liveLine
}

func newExportProgress(e *env) *exportProgress {
	p := &exportProgress{e: e, terminal: writerIsTerminal(e.stderr), every: 5 * time.Second, line: liveLine{w: e.stderr}}
	if p.terminal {
		p.every = 200 * time.Millisecond
	}
	return p
}

// eta estimates the time left from the pace so far.
func eta(done, total int, elapsed time.Duration) string {
	if done >= total {
		return "0s"
	}
	if done == 0 {
		return "?"
	}
	left := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
	return left.Round(time.Second).String()
}

func (p *exportProgress) update(pr bulk.ExportProgress) {
	pct := 100.0
	if pr.Total > 0 {
		pct = 100 * float64(pr.Done) / float64(pr.Total)
	}
	left := eta(pr.Done, pr.Total, pr.Elapsed)
	if !p.terminal {
		fmt.Fprintf(p.e.stderr, "progress: %d/%d rows (%.0f%%): %d exported, %d already exported, %d failed, %s elapsed, about %s left\n",
			pr.Done, pr.Total, pct, pr.Exported, pr.AlreadyExported, pr.Failed, pr.Elapsed.Round(time.Second), left)
		return
	}
	p.line.draw(progressLine(terminalWidth(p.e.stderr), pr.Done, pr.Total,
		[]progressCount{{"ok", pr.Exported}, {"skip", pr.AlreadyExported}, {"fail", pr.Failed}}, pr.Elapsed))
}

func (p *exportProgress) finish() { p.line.end() }
