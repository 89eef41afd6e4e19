// Command roundtrip imports a fresh key for each supported scheme into a
// simulated Dfns (package dfnstest, on a loopback address) and exports it
// back, planning the import and recovering the export as an offline
// machine would.
// The simulated signers decrypt, validate and recombine shares as real ones
// do, so this exercises the whole wire format with no account.
//
//	go run ./examples/roundtrip
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/dfnstest"
	"github.com/dfnskeys/dfnskeys/keys"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "roundtrip:", err)
		os.Exit(1)
	}
}

func run() error {
	srv, err := dfnstest.StartServer(dfnstest.Options{})
	if err != nil {
		return err
	}
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	listed := srv.Signers()
	fmt.Printf("simulated cluster %s with %d signers\n\n", listed.Clusters[0].ClusterID, len(listed.Clusters[0].Signers))
	// The import target is what an offline machine makes from a saved
	// GET /signers answer ('dfnskeys signers --save').
	target, err := dfnskeys.NewImportTarget(listed, "", nil)
	if err != nil {
		return err
	}
	fmt.Printf("%-24s %-68s %9s %9s  %s\n", "scheme", "public key", "import", "export", "result")
	failed := 0
	for _, s := range keys.SupportedSchemes() {
		key, err := keys.GeneratePrivateKey(s.Curve)
		if err != nil {
			return err
		}
		start := time.Now()
		plan, err := target.Plan(key, dfnskeys.ImportKeyOptions{Protocol: s.Protocol})
		if err != nil {
			return err
		}
		importTime := time.Since(start)
		imported, err := c.SendImport(ctx, plan)
		if err != nil {
			return fmt.Errorf("%s: the signers rejected the import: %w", s, err)
		}
		ec, err := keys.NewExportContext()
		if err != nil {
			return err
		}
		exportPlan, err := c.PlanExport(ctx, imported.Key.ID, dfnskeys.ExportOptions{})
		if err != nil {
			return err
		}
		doc, err := c.SendExportRequest(ctx, exportPlan, &dfnskeys.ExportRequestDocument{Request: ec.Request()})
		if err != nil {
			return err
		}
		start = time.Now()
		got, faulty, err := ec.Recover(ctx, doc.Response, keys.RecoverOptions{Expect: keys.ExpectPublicKey(key.PublicKey())})
		exportTime := time.Since(start)
		ec.Destroy()
		result := "ok: recovered key equals the imported key"
		switch {
		case err != nil:
			result, failed = "FAILED: "+err.Error(), failed+1
		case !got.Equal(key):
			result, failed = "FAILED: recovered a different key", failed+1
		case len(faulty) > 0:
			result, failed = fmt.Sprintf("FAILED: %d faulty signers, first %s", len(faulty), faulty[0]), failed+1
		}
		fmt.Printf("%-24s %-68s %9s %9s  %s\n", s, key.PublicKeyHex(), importTime.Round(time.Microsecond), exportTime.Round(time.Microsecond), result)
		key.Destroy()
		if got != nil {
			got.Destroy()
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d scheme(s) failed", failed)
	}
	return nil
}
