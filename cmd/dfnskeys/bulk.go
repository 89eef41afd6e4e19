package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
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

Imports every row of --input, a JSON Lines (.jsonl) or CSV (.csv) file with
the fields name, keyFile, format, curve, protocol, path, expectedAddress,
kind, passwordEnv and passwordFile (keyFile and curve are required; files
are relative to the input's directory; formats as for 'dfnskeys import').
Other fields and columns are ignored, and named once on stderr; a name one
or two edits from a field's (keyFle, expectedAdress) is taken for a
misspelling: that row fails with "did you mean", and such a CSV header
refuses the input.

Rows may instead have a requestFile: an import request document made
offline by 'dfnskeys bulk-split', whose requests.jsonl is such an input
(see 'dfnskeys help ceremony'). No key is read for them; --pinned-signers
is then required, and each request must be for exactly the pinned signers.

Many accounts of one mnemonic or xprv: one step of a row's path may be an
inclusive range, such as m/44'/60'/0'/0/0-9 (ten accounts) or, hardened,
m/44'/501'/0-4'/0' (ed25519 ranges must be hardened). The row stands for one
row per account, each imported, journaled and reported with its path; a name
gets "-" and the account's index appended. At most 1000 accounts per row;
expectedAddress is refused on a range row. Report rows are numbered in input
order counting each account; inputRow gives the input's row when it differs.

A key file its group or others can read is imported with a warning on
stderr (chmod go-r it). Curve names are read in any case.

Passwords: keystore rows use DFNS_KEY_PASSWORD, mnemonic rows the BIP-39
passphrase in DFNS_MNEMONIC_PASSPHRASE (set it empty for mnemonics without
one). A row that has its own names the environment variable (passwordEnv)
or the file (passwordFile) holding it, never the secret itself. Every
password the input needs is checked before anything is sent: a missing one
is asked for on a terminal, and is an error otherwise. Give mnemonic rows
an expectedAddress: a wrong passphrase or path derives another valid key,
and only the address tells.

The journal (created on the first run, mode 0600) is written durably before
and after each import, so the run can be killed at any moment and rerun: it
skips rows already imported and looks up rows that may have been sent before
importing anything again. A run locks its journal: a second run on it exits
at once, naming the process that holds it. A journal belongs to the API,
organisation and signing cluster it was made against, and is refused against
another (start a new journal there). Rows it calls imported are checked
against Dfns's key list, not taken on the journal's word: one Dfns does not
list is reported as failed, and one Dfns now reports exported, archived or
deleted (it no longer signs with it) as unusable (see docs/threat-model.md
§4).

Interrupt (Ctrl-C) starts no new row and says how many are in flight; they
finish, and the run stops: rerun to continue. A second interrupt stops at
once; the journal then holds those rows as started, and the rerun looks them
up before sending anything. Rows answered 202 (a policy approval) are never
resent; rerun once they are approved.

Each distinct key is imported once. The run lists the organisation's keys at
startup: a row whose key Dfns already holds (imported, active, never exported,
same protocol and curve) is reported already-imported with that key, so a new
journal (the old one lost, or refused after the input was corrected) never
imports a key twice. A row repeating an earlier row's key gets that row's key
and duplicateOf.

The report (JSON Lines, one object per row: row, inputRow, name, path,
publicKey, addresses, keyId, status, error, duplicateOf, and with --prove
proved, proofError, proofIncomplete and proofExternalId) is rewritten by
every run; status is imported, already-imported, unusable (imported by an
earlier run, but Dfns now reports the key exported, archived or deleted),
failed, or valid in a dry run. "proved" is only ever what Dfns answered in
that run. It never contains a secret. Exit status is 0 only when every row
is imported (or already imported) and, with --prove, proved.

Flags:
  --input FILE     the rows
  --input-format F csv or jsonl: the input's format when its name ends in
                   neither (.txt); by default, its extension
  --journal FILE   the run's journal (not needed with --dry-run)
  --report FILE    where to write the report (standard output with --dry-run
                   and no --report)
  --workers N      rows imported at the same time (default 4)
  --dry-run        validate every row (key parses, address matches) and send
                   nothing
  --prove          after importing a row, have Dfns sign a hash with its key
                   and verify the signature here, under the public key
                   computed from the row's secret; the report says "proved".
                   Each signature request has an externalId (recorded in the
                   journal before it is sent) from which the hash is derived,
                   so retries and reruns ask Dfns for the same request: one
                   per key, across kills. A rerun with --prove proves every
                   row again: it reads back each row's request and verifies
                   it (asking for that same request again only when Dfns
                   lists none). A proof the network kept from completing is
                   reported as not completed (proofIncomplete): rerun to
                   finish. Needs the Keys:Signatures:Create and
                   Keys:Signatures:Read permissions.
  --cluster ID     signing cluster when several are listed
` + pinUsage + "\n" + connUsage,
	run: runBulkImport,
}

func runBulkImport(e *env, args []string) error {
	fs := newFlagSet("bulk-import")
	input := pathFlag(fs, "input")
	inputFormat := fs.String("input-format", "", "")
	journal := pathFlag(fs, "journal")
	reportPath := pathFlag(fs, "report")
	workers := fs.Int("workers", 4, "")
	dryRun := fs.Bool("dry-run", false, "")
	prove := fs.Bool("prove", false, "")
	clusterID := fs.String("cluster", "", "")
	pinFile := pathFlag(fs, "pinned-signers")
	cf := addConnFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireFlags("input", *input); err != nil {
		return err
	}
	if !*dryRun {
		if err := requireFlags("journal", *journal, "report", *reportPath); err != nil {
			return err
		}
	}
	if err := checkInputFormat(*inputFormat); err != nil {
		return err
	}
	if *workers < 1 || *workers > 256 {
		return usagef("--workers %d is invalid: use 1 to 256", *workers)
	}
	// The report is truncated before the run starts.
	for _, o := range []struct{ name, path string }{{"input", *input}, {"journal", *journal}} {
		if safefile.Same(*reportPath, o.path) {
			return usagef("--report %s is also the --%s file, which it would overwrite: choose another report file", *reportPath, o.name)
		}
	}
	pinned, err := pinnedSigners(e, *pinFile, *clusterID)
	if err != nil {
		return err
	}
	if *prove && *dryRun {
		return usagef("--prove cannot be used with --dry-run: a dry run imports nothing to prove")
	}
	opts := bulk.ImportOptions{InputPath: *input, InputFormat: *inputFormat, JournalPath: *journal, Workers: *workers, ClusterID: *clusterID, PinnedSigners: pinned, Prove: *prove}
	defer bulkSecrets(e, &opts)()
	if !*dryRun {
		c, err := cf.client(e, true)
		if err != nil {
			return err
		}
		opts.Client = c
	}

	var rf *safefile.Staged
	opts.Report = safetext.JSONWriter(e.stdout) // a report on standard output: escaped (safetext.JSON)
	if *reportPath != "" {
		var err error
		if rf, err = createReport(*reportPath); err != nil {
			return err
		}
		defer rf.Abort()
		opts.Report = safetext.JSONWriter(rf) // the same JSON, safe to cat (safetext.JSON)
	}
	bar := newProgressPrinter(e)
	bar.dryRun = *dryRun
	opts.Progress, opts.ProgressEvery = bar.update, bar.every
	var warned sync.Map // key files already warned about
	opts.Notice = func(s string) {
		if _, dup := warned.LoadOrStore(s, true); !dup {
			bar.finish()
			fmt.Fprintf(e.stderr, "dfnskeys: bulk-import: warning: %s\n", safetext.Line(s))
		}
	}
	opts.IgnoredFields = func(names []string) {
		// The names are escaped and bounded by bulk (safetext).
		fmt.Fprintf(e.stderr, "dfnskeys: bulk-import: ignoring the input's unknown %s %s (the fields read are %s)\n", plural(len(names), "field", "fields"), safetext.Line(strings.Join(names, ", ")), strings.Join(bulk.InputFields(), ", "))
	}

	// The first interrupt starts no new row and lets the rows in flight
	// finish; a second one stops at once.
	var mu sync.Mutex
	inFlight := -1 // rows in flight at the first interrupt; -1 before the rows start
	opts.OnInterrupt = func(n int) {
		mu.Lock()
		inFlight = n
		mu.Unlock()
		bar.finish()
		fmt.Fprintf(e.stderr, "dfnskeys: bulk-import: interrupted: no new row is started; waiting for the %d %s in flight to finish (interrupt again to stop at once)\n", n, plural(n, "row", "rows"))
	}
	ctx, done := e.twoInterrupts(nil, func() {
		mu.Lock()
		n := inFlight
		mu.Unlock()
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
	sum, err := entry(ctx, opts)
	bar.finish()

	if err != nil && ctx.Err() != nil && sum == nil {
		return errors.New("interrupted while starting up, before any row was imported: nothing was sent; rerun the same command to start")
	}
	if sum != nil {
		if rf != nil {
			if cerr := rf.Commit(); cerr != nil && err == nil {
				err = fmt.Errorf("--report: %w", cerr)
			}
		}
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
	if in, ok := e.stdin.(*os.File); ok && isTerminal(in) {
		opts.Prompt = func(what string) ([]byte, error) {
			fmt.Fprintf(e.stderr, "%s (not echoed): ", what)
			b, err := readPassword(in)
			fmt.Fprintln(e.stderr)
			return b, err
		}
	}
	return func() { clear(opts.Password); clear(opts.Passphrase) }
}

// checkInputFormat checks --input-format: csv, jsonl or empty (from the
// file's extension).
func checkInputFormat(f string) error {
	switch strings.ToLower(f) {
	case "", "csv", "jsonl":
		return nil
	}
	return usagef("unknown --input-format %s: use csv or jsonl (or name the file .csv or .jsonl)", quotedOrHidden(f))
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
	for _, r := range s.Reasons {
		fmt.Fprintf(e.stderr, "  %d× %s\n", r.Count, safetext.Line(r.Reason))
	}
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

// createReport stages the report (safefile.Stage): it is renamed into
// place on commit, so a run that fails before producing a report leaves
// the previous report as it was. A report holds no secret: mode 0644 less
// the umask, never forced.
func createReport(path string) (*safefile.Staged, error) {
	rf, err := safefile.Stage(path, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating --report: %w", err)
	}
	return rf, nil
}
