package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/safefile"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
)

var bulkImportCommand = &command{
	name:    "bulk-import",
	summary: "import many keys, resumably and exactly once",
	usage: `Usage: dfnskeys bulk-import --input FILE --journal FILE --report FILE
         [--workers N] [--dry-run] [--prove] [--cluster ID]
         [connection flags]

Imports every row of --input, JSON Lines (.jsonl) or CSV (.csv), with the
fields name, keyFile, format, curve, protocol, path, expectedAddress, kind,
passwordEnv and passwordFile (keyFile and curve required; files relative
to the input's directory; formats as for 'dfnskeys import'; curves in any
case; a key file group or others can read gets a warning: chmod go-r it).
Other fields are ignored, and named once on stderr; one a field's name but
for one or two edits (keyFle) is taken for a misspelling: that row fails
with "did you mean", and such a CSV header refuses the input.

A row may instead have a requestFile, an import request document made
offline by 'dfnskeys bulk-split' (whose requests.jsonl is such an input;
see 'dfnskeys help ceremony'): no key is read, --pinned-signers is
required, and each request must be for exactly the pinned signers.

One step of a row's path may be an inclusive range of accounts of one
mnemonic or xprv: m/44'/60'/0'/0/0-9, or hardened m/44'/501'/0-4'/0'
(ed25519 ranges must be). The row stands for one row per account (at most
1000), each imported, journaled and reported with its path; a name gets
"-" and the index appended; expectedAddress is refused. Report rows count
each account, in input order; inputRow gives the input's row.

Passwords: keystore rows use DFNS_KEY_PASSWORD, mnemonic rows the BIP-39
passphrase DFNS_MNEMONIC_PASSPHRASE (set it empty for none), unless the
row names its own variable (passwordEnv) or file (passwordFile), never the
secret itself. All are checked before anything is sent: a missing one is
asked for on a terminal, an error otherwise. Give mnemonic rows an
expectedAddress: a wrong passphrase or path derives another valid key.

The journal (mode 0600) is written durably before and after each import,
so a run can be killed at any moment and rerun: it skips rows imported and
looks up rows that may have been sent before sending them again. A run
locks its journal (a second run exits, naming the holder). A journal is
refused against another API, organisation or cluster than its own (start
a new one there). Rows it calls imported are checked against Dfns's key
list: one Dfns does not list fails, and one Dfns reports exported,
archived or deleted is unusable (see docs/threat-model.md §4).

Ctrl-C starts no new row, lets the rows in flight finish and stops: rerun
to continue. A second Ctrl-C stops at once; the rerun looks up the rows
then in flight before sending anything. Rows answered 202 (policy
approval) are never resent: rerun once approved.

Each distinct key is imported once: a row whose key Dfns already holds
(imported, active, never exported, same protocol and curve) is reported
already-imported with that key, even with a new journal, and a row
repeating an earlier row's key gets its key and duplicateOf.

The report (JSON Lines, never a secret, rewritten by every run) has per
row: row, inputRow, name, path, publicKey, addresses, keyId, status,
error, duplicateOf and, with --prove, proved, proofError, proofIncomplete
and proofExternalId. status is imported, already-imported, unusable,
failed, or valid in a dry run; "proved" is only what Dfns answered in that
run. Exit status is 0 only when every row is imported (or already) and,
with --prove, proved.

Flags:
  --input FILE     the rows
` + inputFormatUsage + `  --journal FILE   the run's journal (not needed with --dry-run)
` + reportUsage + `  --workers N      rows imported at the same time (default 4)
  --dry-run        validate every row (key parses, address matches), send
                   nothing
  --prove          after each import, have Dfns sign a hash with the key and
                   verify the signature here under the public key computed
                   from the row's secret ("proved"). The hash comes from an
                   externalId journaled before the request, so retries,
                   kills and reruns ask for the same request: one per key.
                   A rerun reads back and verifies every row's request
                   (asking again only when Dfns lists none); one the
                   network kept from completing is proofIncomplete: rerun.
                   Needs Keys:Signatures:Create and Keys:Signatures:Read.
  --cluster ID     signing cluster when several are listed
` + pinUsage + "\n" + connUsage,
	run: runBulkImport,
}

func runBulkImport(e *env, args []string) error {
	fs := newFlagSet("bulk-import")
	bf := addBulkFlags(fs, 256, true)
	journal := pathFlag(fs, "journal")
	dryRun := fs.Bool("dry-run", false, "")
	prove := fs.Bool("prove", false, "")
	clusterID := fs.String("cluster", "", "")
	pinFile := pathFlag(fs, "pinned-signers")
	cf := addConnFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	required := []string{}
	if !*dryRun {
		required = []string{"journal", *journal, "report", *bf.report}
	}
	if err := bf.check(required, "journal", *journal); err != nil {
		return err
	}
	pinned, err := pinnedSigners(e, *pinFile, *clusterID)
	if err != nil {
		return err
	}
	if *prove && *dryRun {
		return usagef("--prove cannot be used with --dry-run: a dry run imports nothing to prove")
	}
	opts := bulk.ImportOptions{InputPath: *bf.input, InputFormat: *bf.inputFormat, JournalPath: *journal, Workers: *bf.workers, ClusterID: *clusterID, PinnedSigners: pinned, Prove: *prove}
	defer bulkSecrets(e, &opts)()
	if !*dryRun {
		if opts.Client, err = cf.client(e, true); err != nil {
			return err
		}
	}
	bar := newProgressPrinter(e, *dryRun)
	opts.Progress, opts.ProgressEvery = bar.update, bar.every
	var warned sync.Map // key files already warned about
	opts.Notice = func(s string) {
		if _, dup := warned.LoadOrStore(s, true); !dup {
			bar.finish()
			fmt.Fprintf(e.stderr, "dfnskeys: bulk-import: warning: %s\n", safetext.Line(s))
		}
	}

	// The first interrupt starts no new row and lets the rows in flight
	// finish; a second one stops at once.
	var inFlight atomic.Int64 // rows in flight at the first interrupt
	opts.OnInterrupt = func(n int) {
		inFlight.Store(int64(n))
		bar.finish()
		fmt.Fprintf(e.stderr, "dfnskeys: bulk-import: interrupted: no new row is started; waiting for the %d %s in flight to finish (interrupt again to stop at once)\n", n, plural(n, "row", "rows"))
	}
	ctx, done := e.twoInterrupts(nil, func() {
		n := int(inFlight.Load())
		bar.finish()
		switch {
		case n <= 0:
			fmt.Fprintln(e.stderr, "dfnskeys: bulk-import: stopped at once; no import was in flight. Rerun the same command to continue; this run's report was not written")
		default:
			fmt.Fprintf(e.stderr, "dfnskeys: bulk-import: stopped at once with up to %d %s in flight, whose imports may or may not have been sent. The journal records such rows as started, so a rerun looks each one up in Dfns before sending anything: none is imported twice. Rerun the same command to continue; this run's report was not written\n", n, plural(n, "row", "rows"))
		}
	})
	defer done()
	entry := bulk.Import
	if *dryRun {
		opts.DryRun = true // checks every row; sends nothing, writes no journal
	}
	sum, err := runWithReport(e, *bf.report, func(w io.Writer) (*bulk.Summary, error) {
		opts.Report = w
		return entry(ctx, opts)
	})
	bar.finish()
	if err != nil && ctx.Err() != nil && sum == nil {
		return errors.New("interrupted while starting up, before any row was imported: nothing was sent; rerun the same command to start")
	}
	if sum != nil {
		printSummary(e, sum, *dryRun)
	}
	if err != nil {
		return err
	}
	switch {
	case sum.Interrupted:
		return fmt.Errorf("interrupted after %d of %d rows (the %d in flight finished; no row started after the interrupt): rerun the same command to continue", sum.Done, sum.Total, sum.InFlightAtInterrupt)
	case sum.Failed > 0 && *dryRun:
		return fmt.Errorf("%d of %d rows are invalid: see the report; correct them and check again (nothing was sent)", sum.Failed, sum.Total)
	case sum.Failed > 0:
		// The summary does not tell rows with bad input, which fail until
		// corrected, from rows that failed on the way to Dfns.
		return fmt.Errorf("%d of %d rows failed: see the report. Correct the rows whose input is wrong (key file, format, password, expected address), then rerun: it skips the rows imported and tries the failed ones again", sum.Failed, sum.Total)
	case sum.Unusable > 0:
		return fmt.Errorf("%d of %d rows were imported by an earlier run, but Dfns now reports their keys exported, archived or deleted, and no longer signs with them (status unusable; see docs/threat-model.md §4): if that was intended, keep the exported copies and drop those rows; to have Dfns hold those keys again, import them with a new journal", sum.Unusable, sum.Total)
	case sum.ProofFailed > 0:
		return fmt.Errorf("%d of %d rows are imported but not proved: see the report's proofError; rerun with --prove to prove them", sum.ProofFailed, sum.Total)
	case sum.ProofIncomplete > 0:
		return fmt.Errorf("%d of %d rows are imported but their proofs were not completed because of the network (proofIncomplete; see the report's proofError): rerun the same command to finish them; it asks Dfns for the same signature requests", sum.ProofIncomplete, sum.Total)
	}
	return nil
}

// bulkSecrets sets the run-wide secrets of a bulk run from the
// environment (DFNS_KEY_PASSWORD, DFNS_MNEMONIC_PASSPHRASE), the rows'
// variables, and a prompt on a terminal. The returned function clears
// them.
func bulkSecrets(e *env, opts *bulk.ImportOptions) func() {
	if pw, ok := lookupEnv(e, "DFNS_KEY_PASSWORD"); ok {
		opts.Password = append([]byte{}, pw...)
	}
	if pp, ok := lookupEnv(e, "DFNS_MNEMONIC_PASSPHRASE"); ok {
		opts.Passphrase = append([]byte{}, pp...) // non-nil when empty: "no passphrase"
	}
	opts.LookupEnv = func(k string) (string, bool) { return lookupEnv(e, k) }
	if in := terminalIn(e); in != nil {
		opts.Prompt = func(what string) ([]byte, error) { return ask(e, in, what+" (not echoed): ") }
	}
	return func() { clear(opts.Password); clear(opts.Passphrase) }
}

// inputFormatUsage and reportUsage describe flags of bulk-import and
// bulk-export.
const inputFormatUsage = `  --input-format F csv or jsonl: the input's format when its name ends in
                   neither (.txt); by default, its extension
`
const reportUsage = `  --report FILE    where to write the report (standard output with --dry-run
                   and no --report)
`

// bulkFlags are the flags the bulk commands share.
type bulkFlags struct {
	input, inputFormat, report *string
	workers                    *int
	maxWorkers                 int
}

// addBulkFlags adds --input, --report, --workers (1 to maxWorkers) and,
// withFormat, --input-format to fs.
func addBulkFlags(fs *flag.FlagSet, maxWorkers int, withFormat bool) *bulkFlags {
	b := &bulkFlags{input: pathFlag(fs, "input"), inputFormat: new(string), report: pathFlag(fs, "report"), workers: fs.Int("workers", 4, ""), maxWorkers: maxWorkers}
	if withFormat {
		b.inputFormat = fs.String("input-format", "", "")
	}
	return b
}

// check checks the shared flags: --input and the other required flags
// (name, value pairs) given, --input-format and --workers valid, and
// --report none of the files it would overwrite: the input and others
// (name, path pairs).
func (b *bulkFlags) check(required []string, others ...string) error {
	if err := requireFlags(append([]string{"input", *b.input}, required...)...); err != nil {
		return err
	}
	switch strings.ToLower(*b.inputFormat) {
	case "", "csv", "jsonl":
	default:
		return usagef("unknown --input-format %s: use csv or jsonl (or name the file .csv or .jsonl)", quotedOrHidden(*b.inputFormat))
	}
	if *b.workers < 1 || *b.workers > b.maxWorkers {
		return usagef("--workers %d is invalid: use 1 to %d", *b.workers, b.maxWorkers)
	}
	others = append([]string{"input", *b.input}, others...)
	for i := 0; i+1 < len(others); i += 2 {
		if *b.report != "" && safefile.Same(*b.report, others[i+1]) {
			return usagef("--report %s is also the --%s file, which it would overwrite: choose another report file", *b.report, others[i])
		}
	}
	return nil
}

// runWithReport runs run with the report's writer (openReport) and
// commits the report when run returns a summary: a run that fails before
// producing one leaves the previous report as it was.
func runWithReport[S any](e *env, path string, run func(io.Writer) (*S, error)) (*S, error) {
	w, rf, err := openReport(e, path)
	if err != nil {
		return nil, err
	}
	defer rf.Abort()
	sum, err := run(w)
	if sum != nil && rf != nil {
		if cerr := rf.Commit(); cerr != nil && err == nil {
			err = fmt.Errorf("--report: %w", cerr)
		}
	}
	return sum, err
}

// printReasons prints a bulk run's failures counted by reason.
func printReasons(e *env, reasons []bulk.Reason) {
	for _, r := range reasons {
		fmt.Fprintf(e.stderr, "  %d× %s\n", r.Count, safetext.Line(r.Reason))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func printSummary(e *env, s *bulk.Summary, dryRun bool) {
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.Imported) / s.Elapsed.Seconds()
	}
	if dryRun {
		fmt.Fprintf(e.stderr, "dry run: %d rows: %d valid, %d failed (nothing was sent)\n", s.Total, s.Valid, s.Failed)
	} else {
		interrupted := ""
		if s.Interrupted {
			interrupted = fmt.Sprintf(", %d not started (interrupted)", s.Total-s.Done)
		}
		unusable := ""
		if s.Unusable > 0 {
			unusable = fmt.Sprintf(", %d unusable (Dfns reports the key exported, archived or deleted)", s.Unusable)
		}
		fmt.Fprintf(e.stderr, "%d rows: %d imported, %d already imported (skipped)%s, %d failed%s, in %s (%.1f imports/s)\n",
			s.Total, s.Imported, s.AlreadyImported, unusable, s.Failed, interrupted, s.Elapsed.Round(time.Millisecond), rate)
		printNetwork(e, s.Network)
		if s.Proved+s.ProofFailed+s.ProofIncomplete > 0 {
			fmt.Fprintf(e.stderr, "proofs: %d proved (Dfns's signature verified under the row's public key), %d not proved, %d not completed (network: rerun to finish)\n", s.Proved, s.ProofFailed, s.ProofIncomplete)
		}
	}
	printReasons(e, s.Reasons)
}

// printNetwork says what the network did to a bulk run, when it did
// anything: the transient faults its calls met, the retries (each after a
// backoff: why a run through faults is slower) and the imports looked up
// after a lost answer.
func printNetwork(e *env, n dfnskeys.CallStats) {
	if n.Faults+n.Retries+n.Lookups == 0 {
		return
	}
	fmt.Fprintf(e.stderr, "network: %d %s met (429, 5xx, lost connections), %d %s after a backoff, %d %s by public key after a lost answer\n",
		n.Faults, plural(int(n.Faults), "fault", "faults"), n.Retries, plural(int(n.Retries), "request retried", "requests retried"), n.Lookups, plural(int(n.Lookups), "import looked up", "imports looked up"))
}

// fitLine returns the first of the lines that fits 79 columns (so that it
// never wraps on an 80-column terminal or log viewer), or the last.
func fitLine(lines ...string) string {
	for _, l := range lines {
		if len(l) <= 79 {
			return l
		}
	}
	return lines[len(lines)-1]
}

// openReport returns where a bulk command's report goes, escaped either
// way (safetext.JSON, safe to cat): standard output when path is empty,
// else path staged (safefile.Stage; staged is nil for standard output). A
// staged report is renamed into place on commit, so a run that fails
// before producing a report leaves the previous report as it was. A
// report holds no secret: mode 0644 less the umask, never forced.
func openReport(e *env, path string) (w io.Writer, staged *safefile.Staged, err error) {
	if path == "" {
		return safetext.JSONWriter(e.stdout), nil, nil
	}
	rf, err := safefile.Stage(path, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("creating --report: %w", err)
	}
	return safetext.JSONWriter(rf), rf, nil
}
