package dfnskeys_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// offlineRequest is the offline half of the ceremony: the import request
// document made from a saved signers listing, with no client.
func offlineRequest(t *testing.T, list *signers.ListResponse, k *keys.PrivateKey) []byte {
	t.Helper()
	target, err := dfnskeys.NewImportTarget(list, "", list.Clusters[0].Signers)
	require.NoError(t, err)
	plan, err := target.Plan(k, dfnskeys.ImportKeyOptions{Name: "cold"})
	require.NoError(t, err)
	doc, err := json.Marshal(plan)
	require.NoError(t, err)
	return doc
}

func TestCeremonyImport(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	list, err := c.Signers.List(ctx)
	require.NoError(t, err)
	pinned := list.Clusters[0].Signers
	k := freshKey(t, keys.Secp256k1)
	doc := offlineRequest(t, list, k)
	pub := k.PublicKeyHex()
	k.Destroy()
	require.NotContains(t, string(doc), "private")
	require.Contains(t, string(doc), `"kind":"dfnskeys import request"`)

	// Online, from the document alone.
	var req dfnskeys.ImportPlan
	require.NoError(t, json.Unmarshal(doc, &req))
	require.Equal(t, pub, req.Identity.PublicKey)
	require.Len(t, req.Signers, len(pinned))
	plan, err := c.PlanImportRequest(ctx, &req, dfnskeys.ImportKeyOptions{PinnedSigners: pinned})
	require.NoError(t, err)
	require.Nil(t, plan.Existing)
	res, err := c.SendImport(ctx, plan)
	require.NoError(t, err)
	require.True(t, res.Created)
	require.Equal(t, pub, res.PublicKey)
	require.Equal(t, 1, importsSent(srv))

	// A rerun, by a new client (another run of the command), creates nothing.
	c2 := srv.Client(fastRetries())
	var again dfnskeys.ImportPlan
	require.NoError(t, json.Unmarshal(doc, &again))
	plan, err = c2.PlanImportRequest(ctx, &again, dfnskeys.ImportKeyOptions{PinnedSigners: pinned})
	require.NoError(t, err)
	require.NotNil(t, plan.Existing)
	require.Equal(t, res.ID, plan.Existing.ID)
	res2, err := c2.SendImport(ctx, plan)
	require.NoError(t, err)
	require.False(t, res2.Created)
	require.Equal(t, 1, importsSent(srv), "a rerun sends no second POST /keys/import")
}

func TestCeremonyImportSignersChanged(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	list, err := c.Signers.List(ctx)
	require.NoError(t, err)
	pinned := list.Clusters[0].Signers
	k := freshKey(t, keys.Secp256k1)
	defer k.Destroy()
	doc := offlineRequest(t, list, k)
	var req dfnskeys.ImportPlan
	require.NoError(t, json.Unmarshal(doc, &req))

	// The live listing changes between split and send.
	other := sim.NewServer(t)
	sub := other.Clusters()[0].WireSigners()[0]
	require.NoError(t, srv.SubstituteListedSigner(0, 1, sub))
	_, err = c.PlanImportRequest(ctx, &req, dfnskeys.ImportKeyOptions{PinnedSigners: pinned})
	require.ErrorIs(t, err, signers.ErrPinMismatch)
	require.ErrorContains(t, err, "nothing was sent")
	require.Zero(t, importsSent(srv))

	// A request encrypted to other signers than the pinned ones.
	otherPinned := other.Clusters()[0].WireSigners()
	_, err = c.PlanImportRequest(ctx, &req, dfnskeys.ImportKeyOptions{PinnedSigners: otherPinned})
	require.ErrorIs(t, err, signers.ErrPinMismatch)
	require.ErrorContains(t, err, "encrypted to other signers than the pinned ones")
	// Pinned signers are required.
	_, err = c.PlanImportRequest(ctx, &req, dfnskeys.ImportKeyOptions{PinnedSigners: nil})
	require.ErrorContains(t, err, "needs the pinned signers")
	require.Zero(t, importsSent(srv))
}

func TestCeremonyExport(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	mine, theirs := freshKey(t, keys.Secp256k1), freshKey(t, keys.Secp256k1)
	defer mine.Destroy()
	defer theirs.Destroy()
	imp := func(k *keys.PrivateKey) *keys.Key {
		r, err := c.ImportKey(ctx, k, dfnskeys.ImportKeyOptions{AllowDuplicate: true})
		require.NoError(t, err)
		return r.Key
	}
	victim, other, spare := imp(mine), imp(theirs), imp(mine)

	// Offline: the request; online: send it, save the answer.
	twoStep := func(keyID string, expect keys.Expectation) (*keys.ExportContext, []byte, error) {
		ec, err := keys.NewExportContext()
		require.NoError(t, err)
		reqDoc, err := json.Marshal(&dfnskeys.ExportRequestDocument{KeyID: keyID, Request: ec.Request()})
		require.NoError(t, err)
		require.Contains(t, string(reqDoc), `"kind":"dfnskeys export request"`)
		var req dfnskeys.ExportRequestDocument
		require.NoError(t, json.Unmarshal(reqDoc, &req))
		plan, err := c.PlanExport(ctx, keyID, dfnskeys.ExportOptions{Expect: expect})
		if err != nil {
			return ec, nil, err
		}
		resp, err := c.SendExportRequest(ctx, plan, &req)
		if err != nil {
			return ec, nil, err
		}
		out, err := json.Marshal(resp)
		require.NoError(t, err)
		return ec, out, nil
	}
	recoverDoc := func(ec *keys.ExportContext, data []byte, exp keys.Expectation) (*keys.PrivateKey, error) {
		var d dfnskeys.ExportResponseDocument
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, err
		}
		k, _, err := ec.Recover(ctx, d.Response, keys.RecoverOptions{Expect: exp})
		return k, err
	}

	ec, respDoc, err := twoStep(victim.ID, nil)
	require.NoError(t, err)
	require.Contains(t, string(respDoc), victim.ID)
	got, err := recoverDoc(ec, respDoc, keys.ExpectPublicKey(mine.PublicKey()))
	require.NoError(t, err)
	require.Equal(t, mine.PublicKeyHex(), got.PublicKeyHex())
	got.Destroy()

	// A request made for another key is not sent for this one.
	ec2, err := keys.NewExportContext()
	require.NoError(t, err)
	plan, err := c.PlanExport(ctx, spare.ID, dfnskeys.ExportOptions{})
	require.NoError(t, err)
	n := exportsSent(srv)
	_, err = c.SendExportRequest(ctx, plan, &dfnskeys.ExportRequestDocument{KeyID: other.ID, Request: ec2.Request()})
	require.ErrorContains(t, err, "nothing was sent")
	require.Equal(t, n, exportsSent(srv))

	// A consistently substituted key: the online side (which knows no
	// key) saves the answer; the offline side refuses it.
	require.NoError(t, srv.SubstituteKey(spare.ID, other.ID))
	ec, respDoc, err = twoStep(spare.ID, nil)
	require.NoError(t, err)
	_, err = recoverDoc(ec, respDoc, keys.ExpectPublicKey(mine.PublicKey()))
	var uk *keys.UnexpectedKeyError
	require.ErrorAs(t, err, &uk)
	require.True(t, uk.Exported)

	// An export-only substitution is caught online: the answer is for
	// another public key than the key Dfns reported.
	require.NoError(t, srv.SubstituteKey(spare.ID, ""))
	fresh := imp(mine)
	require.NoError(t, srv.SubstituteExport(fresh.ID, other.ID))
	_, _, err = twoStep(fresh.ID, keys.ExpectPublicKey(mine.PublicKey()))
	require.ErrorAs(t, err, &uk)

	// A response document edited to name the other key is refused.
	ec, respDoc, err = twoStep(imp(mine).ID, nil)
	require.NoError(t, err)
	edited := strings.Replace(string(respDoc), mine.PublicKeyHex(), theirs.PublicKeyHex(), 1)
	_, err = recoverDoc(ec, []byte(edited), nil)
	require.ErrorContains(t, err, "for another key than the one recorded")
}
