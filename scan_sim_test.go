package dfnskeys_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

// getsSince counts the GET /keys and GET /keys/{keyId} requests after the
// first n.
func getsSince(reqs []string, n int) (lists, gets int) {
	for _, r := range reqs[n:] {
		switch {
		case r == "GET /keys":
			lists++
		case strings.HasPrefix(r, "GET /keys/"):
			gets++
		}
	}
	return lists, gets
}

// ScanKeys lists the organisation into the client's index and hands every
// key over; a look-up with ListedSince at or before that listing reuses
// it (one GET /keys/{keyId} to confirm a key found), and one without
// re-reads the tail of GET /keys.
func TestScanKeysFeedsTheLookUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := setup(t)
	key := freshKey(t, keys.Secp256k1)
	created, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)

	fresh := srv.Client(fastRetries()) // an index of its own
	reqs := func() []string {
		var out []string
		for _, r := range srv.Requests() {
			out = append(out, r.Method+" "+r.Path)
		}
		return out
	}
	start := time.Now()
	var seen []string
	require.NoError(t, fresh.ScanKeys(ctx, func(k *keys.Key) error { seen = append(seen, k.ID); return nil }, nil))
	require.Contains(t, seen, created.ID)

	n := len(reqs())
	plan, err := fresh.PlanImport(ctx, key, dfnskeys.ImportKeyOptions{ListedSince: start})
	require.NoError(t, err)
	require.NotNil(t, plan.Existing)
	require.Equal(t, created.ID, plan.Existing.ID)
	lists, gets := getsSince(reqs(), n)
	require.Equal(t, 0, lists, "the scan's listing is reused")
	require.Equal(t, 1, gets, "the key found is confirmed")

	n = len(reqs())
	_, err = fresh.PlanImport(ctx, key, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	lists, _ = getsSince(reqs(), n)
	require.Equal(t, 1, lists, "without ListedSince the tail is re-read")

	// Once, then again while pending says so, as often as the client's
	// lookups allow (fastRetries: LookupAttempts 3).
	n = len(reqs())
	asked := 0
	require.NoError(t, fresh.ScanKeys(ctx, nil, func() bool { asked++; return true }))
	lists, _ = getsSince(reqs(), n)
	require.Equal(t, 3, lists)
	require.Equal(t, 2, asked)
	n = len(reqs())
	require.NoError(t, fresh.ScanKeys(ctx, nil, func() bool { return false }))
	lists, _ = getsSince(reqs(), n)
	require.Equal(t, 1, lists)
}
