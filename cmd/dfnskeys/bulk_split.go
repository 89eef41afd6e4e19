package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/dfnskeys/dfnskeys/bulk"
)

var bulkSplitCommand = &command{
	name:    "bulk-split",
	summary: "offline: an import request document for every row",
	usage: `Usage: dfnskeys bulk-split --input FILE --signers FILE --out-dir DIR
                          [--report FILE] [--cluster ID] [--workers N]

The offline half of a bulk import in the air-gapped ceremony (see 'dfnskeys
help ceremony'); needs no network and no DFNS_* settings. Reads the rows of
--input as bulk-import does (keyFile rows, with their passwords), splits
each key among the signers of the saved --signers file into
DIR/row-NNNNNN.json, an import request document, and, once every row is
split, writes DIR/requests.jsonl: carry DIR to the online machine and run
  dfnskeys bulk-import --input DIR/requests.jsonl --journal FILE \
    --report FILE --pinned-signers signers.json
there. A rerun (after a failed row, Ctrl-C or a kill) keeps the documents
made (written whole or not at all, never overwritten) and makes the rest.
The report (JSON Lines: row, name, publicKey, addresses, status split or
failed, error) goes to --report or standard output.

Flags:
  --input FILE     the rows (JSON Lines or CSV, as for bulk-import)
  --signers FILE   saved GET /signers response ('dfnskeys signers --save')
  --out-dir DIR    where the documents go (created if missing)
  --report FILE    where to write the report (default standard output)
  --cluster ID     cluster to use when --signers lists several
  --workers N      rows split at the same time (default 4)
`,
	run: runBulkSplit,
}

func runBulkSplit(e *env, args []string) error {
	fs := newFlagSet("bulk-split")
	bf := addBulkFlags(fs, 256, false)
	signersPath := pathFlag(fs, "signers")
	outDir := pathFlag(fs, "out-dir")
	clusterID := fs.String("cluster", "", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := bf.check([]string{"signers", *signersPath, "out-dir", *outDir}, "signers", *signersPath); err != nil {
		return err
	}
	target, err := loadTarget(*signersPath, *clusterID)
	if err != nil {
		return err
	}
	opts := bulk.SplitOptions{ImportOptions: bulk.ImportOptions{InputPath: *bf.input, Workers: *bf.workers}, Target: target, OutDir: *outDir}
	defer bulkSecrets(e, &opts.ImportOptions)()
	// Interrupts: the first starts no new row, the second stops at once;
	// either way the documents made are whole, and a rerun continues.
	ctx, done := e.twoInterrupts(func() {
		fmt.Fprintln(e.stderr, "dfnskeys: bulk-split: interrupted: no new row is started (interrupt again to stop at once)")
	}, func() {
		fmt.Fprintln(e.stderr, "dfnskeys: bulk-split: stopped at once; rerun the same command to continue")
	})
	defer done()
	sum, err := runWithReport(e, *bf.report, func(w io.Writer) (*bulk.Summary, error) {
		opts.Report = w
		return bulk.Split(ctx, opts)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d rows: %d split, %d failed\n", sum.Total, sum.Valid, sum.Failed)
	printReasons(e, sum.Reasons)
	switch {
	case sum.Interrupted:
		return fmt.Errorf("interrupted after %d of %d rows: rerun the same command to continue (%s was not written)", sum.Done, sum.Total, bulk.RequestsFile)
	case sum.Failed > 0:
		return fmt.Errorf("%d of %d rows failed: see the report; correct them and rerun (%s was not written; the documents made are kept)", sum.Failed, sum.Total, bulk.RequestsFile)
	}
	fmt.Fprintf(e.stderr, "wrote %s: carry %s to the online machine\n", filepath.Join(*outDir, bulk.RequestsFile), *outDir)
	return nil
}
