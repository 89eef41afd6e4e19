package bulk_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/sim"
)

// A run looks keys up as Client.PlanImport does, in the client's index:
// the organisation is listed once at startup, and a key Dfns already holds
// is confirmed with one GET /keys/{keyId} before the row is reported
// already-imported. A new run makes no import request for them.
func TestRunLooksKeysUpThroughTheClient(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 12)
	_, first := run(t, context.Background(), f, c, nil)

	before := len(srv.Requests())
	sum, lines := run(t, context.Background(), f, c, func(o *bulk.ImportOptions) {
		o.JournalPath = filepath.Join(f.dir, "new journal") // lost: only Dfns knows
	})
	require.Equal(t, len(f.want), sum.AlreadyImported)
	require.Zero(t, sum.Imported)
	for row := range f.want {
		require.Equal(t, bulk.StatusAlreadyImported, lines[row].Status, "row %d", row)
		require.Equal(t, first[row].KeyID, lines[row].KeyID, "row %d", row)
	}
	count := map[string]int{}
	for _, r := range srv.Requests()[before:] {
		p := r.Method + " " + r.Path
		if strings.HasPrefix(r.Path, "/keys/") && r.Method == "GET" {
			p = "GET /keys/{keyId}"
		}
		count[p]++
	}
	require.Equal(t, map[string]int{"GET /signers": 1, "GET /keys": 1, "GET /keys/{keyId}": len(f.want)}, count)
	requireExactlyOnce(t, srv, f)
}
