package bulk_test

import (
	"context"
	"encoding/hex"
	"testing"

	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/dfnstest"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

func prove(o *bulk.ImportOptions) { o.Prove = true }

// With Prove, every imported row gets a signature from Dfns that verifies
// under the public key computed from the row's secret, across the six
// protocol/curve pairs; a rerun proves nothing again.
func TestProveEveryRowOnce(t *testing.T) {
	t.Parallel()
	srv := dfnstest.NewServer(t)
	c := client(t, srv)
	secp, stark := randomKey(t, keys.Secp256k1), randomKey(t, keys.Stark)
	f := newFixture(t, 8,
		`{"keyFile":"c21s","curve":"secp256k1","protocol":"CGGMP21"}`,
		`{"keyFile":"c21k","curve":"stark","protocol":"CGGMP21"}`)
	writeFile(t, f.dir, "c21s", []byte(hex.EncodeToString(secp.Bytes())))
	writeFile(t, f.dir, "c21k", []byte(hex.EncodeToString(stark.Bytes())))
	f.want[9], f.want[10] = secp.PublicKeyHex(), stark.PublicKeyHex()

	sum, lines := run(t, context.Background(), f, c, prove)
	require.Equal(t, 10, sum.Imported)
	require.Equal(t, 10, sum.Proved)
	require.Zero(t, sum.ProofFailed)
	for row := range f.want {
		l := lines[row]
		require.NotNil(t, l.Proved, "row %d", row)
		require.True(t, *l.Proved, "row %d: %s", row, l.ProofError)
	}
	require.Equal(t, 10, srv.SignatureCount(), "one signature request per row")

	// A rerun proves nothing again: the journal remembers.
	sum, lines = run(t, context.Background(), f, c, prove)
	require.Equal(t, 10, sum.AlreadyImported)
	require.Equal(t, 10, sum.Proved)
	require.Equal(t, 10, srv.SignatureCount(), "no new signature request")
	for row := range f.want {
		require.True(t, *lines[row].Proved)
	}
	requireExactlyOnce(t, srv, f)
}

// A proof that fails is reported (not proved, with the reason) without
// undoing the import; a rerun with Prove proves just those rows, and so
// does a rerun with Prove after a run without it.
func TestProveFailuresAndLateProofs(t *testing.T) {
	t.Parallel()
	srv := dfnstest.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 8)

	srv.CorruptNextSignatures(3)
	sum, lines := run(t, context.Background(), f, c, prove)
	require.Equal(t, 8, sum.Imported)
	require.Equal(t, 5, sum.Proved)
	require.Equal(t, 3, sum.ProofFailed)
	failed := 0
	for row := range f.want {
		l := lines[row]
		require.Equal(t, bulk.StatusImported, l.Status, "the import itself succeeded")
		if !*l.Proved {
			failed++
			require.Contains(t, l.ProofError, "does not verify")
		}
	}
	require.Equal(t, 3, failed)
	require.Contains(t, sum.Reasons, bulk.Reason{Reason: "not proved: the signature Dfns returned does not verify under the row's public key", Count: 3},
		"the summary counts the proof failures under one reason")

	sum, _ = run(t, context.Background(), f, c, prove)
	require.Equal(t, 8, sum.Proved)
	require.Zero(t, sum.ProofFailed)
	require.Equal(t, 8+3, srv.SignatureCount(), "only the three unproved rows were proved again")

	// Imported without Prove, proved by a later run.
	g := newFixture(t, 4)
	srv2 := dfnstest.NewServer(t)
	c2 := client(t, srv2)
	sum, lines = run(t, context.Background(), g, c2, nil)
	require.Equal(t, 4, sum.Imported)
	require.Nil(t, lines[1].Proved)
	require.Zero(t, srv2.SignatureCount())
	sum, _ = run(t, context.Background(), g, c2, prove)
	require.Equal(t, 4, sum.Proved)
	require.Equal(t, 4, srv2.SignatureCount())
}

// Faults on the signature routes are absorbed by the client's retries; a
// policy holding a proof is reported as such, not as a bad signature.
func TestProveWithFaultsAndApprovals(t *testing.T) {
	t.Parallel()
	srv := dfnstest.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 8)
	srv.FailNext("GET /keys/{keyId}/signatures/{signatureId}", 3, 503)
	srv.RateLimitNext("POST /keys/{keyId}/signatures", 2, 0)
	sum, _ := run(t, context.Background(), f, c, prove)
	require.Equal(t, 8, sum.Proved)

	g := newFixture(t, 2)
	srv2 := dfnstest.NewServer(t)
	c2 := client(t, srv2)
	srv2.RequirePolicyApproval("POST /keys/{keyId}/signatures", true)
	sum, lines := run(t, context.Background(), g, c2, prove)
	require.Equal(t, 2, sum.Imported)
	require.Equal(t, 2, sum.ProofFailed)
	require.Contains(t, lines[1].ProofError, "policy")
}
