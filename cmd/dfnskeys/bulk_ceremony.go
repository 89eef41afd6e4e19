package main

import (
	"context"
	"fmt"
	"io"

	"github.com/dfnskeys/dfnskeys/bulk"
)

// The bulk export of the ceremony: bulk-export-request (offline),
// bulk-export --carry-dir (online), bulk-recover (offline).

const bulkCeremonyFlags = `The report is JSON Lines: row, keyId, name, curve, publicKey, file, status
(requested, answered or recovered; kept when an earlier run did the row;
failed) and error. Exit status is 0 only when no row failed.

Flags:
  --input FILE       the keys: keyId, name, publicKey (a bulk-import report)
  --carry-dir DIR    what is carried between the machines (no secret)
  --report FILE      where to write the report (JSON Lines)
  --workers N        rows processed at the same time (default 4)
`

var bulkExportRequestCommand = &command{
	name:    "bulk-export-request",
	summary: "offline: an export request for every key listed",
	usage: `Usage: dfnskeys bulk-export-request --input FILE --carry-dir DIR
                                   --key-dir DIR --report FILE

The first, offline, step of a bulk export in the air-gapped ceremony (see
'dfnskeys help ceremony'). For each key of --input, saves a one-time
decryption key to KEY_DIR/KEY_ID.dk (mode 0600; it never leaves this
machine) and writes CARRY_DIR/KEY_ID.export-request.json. Carry CARRY_DIR
and the input to the online machine and run 'dfnskeys bulk-export --input
FILE --carry-dir DIR --report FILE' there; bring CARRY_DIR back and run
'dfnskeys bulk-recover'. A rerun keeps what is made. Needs no network.

` + bulkCeremonyFlags + `  --key-dir DIR      decryption keys (and later the keys), this machine only
`,
	run: func(e *env, args []string) error { return runBulkCeremony(e, args, "bulk-export-request") },
}

var bulkRecoverCommand = &command{
	name:    "bulk-recover",
	summary: "offline: recover every key from its export answer",
	usage: `Usage: dfnskeys bulk-recover --input FILE --carry-dir DIR --key-dir DIR
                            --report FILE

The last, offline, step of a bulk export in the air-gapped ceremony (see
'dfnskeys help ceremony'). For each key of --input, decrypts
CARRY_DIR/KEY_ID.export-response.json with KEY_DIR/KEY_ID.dk, checks the key
against the row's publicKey (required: an answer for another key is refused
and discarded, see docs/threat-model.md §2) and writes it to
KEY_DIR/KEY_ID.json, an export document (mode 0600). KEY_DIR must not be
writable by group or others. A rerun keeps the keys recovered.

` + bulkCeremonyFlags + `  --key-dir DIR      the decryption keys, and where the keys go
`,
	run: func(e *env, args []string) error { return runBulkCeremony(e, args, "bulk-recover") },
}

// bulkExportCarryUsage is bulk-export's online step of the ceremony.
const bulkExportCarryUsage = `
The online step of a bulk export in the air-gapped ceremony: with
--carry-dir DIR (made by 'dfnskeys bulk-export-request') instead of
--out-dir, each key's DIR/KEY_ID.export-request.json is sent and Dfns's
answer saved, still encrypted, as DIR/KEY_ID.export-response.json; this
machine cannot decrypt it. --format does not apply. A row's publicKey still
stops an export Dfns reports as another key. A rerun sends only what has no
answer yet (an answer lost to a kill is asked for again with the same
request). Report statuses: answered, kept, failed. Then carry DIR back and
run 'dfnskeys bulk-recover'.
  --carry-dir DIR  the export requests, and where the answers go
`

func runBulkCeremony(e *env, args []string, name string) error {
	fs := newFlagSet(name)
	bf := addBulkFlags(fs, 64, false)
	carry := pathFlag(fs, "carry-dir")
	keyDir := pathFlag(fs, "key-dir")
	online := name == "bulk-export"
	var cf *connFlags
	if online {
		pathFlag(fs, "out-dir")
		fs.String("format", "", "")
		cf = addConnFlags(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	required := []string{"carry-dir", *carry, "report", *bf.report}
	if !online {
		required = append(required, "key-dir", *keyDir)
	}
	if err := bf.check(required); err != nil {
		return err
	}
	for _, f := range []string{"out-dir", "format", "key-dir"} {
		if v := fs.Lookup(f); online && v != nil && v.Value.String() != "" {
			return usagef("--%s cannot be used with --carry-dir: the answers are saved, still encrypted, to the carry directory", f)
		}
	}
	opts := bulk.CeremonyExportOptions{InputPath: *bf.input, CarryDir: *carry, KeyDir: *keyDir, Workers: *bf.workers}
	step := map[string]func(context.Context, bulk.CeremonyExportOptions) (*bulk.ExportSummary, error){
		"bulk-export-request": bulk.MakeExportRequests, "bulk-export": bulk.SendExportRequests, "bulk-recover": bulk.RecoverExports,
	}[name]
	if online {
		var err error
		if opts.Client, err = cf.client(e, true); err != nil {
			return err
		}
	}
	ctx, stop := e.context()
	defer stop()
	sum, err := runWithReport(e, *bf.report, func(w io.Writer) (*bulk.ExportSummary, error) {
		opts.Report = w
		return step(ctx, opts)
	})
	if sum != nil {
		done := map[string]string{"bulk-export-request": "requested", "bulk-export": "answered (saved still encrypted)", "bulk-recover": "recovered"}[name]
		fmt.Fprintf(e.stderr, "%d rows: %d %s, %d done by an earlier run, %d failed\n", sum.Total, sum.Exported, done, sum.AlreadyExported, sum.Failed)
	}
	switch {
	case err != nil:
		return err
	case sum.Interrupted:
		return fmt.Errorf("interrupted after %d rows: the rows in flight were finished; rerun the same command to continue", sum.Total)
	case sum.Failed > 0:
		return fmt.Errorf("%d rows failed: see the report", sum.Failed)
	}
	return nil
}
