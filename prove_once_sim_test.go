package dfnskeys_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/auth"
	iproof "github.com/dfnskeys/dfnskeys/internal/proof"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signatures"
	"github.com/stretchr/testify/require"
)

const signRoute = sim.RouteCreateSignature

func signPOSTs(srv *sim.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/signatures") {
			n++
		}
	}
	return n
}

// incomplete reports whether err is a proof the network kept from
// completing (a *ProofError with Incomplete set).
func incomplete(err error) bool {
	var pe *dfnskeys.ProofError
	return errors.As(err, &pe) && pe.Incomplete
}

func importFresh(t *testing.T, c *dfnskeys.Client, curve keys.Curve) (*keys.Key, *keys.PrivateKey) {
	t.Helper()
	key := freshKey(t, curve)
	created, err := c.ImportKey(context.Background(), key, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	return created.Key, key
}

// A signature POST that Dfns processed but whose answer was lost (the
// connection dropped, or a 502 after processing) is retried with the same
// externalId and body, and lands as one request on the server.
func TestProofProcessedButUnansweredIsRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, fault := range map[string]sim.Fault{
		"dropped answer":       {Kind: sim.DropResponse, Route: signRoute, Count: 2},
		"502 after processing": {Kind: sim.FailAfter, Route: signRoute, Count: 2, Status: http.StatusBadGateway},
		"503 before":           {Kind: sim.FailBefore, Route: signRoute, Count: 2, Status: http.StatusServiceUnavailable},
		"429":                  {Kind: sim.RateLimit, Route: signRoute, Count: 2},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t)
			created, key := importFresh(t, c, keys.Secp256k1)
			require.NoError(t, srv.SetFaults(fault))
			proof, err := c.ProveKey(ctx, created, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
			require.NoError(t, err)
			require.Equal(t, 3, signPOSTs(srv), "two failed attempts and one answered")
			require.Equal(t, 1, srv.SignatureCount(), "exactly one signature request on the server")
			require.Equal(t, iproof.ExternalID(created.ID, key.PublicKey()), proof.ExternalID)
			require.Equal(t, iproof.Hash(keys.Secp256k1, proof.ExternalID), proof.Hash)
			// Every attempt sent the identical body.
			var bodies []string
			for _, r := range srv.Requests() {
				if r.Method == "POST" && strings.HasSuffix(r.Path, "/signatures") {
					bodies = append(bodies, string(r.Body))
				}
			}
			require.Len(t, bodies, 3)
			require.Equal(t, bodies[0], bodies[1])
			require.Equal(t, bodies[0], bodies[2])
			require.Contains(t, bodies[0], `"externalId":"`+proof.ExternalID+`"`)
		})
	}
}

// A rerun (a second ProveKey with the same key and public key, as after a
// crash) asks for the same request: Dfns answers with the one made first.
// Another ExternalID is a fresh proof of another hash.
func TestProofRerunAsksForTheSameRequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := setup(t)
	created, key := importFresh(t, c, keys.Stark)
	first, err := c.ProveKey(ctx, created, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
	require.NoError(t, err)
	again, err := c.ProveKey(ctx, created, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
	require.NoError(t, err)
	require.Equal(t, first.SignatureID, again.SignatureID)
	require.Equal(t, first.Hash, again.Hash)
	require.Equal(t, 1, srv.SignatureCount())
	require.Less(t, first.Hash[0], byte(0x08), "a stark proof hash is below 2^251")

	fresh, err := c.ProveKey(ctx, created, dfnskeys.ProveOptions{PublicKey: key.PublicKey(), ExternalID: "my-second-proof"})
	require.NoError(t, err)
	require.NotEqual(t, first.SignatureID, fresh.SignatureID)
	require.NotEqual(t, first.Hash, fresh.Hash)
	require.Equal(t, 2, srv.SignatureCount())

	_, err = c.ProveKey(ctx, created, dfnskeys.ProveOptions{ExternalID: "has space"})
	require.ErrorContains(t, err, "not printable ASCII")
	_, err = c.ProveKey(ctx, created, dfnskeys.ProveOptions{ExternalID: strings.Repeat("x", 201)})
	require.ErrorContains(t, err, "at most")
	require.Equal(t, 2, srv.SignatureCount(), "a refused externalId sends nothing")
}

// The simulator answers an externalId reused with another body with a
// Dfns-shaped 409; ProveKey, meeting a 409 for its externalId, lists the
// key's requests and refuses the one that asks for another hash, clearly
// and not as an incomplete proof.
func TestProofExternalIDReusedWithAnotherBody(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := setup(t)
	created, key := importFresh(t, c, keys.Secp256k1)
	ext := iproof.ExternalID(created.ID, key.PublicKey())
	other := signatures.NewSignRequest(keys.Scheme{Protocol: keys.CGGMP24, Curve: keys.Secp256k1}, iproof.NewHash(keys.Secp256k1))
	other.ExternalID = ext
	squatter, err := c.Keys.Sign(ctx, created.ID, other)
	require.NoError(t, err)
	require.Equal(t, ext, squatter.ExternalID)

	// The simulator: the same externalId with another body is a 409.
	third := *other
	third.Hash = "0x" + strings.Repeat("ab", 32)
	_, err = c.Keys.Sign(ctx, created.ID, &third)
	require.ErrorIs(t, err, dfnskeys.ErrConflict)
	var ae *dfnskeys.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, http.StatusConflict, ae.StatusCode)
	require.Contains(t, ae.Message, "externalId")
	require.NotEmpty(t, ae.ID, "a Dfns-shaped error body")
	// The same body again is the same request.
	same, err := c.Keys.Sign(ctx, created.ID, other)
	require.NoError(t, err)
	require.Equal(t, squatter.ID, same.ID)

	// The client: the proof's externalId is held by another body.
	_, err = c.ProveKey(ctx, created, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
	var pe *dfnskeys.ProofError
	require.ErrorAs(t, err, &pe)
	require.False(t, incomplete(err), "not a network failure: %v", err)
	require.ErrorContains(t, err, "asks for another signature")
	require.ErrorContains(t, err, squatter.ID)
	require.Equal(t, 1, srv.SignatureCount())
}

// A 409 for the proof's own externalId and body resolves to the request
// Dfns holds, found by listing the key's requests.
func TestProofConflictResolvesToOurRequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := setup(t)
	created, key := importFresh(t, c, keys.Ed25519)
	first, err := c.ProveKey(ctx, created, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
	require.NoError(t, err)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: signRoute, Count: 1, Status: http.StatusConflict}))
	again, err := c.ProveKey(ctx, created, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
	require.NoError(t, err)
	require.Equal(t, first.SignatureID, again.SignatureID)
	require.Equal(t, 1, srv.SignatureCount())
	found, err := c.Keys.FindSignature(ctx, created.ID, first.ExternalID)
	require.NoError(t, err)
	require.Equal(t, first.SignatureID, found.ID)
	none, err := c.Keys.FindSignature(ctx, created.ID, "no-such-id")
	require.NoError(t, err)
	require.Nil(t, none)
}

// Confirmed, a status of @dfns/sdk 0.8.21's signature requests, counts as
// signed.
func TestProofConfirmedCountsAsSigned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := setup(t)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.Confirmed, Rate: 1}))
	for _, s := range keys.SupportedSchemes() {
		key := freshKey(t, s.Curve)
		created, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Protocol: s.Protocol})
		require.NoError(t, err)
		proof, err := c.ProveKey(ctx, created.Key, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
		require.NoError(t, err, s.String())
		got, err := c.Keys.GetSignature(ctx, created.ID, proof.SignatureID)
		require.NoError(t, err)
		require.Equal(t, "Confirmed", got.Status)
		require.NotNil(t, got.DateConfirmed)
	}
}

// A proof the network kept from completing is reported as not completed,
// with its cause and "rerun to finish", apart from a signature that does
// not verify; the rerun finishes it with the same single request.
func TestProofIncompleteIsNotAFailedProof(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := setup(t)
	created, key := importFresh(t, c, keys.Secp256k1)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.DropResponse, Route: signRoute, Count: 10})) // more than the policy's 4 attempts
	_, err := c.ProveKey(ctx, created, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
	require.True(t, incomplete(err), "want an incomplete proof: %v", err)
	require.NotErrorIs(t, err, signatures.ErrInvalid)
	require.ErrorContains(t, err, "not completed")
	require.ErrorContains(t, err, "rerun to finish")
	require.Equal(t, 1, srv.SignatureCount(), "four attempts, one request")
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.DropResponse, Route: signRoute, Count: 0}))
	proof, err := c.ProveKey(ctx, created, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
	require.NoError(t, err)
	require.Equal(t, 1, srv.SignatureCount())
	require.NotEmpty(t, proof.SignatureID)

	// A bad signature is a failed proof, not an incomplete one.
	created2, key2 := importFresh(t, c, keys.Secp256k1)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.BadSignature, Count: 1}))
	_, err = c.ProveKey(ctx, created2, dfnskeys.ProveOptions{PublicKey: key2.PublicKey()})
	require.ErrorIs(t, err, signatures.ErrInvalid)
	require.False(t, incomplete(err), "want no incomplete proof: %v", err)

	// A refused connection.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	dead, err := dfnskeys.NewClient(dfnskeys.WithBaseURL("http://"+addr), dfnskeys.WithAuthToken("a-token-long-enough"), dfnskeys.WithSigner(signerOf(t, srv)), fastRetries())
	require.NoError(t, err)
	_, err = dead.ProveKey(ctx, created, dfnskeys.ProveOptions{})
	require.True(t, incomplete(err), "want an incomplete proof: %v", err)
	require.ErrorContains(t, err, "rerun to finish")
}

// A 202 on a call that is not a user action (here GET /keys/{keyId}) is
// the policy-pending error naming the approval, never a decoded result.
func TestAccepted202OnAReadIsPolicyPending(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "ap-123", "status": "Pending", "publicKey": "02ff", "scheme": "ECDSA"})
	}))
	t.Cleanup(ts.Close)
	c, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(ts.URL), dfnskeys.WithAuthToken("t"), fastRetries())
	require.NoError(t, err)
	k, err := c.Keys.Get(context.Background(), "key-1")
	require.Nil(t, k)
	var pe *dfnskeys.PolicyPendingError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "ap-123", pe.ApprovalID)
	require.Equal(t, "GET", pe.Method)
	_, err = c.Signers.List(context.Background())
	require.ErrorAs(t, err, &pe)
}

// Create refuses a master key as import does, and sends nothing.
func TestCreateRefusesMasterKey(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, err := c.Keys.Create(context.Background(), &keys.CreateRequest{Scheme: "ECDSA", Curve: keys.Secp256k1, MasterKey: true})
	require.ErrorIs(t, err, keys.ErrMasterKey)
	require.Zero(t, srv.KeyCount())
	require.Empty(t, srv.Requests())
}

// List sends owner.
func TestListSendsOwner(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, err := c.Keys.List(context.Background(), &dfnskeys.ListOptions{Limit: 5, Owner: "us-1"})
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Contains(t, reqs[len(reqs)-1].Query, "owner=us-1")
}

func signerOf(t *testing.T, srv *sim.Server) auth.UserActionSigner {
	t.Helper()
	s, err := auth.NewKeySigner(srv.CredentialID(), srv.CredentialPEM())
	require.NoError(t, err)
	return s
}

// CheckProof asks Dfns, with reads only, for the request an earlier
// ProveKey made and verifies it again; without one it says so.
func TestCheckProof(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := setup(t)
	created, key := importFresh(t, c, keys.Secp256k1)
	_, err := c.CheckProof(ctx, created, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
	require.ErrorIs(t, err, dfnskeys.ErrProofNotFound)
	require.False(t, incomplete(err), "want no incomplete proof: %v", err)
	proof, err := c.ProveKey(ctx, created, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
	require.NoError(t, err)
	posts := signPOSTs(srv)
	checked, err := c.CheckProof(ctx, created, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
	require.NoError(t, err)
	require.Equal(t, proof.SignatureID, checked.SignatureID)
	require.Equal(t, posts, signPOSTs(srv), "no signature request sent")
	// Checked against another public key, it is another externalId: none.
	_, err = c.CheckProof(ctx, created, dfnskeys.ProveOptions{PublicKey: freshKey(t, keys.Secp256k1).PublicKey()})
	require.ErrorIs(t, err, dfnskeys.ErrProofNotFound)
	// A listing the API cannot answer is an incomplete check.
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteListSignatures, Count: 10, Status: http.StatusBadGateway}))
	_, err = c.CheckProof(ctx, created, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
	require.True(t, incomplete(err), "want an incomplete proof: %v", err)
}

// An API that answers the signature POST with another request (another
// key's, another externalId's, or one asking for another hash) is refused
// before anything is verified, naming what differs.
func TestProofRefusesAnotherRequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, tc := range map[string]struct {
		field, value, want string
	}{
		"another key":        {"keyId", "key-someone-else", "of another key"},
		"another externalId": {"externalId", "not-ours", `whose externalId is "not-ours"`},
		"another hash":       {"hash", "0x" + strings.Repeat("cd", 32), "asks for another signature"},
		"held by a policy":   {"approvalId", "ap-held", "needs policy approval ap-held"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t)
			created, key := importFresh(t, c, keys.Secp256k1)
			target, err := url.Parse(srv.URL())
			require.NoError(t, err)
			proxy := httputil.NewSingleHostReverseProxy(target)
			proxy.ModifyResponse = func(r *http.Response) error {
				if r.Request.Method != "POST" || !strings.HasSuffix(r.Request.URL.Path, "/signatures") || r.StatusCode != 200 {
					return nil
				}
				var m map[string]any
				if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
					return err
				}
				r.Body.Close()
				switch tc.field {
				case "hash":
					m["requestBody"].(map[string]any)["hash"] = tc.value
				case "approvalId":
					m["approvalId"], m["status"] = tc.value, "Pending"
				default:
					m[tc.field] = tc.value
				}
				b, _ := json.Marshal(m)
				r.Body = io.NopCloser(bytes.NewReader(b))
				r.ContentLength = int64(len(b))
				r.Header.Del("Content-Length")
				return nil
			}
			ts := httptest.NewServer(proxy)
			t.Cleanup(ts.Close)
			hostile, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(ts.URL), dfnskeys.WithAuthToken(srv.Token()), dfnskeys.WithSigner(signerOf(t, srv)), fastRetries())
			require.NoError(t, err)
			_, err = hostile.ProveKey(ctx, created, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
			require.ErrorContains(t, err, tc.want)
			require.False(t, incomplete(err), "want no incomplete proof: %v", err)
			if tc.field == "approvalId" {
				var pe *dfnskeys.PolicyPendingError
				require.ErrorAs(t, err, &pe, "held, not failed and not waited for")
				return
			}
			var pe *dfnskeys.ProofError
			require.ErrorAs(t, err, &pe)
		})
	}
}
