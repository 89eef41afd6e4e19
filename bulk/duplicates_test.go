package bulk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

// appendRows adds rows to the fixture's input (which changes its digest).
func appendRows(t *testing.T, f *fixture, rows ...string) {
	t.Helper()
	fh, err := os.OpenFile(f.input, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	for _, r := range rows {
		_, err = fmt.Fprintln(fh, r)
		require.NoError(t, err)
	}
	require.NoError(t, fh.Close())
	f.rows += len(rows)
}

func TestRunImportsADuplicatedKeyOnce(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 8)
	// Rows 9-16: row 1's key again (WIF, FROST_BITCOIN), so eight rows hold
	// one key; with eight workers several race for it.
	var dups []string
	for i := range 7 {
		dups = append(dups, fmt.Sprintf(`{"name":"again %d","keyFile":"k1","format":"wif","curve":"secp256k1","protocol":"FROST_BITCOIN"}`, i))
	}
	// Row 16: row 4's key for Schnorr instead of ECDSA: another Dfns key.
	dups = append(dups, `{"name":"k4 for taproot","keyFile":"k4","curve":"secp256k1","protocol":"FROST_BITCOIN"}`)
	appendRows(t, f, dups...)

	sum, lines := run(t, context.Background(), f, c, func(o *bulk.ImportOptions) { o.Workers = 8 })
	require.Len(t, lines, 16)
	require.Equal(t, 0, sum.Failed)
	require.Equal(t, 9, sum.Imported, "8 distinct rows and row 4's key under a second scheme")
	require.Equal(t, 7, sum.AlreadyImported)

	sameKey := []int{1, 9, 10, 11, 12, 13, 14, 15}
	var owner int
	for _, row := range sameKey {
		if lines[row].Status == bulk.StatusImported {
			require.Zero(t, owner, "rows %d and %d both imported the same key", owner, row)
			owner = row
		}
	}
	require.NotZero(t, owner, "one of the rows imports the key")
	for _, row := range sameKey {
		l := lines[row]
		require.Equal(t, lines[owner].KeyID, l.KeyID, "row %d", row)
		require.Equal(t, f.want[1], l.PublicKey)
		if row != owner {
			require.Equal(t, bulk.StatusAlreadyImported, l.Status, "row %d: %s", row, l.Error)
			require.Equal(t, owner, l.DuplicateOf, "row %d", row)
		}
	}
	require.Equal(t, bulk.StatusImported, lines[16].Status)
	require.NotEqual(t, lines[4].KeyID, lines[16].KeyID)
	require.Zero(t, lines[16].DuplicateOf)

	byScheme := map[string]int{}
	for _, k := range srv.Keys() {
		byScheme[k.Key.Scheme+"/"+k.Key.PublicKey]++
	}
	require.Len(t, srv.Keys(), 9)
	require.Equal(t, 1, byScheme["Schnorr/"+f.want[1]])
	require.Equal(t, 1, byScheme["ECDSA/"+f.want[4]])
	require.Equal(t, 1, byScheme["Schnorr/"+f.want[4]])

	// A rerun answers every row from the journal, duplicates still named.
	sum, lines = run(t, context.Background(), f, c, nil)
	require.Equal(t, 0, sum.Imported)
	require.Equal(t, 16, sum.AlreadyImported)
	for _, row := range sameKey {
		require.Equal(t, lines[owner].KeyID, lines[row].KeyID)
		if row != owner {
			require.Equal(t, owner, lines[row].DuplicateOf, "row %d", row)
		} else {
			require.Zero(t, lines[row].DuplicateOf)
		}
	}
	require.Len(t, srv.Keys(), 9)
}

// The journal is lost, or the input was corrected (which a journal
// refuses): a new journal must not import again what Dfns already has.
func TestRunWithNewJournalImportsOnlyWhatDfnsLacks(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 6, `{"keyFile":"missing","curve":"secp256k1"}`)
	sum, first := run(t, context.Background(), f, c, nil)
	require.Equal(t, 6, sum.Imported)
	require.Equal(t, 1, sum.Failed)

	// The user fixes row 7 and adds a row; the old journal refuses the
	// changed input, so they start a new one.
	k := randomKey(t, keys.Stark)
	writeFile(t, f.dir, "missing", []byte(fmt.Sprintf("%x", k.Bytes())))
	appendRows(t, f, `{"keyFile":"k8new","curve":"ed25519"}`)
	writeFile(t, f.dir, "k8new", []byte(strings.Repeat("ab", 32)))
	_, err := bulk.Import(context.Background(), bulk.ImportOptions{InputPath: f.input, JournalPath: filepath.Join(f.dir, "journal"), Report: &strings.Builder{}, Client: c})
	require.ErrorContains(t, err, "made for a different input file")

	sum, second := run(t, context.Background(), f, c, func(o *bulk.ImportOptions) { o.JournalPath = filepath.Join(f.dir, "journal2") })
	require.Equal(t, 2, sum.Imported, "only the fixed row and the new row")
	require.Equal(t, 6, sum.AlreadyImported)
	require.Equal(t, 0, sum.Failed)
	for row := 1; row <= 6; row++ {
		require.Equal(t, bulk.StatusAlreadyImported, second[row].Status, "row %d", row)
		require.Equal(t, first[row].KeyID, second[row].KeyID, "row %d", row)
		require.Zero(t, second[row].DuplicateOf)
	}
	require.Equal(t, bulk.StatusImported, second[7].Status)
	require.Equal(t, bulk.StatusImported, second[8].Status)
	require.Len(t, srv.Keys(), 8)
}

// Dfns stops signing with an exported key, so importing it again is
// legitimate: an exported key does not count as already imported.
func TestRunImportsAgainAKeyThatWasExported(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 2)
	_, first := run(t, context.Background(), f, c, nil)
	exported, _, err := c.ExportKey(context.Background(), first[1].KeyID, dfnskeys.ExportOptions{})
	require.NoError(t, err)
	exported.Destroy()

	_, second := run(t, context.Background(), f, c, func(o *bulk.ImportOptions) { o.JournalPath = filepath.Join(f.dir, "journal2") })
	require.Equal(t, bulk.StatusImported, second[1].Status, second[1].Error)
	require.NotEqual(t, first[1].KeyID, second[1].KeyID)
	require.Equal(t, bulk.StatusAlreadyImported, second[2].Status)
	require.Equal(t, first[2].KeyID, second[2].KeyID)
	require.Len(t, srv.Keys(), 3)
}

// A row whose key an earlier row failed to import (for sure: nothing was
// created) imports it itself.
func TestRunDuplicateOfAFailedRowImports(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 1, `{"keyFile":"k1","format":"wif","curve":"secp256k1","protocol":"FROST_BITCOIN"}`)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteImportKey, Count: 1, Status: http.StatusBadRequest}))
	sum, lines := run(t, context.Background(), f, c, func(o *bulk.ImportOptions) { o.Workers = 1 })
	require.Equal(t, bulk.StatusFailed, lines[1].Status)
	require.Equal(t, bulk.StatusImported, lines[2].Status, lines[2].Error)
	require.Zero(t, lines[2].DuplicateOf)
	require.Equal(t, 1, sum.Imported)
	require.Len(t, srv.Keys(), 1)

	// Rerun: row 1 is now answered with row 2's key.
	sum, lines = run(t, context.Background(), f, c, nil)
	require.Equal(t, 0, sum.Failed)
	require.Equal(t, bulk.StatusAlreadyImported, lines[1].Status)
	require.Equal(t, lines[2].KeyID, lines[1].KeyID)
	require.Equal(t, 2, lines[1].DuplicateOf)
	require.Len(t, srv.Keys(), 1)
}

// A row whose key waits for a policy approval under another row is not
// sent either: once approved, it would be a second key.
func TestRunDuplicateOfAPendingRowIsNotSent(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 1, `{"keyFile":"k1","format":"wif","curve":"secp256k1","protocol":"FROST_BITCOIN"}`)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.PolicyApproval, Route: sim.RouteImportKey, Rate: 1}))
	sum, lines := run(t, context.Background(), f, c, func(o *bulk.ImportOptions) { o.Workers = 1 })
	require.Equal(t, 2, sum.Failed)
	require.Contains(t, lines[1].Error, "approval")
	require.Contains(t, lines[2].Error, "row 1 has the same key and its import waits for policy approval")
	require.Equal(t, 1, lines[2].DuplicateOf)
	imports := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/keys/import" {
			imports++
		}
	}
	require.Equal(t, 1, imports)
}

func TestValidateReportsDuplicates(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 3, `{"keyFile":"k2","format":"solana","curve":"ed25519"}`, `{"keyFile":"k3","curve":"stark"}`)
	sum, lines := validate(t, context.Background(), f, func(o *bulk.ImportOptions) { o.Workers = 1 })
	require.Equal(t, 5, sum.Valid)
	require.Equal(t, 2, lines[4].DuplicateOf)
	require.Equal(t, 3, lines[5].DuplicateOf)
	for row := 1; row <= 3; row++ {
		require.Zero(t, lines[row].DuplicateOf)
	}
	b, err := json.Marshal(lines[1])
	require.NoError(t, err)
	require.NotContains(t, string(b), "duplicateOf", "omitted when there is no earlier row")
}
