// Command roundtrip imports a fresh key for each supported scheme into a
// simulated Dfns signing cluster and exports it back, entirely offline.
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
	"github.com/dfnskeys/dfnskeys/signers"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "roundtrip:", err)
		os.Exit(1)
	}
}

func run() error {
	cluster, err := dfnstest.NewCluster(5)
	if err != nil {
		return err
	}
	fmt.Printf("simulated cluster %s with %d signers\n\n", cluster.ID, len(cluster.Signers()))
	// The import target is what an offline machine makes from a saved
	// GET /signers answer ('dfnskeys signers --save').
	listed := &signers.ListResponse{Clusters: []signers.Cluster{{ClusterID: cluster.ID, Signers: cluster.Signers()}}}
	target, err := dfnskeys.NewImportTarget(listed, cluster.ID, nil)
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
		stored, err := cluster.Import(plan.Request)
		if err != nil {
			return fmt.Errorf("%s: the signers rejected the import: %w", s, err)
		}
		ctx, err := keys.NewExportContext()
		if err != nil {
			return err
		}
		resp, err := cluster.Export(stored, ctx.Request())
		if err != nil {
			return err
		}
		start = time.Now()
		got, faulty, err := ctx.Recover(context.Background(), resp, keys.RecoverOptions{})
		exportTime := time.Since(start)
		ctx.Destroy()
		result := "ok: recovered key equals the imported key"
		switch {
		case err != nil:
			result, failed = "FAILED: "+err.Error(), failed+1
		case !got.Equal(key):
			result, failed = "FAILED: recovered a different key", failed+1
		case len(faulty) > 0:
			result, failed = "FAILED: faulty signers: "+keys.FaultySignersString(faulty), failed+1
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
