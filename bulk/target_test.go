package bulk_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/bulk/internal/journal"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/stretchr/testify/require"
)

// A journal belongs to the API, organisation and cluster it was made
// against: used against another simulator it is refused before anything
// is sent, and a new journal there imports everything.
func TestRunRefusesJournalOfAnotherTarget(t *testing.T) {
	t.Parallel()
	rehearsal, production := sim.NewServer(t), sim.NewServer(t)
	f := newFixture(t, 3)
	sum, _ := run(t, context.Background(), f, client(t, rehearsal), nil)
	require.Equal(t, 3, sum.Imported)

	var report bytes.Buffer
	_, err := bulk.Import(context.Background(), bulk.ImportOptions{InputPath: f.input, JournalPath: filepath.Join(f.dir, "journal"), Report: &report, Client: client(t, production)})
	require.ErrorContains(t, err, "the journal "+filepath.Join(f.dir, "journal")+" was made against "+rehearsal.URL()+", organisation "+rehearsal.OrgID()+", cluster "+rehearsal.Clusters()[0].ID+
		", but this run is against "+production.URL()+", organisation "+production.OrgID()+", cluster "+production.Clusters()[0].ID+": ")
	require.ErrorContains(t, err, "start a new journal (--journal NEW_FILE)")
	require.Zero(t, production.KeyCount())
	for _, r := range production.Requests() {
		require.NotEqual(t, "/keys/import", r.Path, "nothing is sent")
	}

	// The rehearsal journal still works against the rehearsal.
	sum, _ = run(t, context.Background(), f, client(t, rehearsal), nil)
	require.Equal(t, 3, sum.AlreadyImported)

	// A new journal against production imports every row.
	sum, _ = run(t, context.Background(), f, client(t, production), func(o *bulk.ImportOptions) { o.JournalPath = filepath.Join(f.dir, "production.journal") })
	require.Equal(t, 3, sum.Imported)
	require.Equal(t, 3, production.KeyCount())
}

// A row the journal calls imported, whose key Dfns does not list (a
// journal from before targets were recorded, reused elsewhere; or a key
// deleted since), is reported as failed, never silently skipped, and never
// imported again with that journal.
func TestRunReportsImportedRowsDfnsDoesNotList(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 3)
	digest, err := journal.InputDigest(f.input)
	require.NoError(t, err)
	j, err := journal.Open(filepath.Join(f.dir, "journal"), digest)
	require.NoError(t, err)
	pub1, _ := hex.DecodeString(f.want[1])
	require.NoError(t, j.Put(1, journal.Record{State: journal.StateImported, PublicKey: pub1, KeyID: "key-elsewhere"}))
	require.NoError(t, j.Close())

	sum, lines := run(t, context.Background(), f, c, nil)
	require.Equal(t, bulk.StatusFailed, lines[1].Status)
	require.Equal(t, "key-elsewhere", lines[1].KeyID)
	require.Equal(t, "the journal records this row as imported as key key-elsewhere, but Dfns does not list that key (deleted, or the journal was used against another organisation): not imported again; check the key in Dfns, and to import this row again use a new journal", lines[1].Error)
	require.Equal(t, 2, sum.Imported)
	require.Equal(t, 1, sum.Failed)
	require.Equal(t, 2, srv.KeyCount())

	// Rows imported by a run are confirmed by the next one's listing.
	sum, lines = run(t, context.Background(), f, c, nil)
	require.Equal(t, 2, sum.AlreadyImported)
	require.Equal(t, bulk.StatusFailed, lines[1].Status)
	require.Equal(t, bulk.StatusAlreadyImported, lines[2].Status)
	require.Equal(t, bulk.StatusAlreadyImported, lines[3].Status)

	// A new journal imports the row.
	sum, lines = run(t, context.Background(), f, c, func(o *bulk.ImportOptions) { o.JournalPath = filepath.Join(f.dir, "new.journal") })
	require.Equal(t, bulk.StatusImported, lines[1].Status)
	require.Equal(t, 1, sum.Imported)
	require.Equal(t, 2, sum.AlreadyImported)
	require.Equal(t, 3, srv.KeyCount())
}
