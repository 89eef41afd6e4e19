package bulk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/dfnstest"
)

// Import the keys an input file lists, with a journal that lets a rerun
// continue where a killed run stopped, and read the report. The second run
// finds every key already imported and sends no import.
func ExampleImport() {
	srv, err := dfnstest.StartServer(dfnstest.Options{}) // stands in for Dfns
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	signer, err := auth.NewKeySigner(srv.CredentialID(), srv.CredentialPEM())
	if err != nil {
		log.Fatal(err)
	}
	client, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(srv.URL()), dfnskeys.WithAuthToken(srv.Token()), dfnskeys.WithSigner(signer))
	if err != nil {
		log.Fatal(err)
	}

	dir, err := os.MkdirTemp("", "bulk-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// Two key files, hex, and the input naming them.
	files := map[string]string{
		"treasury.hex": "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318\n",
		"payroll.hex":  "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60\n",
		"input.jsonl": `{"name":"treasury","keyFile":"treasury.hex","curve":"secp256k1"}
{"name":"payroll","keyFile":"payroll.hex","curve":"ed25519"}
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			log.Fatal(err)
		}
	}

	for run := 1; run <= 2; run++ {
		var report bytes.Buffer
		sum, err := bulk.Import(context.Background(), bulk.ImportOptions{
			InputPath:   filepath.Join(dir, "input.jsonl"),
			JournalPath: filepath.Join(dir, "journal"),
			Report:      &report,
			Client:      client,
		})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("run %d: %d rows, %d imported, %d already imported, %d failed\n", run, sum.Total, sum.Imported, sum.AlreadyImported, sum.Failed)
		// One JSON line per row, in the order rows finish.
		var lines []bulk.ReportLine
		for dec := json.NewDecoder(&report); dec.More(); {
			var l bulk.ReportLine
			if err := dec.Decode(&l); err != nil {
				log.Fatal(err)
			}
			lines = append(lines, l)
		}
		slices.SortFunc(lines, func(a, b bulk.ReportLine) int { return a.Row - b.Row })
		for _, l := range lines {
			fmt.Printf("  row %d %s: %s\n", l.Row, l.Name, l.Status)
		}
	}
	fmt.Println("keys in Dfns:", len(srv.Keys()))
	// Output:
	// run 1: 2 rows, 2 imported, 0 already imported, 0 failed
	//   row 1 treasury: imported
	//   row 2 payroll: imported
	// run 2: 2 rows, 0 imported, 2 already imported, 0 failed
	//   row 1 treasury: already-imported
	//   row 2 payroll: already-imported
	// keys in Dfns: 2
}
