package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
)

var bulkExportCommand = &command{
	name:    "bulk-export",
	summary: "export many keys, each to its own file (keystore)",
	usage: `Usage: dfnskeys bulk-export --input FILE --out-dir DIR --report FILE
         [--format keystore|json] [--workers N] [--dry-run]
         [--input-format csv|jsonl] [connection flags]

Exports every key listed in --input to its own new file in DIR (mode
0600). --input is JSON Lines (.jsonl) or CSV (.csv) with a keyId, an
optional name and an optional publicKey; other fields are ignored (those
not a bulk-import report's named once on stderr), so the report of
'dfnskeys bulk-import' is a valid input.

A row's publicKey is the key it expects (see docs/threat-model.md §2): a
key the API reports, or that is recovered, with another public key fails
the row, nothing saved. Rows without one are checked only against the
public key the API reports (checkedAgainst "api-only"; counted on stderr).

  keystore   DIR/<keyId>.keystore.json, an Ethereum V3 keystore encrypted
             with DFNS_KEYSTORE_PASSWORD or a password asked on the
             terminal, so keys never touch disk in the clear (the
             default; secp256k1 only: other keys fail, not exported)
  json       DIR/<keyId>.json, an export document (curve, kind scalar,
             key ID, public key, key) in the clear; every curve; read it
             back with format json

Every file records its key ID and public key: a rerun, in any format,
skips every key a file in DIR records (for a row with a publicKey, only a
file recording that public key counts; otherwise the row fails), and a
key listed twice is exported once. DIR must not be writable by group or
others (chmod go-w DIR). Each key's file is created (a hidden .partial
file) before Dfns is asked to export it; Ctrl-C finishes the exports in
flight, saves them and stops. After a kill, the next run moves complete
.partial files into place and deletes the others. Dfns by default stops
signing with an exported key.

The report, JSON Lines in input order, has per row: row, keyId, name,
curve, publicKey, file, status (exported, already-exported, failed, or
valid in a dry run) and error. An interrupted run says how many rows it
did not start. Exit status is 0 only when no row failed.

--dry-run exports nothing and needs no password: it checks every row, DIR
and each key as Dfns reports it (GET /keys/{keyId}: it exists, its curve
suits the format, its public key is the row's), and reports each row that
would be exported as valid, with its file.

Flags:
  --input FILE     the keys to export
` + inputFormatUsage + `  --out-dir DIR    where the files go; created (mode 0700) if missing, but
                   only DIR itself, as mkdir does: its parent must exist
` + reportUsage + `  --dry-run        check every row and key, export nothing
  --format F       keystore (default) or json
  --workers N      keys exported at the same time (default 4); keystore
                   encryption (scrypt, 256 MiB each) runs one at a time
` + bulkExportCarryUsage + "\n" + connUsage,
	run: runBulkExport,
}

// bulkExportMemoryLimit is the Go heap's soft limit during bulk-export:
// scrypt's 256 MiB buffers are garbage the moment a keystore is written,
// and without a limit the collector lets several pile up.
const bulkExportMemoryLimit = 448 << 20

func runBulkExport(e *env, args []string) error {
	fs := newFlagSet("bulk-export")
	carry := pathFlag(fs, "carry-dir")
	bf := addBulkFlags(fs, 64, true)
	dryRun := fs.Bool("dry-run", false, "")
	outDir := pathFlag(fs, "out-dir")
	format := fs.String("format", "keystore", "")
	cf := addConnFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *carry != "" {
		return runBulkCeremony(e, args, "bulk-export") // the ceremony's online step
	}
	required := []string{"out-dir", *outDir}
	if !*dryRun {
		required = append(required, "report", *bf.report)
	}
	if err := bf.check(required); err != nil {
		return err
	}
	switch *format {
	case "keystore", "json":
	case "hex", "wif":
		return usagef("--format %s is not for bulk-export: its files must record their key ID, so that a rerun never exports a key twice; use json (which holds the key as hex) or keystore", *format)
	default:
		return usagef("unknown --format %q: use keystore or json", *format)
	}
	opts := bulk.ExportOptions{InputPath: *bf.input, InputFormat: *bf.inputFormat, OutDir: *outDir, OutputFormat: *format, Workers: *bf.workers, DryRun: *dryRun}
	if *format == "keystore" && !*dryRun {
		// From the environment, or asked twice on a terminal, as export
		// does.
		pw, err := keystorePassword(e)
		if err != nil {
			return fmt.Errorf("%w; nothing was exported", err)
		}
		opts.Password = pw
		defer clear(opts.Password)
	}
	var err error
	if opts.Client, err = cf.client(e, !*dryRun); err != nil {
		return err
	}
	bar := newProgressPrinter(e, *dryRun)
	opts.Progress, opts.ProgressEvery = bar.updateExport, bar.every
	opts.Notice = func(s string) { fmt.Fprintf(e.stderr, "dfnskeys: bulk-export: %s\n", safetext.Line(s)) }
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(bulkExportMemoryLimit))

	ctx, stop := e.context()
	defer stop()
	sum, err := runWithReport(e, *bf.report, func(w io.Writer) (*bulk.ExportSummary, error) {
		opts.Report = w
		return bulk.Export(ctx, opts)
	})
	bar.finish()
	if sum != nil {
		notStarted := ""
		if n := sum.Total - sum.Exported - sum.AlreadyExported - sum.Failed - sum.Valid; n > 0 {
			notStarted = fmt.Sprintf(", %d not started (interrupted)", n)
		}
		if *dryRun {
			fmt.Fprintf(e.stderr, "dry run: %d rows: %d valid (would be exported), %d already exported (skipped), %d failed%s (nothing was exported)\n", sum.Total, sum.Valid, sum.AlreadyExported, sum.Failed, notStarted)
		} else {
			fmt.Fprintf(e.stderr, "%d rows: %d exported, %d already exported (skipped), %d failed%s\n", sum.Total, sum.Exported, sum.AlreadyExported, sum.Failed, notStarted)
		}
		printNetwork(e, sum.Network)
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
		done := sum.Exported + sum.AlreadyExported + sum.Failed + sum.Valid
		return fmt.Errorf("interrupted after %d of %d rows (%d not started): the exports in flight were finished and saved; rerun the same command to continue", done, sum.Total, sum.Total-done)
	case sum.Failed > 0 && *dryRun:
		return fmt.Errorf("%d rows would fail: see the report; nothing was exported", sum.Failed)
	case sum.Failed > 0:
		return fmt.Errorf("%d rows failed: see the report", sum.Failed)
	}
	return nil
}
