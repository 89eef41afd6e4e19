package bulk_test

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/bulk"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

func prove(o *bulk.ImportOptions) { o.Prove = true }

// With Prove, every imported row gets a signature from Dfns that verifies
// under the public key computed from the row's secret, across the six
// protocol/curve pairs; a rerun proves nothing again.
func TestProveEveryRowOnce(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
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

	// A rerun asks Dfns again, with reads only: it lists each key's
	// signature requests and verifies the one with the recorded externalId.
	posts := signPOSTs(srv)
	sum, lines = run(t, context.Background(), f, c, prove)
	require.Equal(t, posts, signPOSTs(srv), "no signature request sent by the rerun")
	require.Equal(t, 10, sum.AlreadyImported)
	require.Equal(t, 10, sum.Proved)
	require.Equal(t, 10, srv.SignatureCount(), "no new signature request: the same externalIds")
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
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 8)

	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.BadSignature, Count: 3}))
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
	require.Equal(t, 8+3, srv.SignatureCount(), "the three rows whose signature did not verify were asked for new requests; the others for the same ones")

	// Imported without Prove, proved by a later run.
	g := newFixture(t, 4)
	srv2 := sim.NewServer(t)
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
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 8)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteGetSignature, Count: 3, Status: 503}))
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.RateLimit, Route: sim.RouteCreateSignature, Count: 2}))
	sum, _ := run(t, context.Background(), f, c, prove)
	require.Equal(t, 8, sum.Proved)

	g := newFixture(t, 2)
	srv2 := sim.NewServer(t)
	c2 := client(t, srv2)
	require.NoError(t, srv2.SetFaults(sim.Fault{Kind: sim.PolicyApproval, Route: sim.RouteCreateSignature, Rate: 1}))
	sum, lines := run(t, context.Background(), g, c2, prove)
	require.Equal(t, 2, sum.Imported)
	require.Equal(t, 2, sum.ProofFailed)
	require.Contains(t, lines[1].ProofError, "policy")
}

// A rerun after a key was exported, archived or deleted asks Dfns, not the
// journal (docs/threat-model.md §4): those rows get their own status, are
// not proved (though the journal recorded a proof) and are counted apart;
// the other rows are proved again by Dfns, with the same requests.
func TestRerunAsksDfnsNotTheJournal(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 5)
	sum, first := run(t, context.Background(), f, c, prove)
	require.Equal(t, 5, sum.Proved)
	require.Equal(t, 5, srv.SignatureCount())

	exported, _, err := c.ExportKey(context.Background(), first[1].KeyID, dfnskeys.ExportOptions{})
	require.NoError(t, err)
	exported.Destroy()
	require.True(t, srv.ArchiveKey(first[2].KeyID))
	require.True(t, srv.DeleteKey(first[3].KeyID))

	for _, withProve := range []bool{true, false} {
		mod := prove
		if !withProve {
			mod = nil
		}
		sum, lines := run(t, context.Background(), f, c, mod)
		require.Equal(t, 3, sum.Unusable, "prove=%v", withProve)
		require.Equal(t, 2, sum.AlreadyImported)
		for row, why := range map[int]string{1: "exported", 2: "archived", 3: "deleted"} {
			l := lines[row]
			require.Equal(t, bulk.StatusUnusable, l.Status, "row %d", row)
			require.Nil(t, l.Proved, "row %d: never proved from the journal", row)
			require.Contains(t, l.Error, "Dfns now reports that key "+why)
			require.Contains(t, l.Error, "new journal")
			require.Equal(t, first[row].KeyID, l.KeyID)
		}
		for _, row := range []int{4, 5} {
			require.Equal(t, bulk.StatusAlreadyImported, lines[row].Status)
			if withProve {
				require.True(t, *lines[row].Proved, "proved again, by Dfns, in this run")
				require.Equal(t, first[row].ProofExternalID, lines[row].ProofExternalID)
			} else {
				require.Nil(t, lines[row].Proved, "without --prove, no proof is claimed")
			}
		}
		if withProve {
			require.Equal(t, 2, sum.Proved)
		} else {
			require.Zero(t, sum.Proved)
		}
		require.Contains(t, sum.Reasons[0].Reason, "no longer usable in Dfns")
	}
	require.Equal(t, 5, srv.SignatureCount(), "proving again asked for the same requests")
}

// A proof the network keeps from completing is its own outcome, with the
// cause and "rerun to finish", not a failed proof; the rerun finishes it
// with the request the first run asked for.
func TestProofIncompleteThenRerun(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	c := client(t, srv)
	f := newFixture(t, 3)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.DropResponse, Route: sim.RouteCreateSignature, Rate: 1}))
	sum, lines := run(t, context.Background(), f, c, prove)
	require.Equal(t, 3, sum.Imported)
	require.Equal(t, 3, sum.ProofIncomplete)
	require.Zero(t, sum.ProofFailed)
	require.Zero(t, sum.Proved)
	for row := 1; row <= 3; row++ {
		l := lines[row]
		require.False(t, *l.Proved)
		require.True(t, l.ProofIncomplete)
		require.Contains(t, l.ProofError, "rerun to finish")
		require.Contains(t, l.ProofError, "may or may not have been processed", "the cause")
	}
	require.Contains(t, sum.Reasons[0].Reason, "proof not completed")
	require.Equal(t, 3, srv.SignatureCount(), "one request per key, however many attempts")

	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.DropResponse, Route: sim.RouteCreateSignature, Rate: 0}))
	sum, again := run(t, context.Background(), f, c, prove)
	require.Equal(t, 3, sum.Proved)
	require.Zero(t, sum.ProofIncomplete)
	for row := 1; row <= 3; row++ {
		require.Equal(t, lines[row].ProofExternalID, again[row].ProofExternalID)
		require.Equal(t, 1, srv.SignatureCountOf(again[row].KeyID))
	}
}

func signPOSTs(srv *sim.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/signatures") {
			n++
		}
	}
	return n
}
