package dfnskeys_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/authwire"
	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
	"github.com/stretchr/testify/require"
)

// fastRetries keeps tests quick: short backoff, and ambiguous-import
// lookups 20 ms apart instead of seconds.
func fastRetries() dfnskeys.Option {
	return dfnskeys.WithRetryPolicy(dfnskeys.RetryPolicy{MaxAttempts: 4, InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 5 * time.Second, LookupAttempts: 3, LookupDelay: 20 * time.Millisecond})
}

// setup starts a simulator and a client for its default user.
func setup(t *testing.T, opts ...sim.ServerOption) (*sim.Server, *dfnskeys.Client) {
	return setupTB(t, opts...)
}

// setupB is setup for benchmarks.
func setupB(b *testing.B, opts ...sim.ServerOption) (*sim.Server, *dfnskeys.Client) {
	return setupTB(b, opts...)
}

func setupTB(t testing.TB, opts ...sim.ServerOption) (*sim.Server, *dfnskeys.Client) {
	t.Helper()
	srv := sim.NewServer(t, opts...)
	return srv, srv.Client(fastRetries())
}

func freshKey(t testing.TB, c keys.Curve) *keys.PrivateKey {
	t.Helper()
	k, err := keys.GeneratePrivateKey(c)
	require.NoError(t, err)
	return k
}

// Import and export of every scheme through the real HTTP stack, under a
// path prefix so that absolute-path bugs show.
func TestRoundTripOverHTTP(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, sim.WithPathPrefix("/api/v2"))
	require.True(t, strings.HasSuffix(c.BaseURL(), "/api/v2"))
	ctx := context.Background()
	for _, s := range keys.SupportedSchemes() {
		t.Run(s.String(), func(t *testing.T) {
			key := freshKey(t, s.Curve)
			created, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Protocol: s.Protocol, Name: "rt " + s.String()})
			require.NoError(t, err)
			require.Equal(t, key.PublicKeyHex(), created.PublicKey)
			require.True(t, created.Imported)
			require.Equal(t, s.SignatureAlgorithm(), created.Scheme)

			got, err := c.Keys.Get(ctx, created.ID)
			require.NoError(t, err)
			require.Equal(t, created.ID, got.ID)

			recovered, _, err := c.ExportKey(ctx, created.ID, dfnskeys.ExportOptions{})
			require.NoError(t, err)
			require.True(t, recovered.Equal(key))
			after, err := c.Keys.Get(ctx, created.ID)
			require.NoError(t, err)
			require.True(t, after.Exported)
		})
	}
	require.Len(t, srv.Keys(), len(keys.SupportedSchemes()))
}

func TestWalletTwins(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	key := freshKey(t, keys.Secp256k1)
	w, err := c.ImportWallet(ctx, key, "EthereumSepolia", "ext-1", dfnskeys.ImportKeyOptions{Name: "legacy"})
	require.NoError(t, err)
	require.Equal(t, "EthereumSepolia", w.Network)
	require.Equal(t, key.PublicKeyHex(), w.SigningKey.PublicKey)
	require.Len(t, srv.Keys(), 1)
	recovered, _, err := c.ExportWallet(ctx, w.ID, dfnskeys.ExportOptions{})
	require.NoError(t, err)
	require.True(t, recovered.Equal(key))
	_, err = dfnskeys.ImportWalletRequest(c, ctx, &importbuild.WalletRequest{})
	require.ErrorContains(t, err, "needs a network")
}

// Every credential type signs user actions the simulator verifies.
func TestCredentialConformance(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k1, _ := secp256k1.GeneratePrivateKey()
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	creds := []struct {
		name string
		pub  any
		priv any
	}{
		{"Ed25519", edPub, edPriv},
		{"ECDSA-P256", &p256.PublicKey, p256},
		{"ECDSA-secp256k1", k1.PubKey(), k1},
		{"RSA", &rsaKey.PublicKey, rsaKey},
	}
	for _, cr := range creds {
		t.Run(cr.name, func(t *testing.T) {
			credID := "cr-" + strings.ToLower(cr.name)
			require.NoError(t, srv.RegisterCredential(credID, cr.pub))
			signer, err := auth.NewKeySignerFromKey(credID, cr.priv)
			require.NoError(t, err)
			c, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(srv.URL()), dfnskeys.WithAuthToken(srv.Token()), dfnskeys.WithSigner(signer))
			require.NoError(t, err)
			key := freshKey(t, keys.Ed25519)
			created, err := c.ImportKey(context.Background(), key, dfnskeys.ImportKeyOptions{})
			require.NoError(t, err)
			recovered, _, err := c.ExportKey(context.Background(), created.ID, dfnskeys.ExportOptions{})
			require.NoError(t, err)
			require.True(t, recovered.Equal(key))
		})
	}
}

// The payload bound to the user-action challenge is, byte for byte, the
// body that was sent.
func TestSignedPayloadEqualsSentBody(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, err := c.ImportKey(context.Background(), freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{Name: `quotes " and <tags> & é`})
	require.NoError(t, err)
	var signed, sent []byte
	var signedPath, signedMethod string
	for _, r := range srv.Requests() {
		switch r.Method + " " + r.Path {
		case "POST /auth/action/init":
			var init authwire.UserActionInitRequest
			require.NoError(t, json.Unmarshal(r.Body, &init))
			signed, signedPath, signedMethod = []byte(init.UserActionPayload), init.UserActionHTTPPath, init.UserActionHTTPMethod
		case "POST /keys/import":
			sent = r.Body
			require.Equal(t, "REDACTED", r.Header.Get("X-DFNS-USERACTION"))
			require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		}
	}
	require.NotEmpty(t, sent)
	require.Equal(t, string(sent), string(signed))
	require.Equal(t, "/keys/import", signedPath)
	require.Equal(t, "POST", signedMethod)
}

func TestDelegatedSigning(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	// The client itself has no signer: the challenge goes to a delegate.
	delegateFree, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(srv.URL()), dfnskeys.WithAuthToken(srv.Token()))
	require.NoError(t, err)
	list, err := delegateFree.Signers.List(ctx)
	require.NoError(t, err)
	key := freshKey(t, keys.Stark)
	req, err := importbuild.Request(key, list.Clusters[0].Signers, importbuild.Options{})
	require.NoError(t, err)
	_, err = dfnskeys.ImportRequest(delegateFree, ctx, req)
	require.ErrorIs(t, err, dfnskeys.ErrNoSigner)

	pending, err := dfnskeys.InitUserAction(delegateFree, ctx, "POST", "/keys/import", req)
	require.NoError(t, err)
	body, _ := json.Marshal(req)
	require.Equal(t, body, pending.Body)
	delegate, err := auth.NewKeySigner(srv.CredentialID(), srv.CredentialPEM())
	require.NoError(t, err)
	assertion, err := delegate.Sign(ctx, pending.Challenge)
	require.NoError(t, err)
	created, err := dfnskeys.CompleteImport(delegateFree, ctx, pending, assertion)
	require.NoError(t, err)
	require.Equal(t, key.PublicKeyHex(), created.PublicKey)

	// The challenge is spent: completing again fails and creates nothing.
	_, err = dfnskeys.CompleteImport(delegateFree, ctx, pending, assertion)
	require.Error(t, err)
	require.Len(t, srv.Keys(), 1)

	// A body changed after the challenge was made is refused.
	pending2, err := dfnskeys.InitUserAction(c, ctx, "POST", "/keys/import", req)
	require.NoError(t, err)
	a2, err := delegate.Sign(ctx, pending2.Challenge)
	require.NoError(t, err)
	pending2.Body = append([]byte(nil), pending2.Body...)
	pending2.Body[len(pending2.Body)-1] = ' '
	pending2.Body = append(pending2.Body, '}')
	_, err = dfnskeys.CompleteImport(c, ctx, pending2, a2)
	require.ErrorIs(t, err, dfnskeys.ErrForbidden)
	require.Len(t, srv.Keys(), 1)

	// An assertion for another challenge is refused.
	pending3, err := dfnskeys.InitUserAction(c, ctx, "POST", "/keys/import", req)
	require.NoError(t, err)
	_, err = dfnskeys.CompleteImport(c, ctx, pending3, a2)
	require.Error(t, err)
	require.Len(t, srv.Keys(), 1)
}

// Delegated signing with a passkey: the delegate answers the challenge with
// a Fido2 assertion, which the simulator verifies as a WebAuthn relying
// party, ES256 and EdDSA alike.
func TestDelegatedSigningFido2(t *testing.T) {
	t.Parallel()
	srv := sim.NewServer(t)
	ctx := context.Background()
	c, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(srv.URL()), dfnskeys.WithAuthToken(srv.Token()), fastRetries())
	require.NoError(t, err)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	list, err := c.Signers.List(ctx)
	require.NoError(t, err)

	for _, priv := range []crypto.Signer{p256, ed} {
		passkey, err := sim.NewPasskey(fmt.Sprintf("passkey-%T", priv), priv, []byte("user-1"))
		require.NoError(t, err)
		require.NoError(t, srv.RegisterWebAuthnCredential(passkey.CredentialID(), passkey.PublicKey(), passkey.UserHandle()))
		key := freshKey(t, keys.Secp256k1)
		req, err := importbuild.Request(key, list.Clusters[0].Signers, importbuild.Options{})
		require.NoError(t, err)
		pending, err := dfnskeys.InitUserAction(c, ctx, "POST", "/keys/import", req)
		require.NoError(t, err)
		require.Contains(t, pending.Challenge.AllowCredentials.WebAuthn, auth.AllowCredential{Type: "public-key", ID: passkey.CredentialID()})
		require.Equal(t, sim.WebAuthnRPID, pending.Challenge.RP.ID)

		assertion, err := passkey.Sign(ctx, pending.Challenge)
		require.NoError(t, err)
		require.Equal(t, auth.KindFido2, assertion.Kind)
		var created keys.Key
		require.NoError(t, dfnskeys.CompleteUserAction(c, ctx, pending, assertion, &created))
		require.Equal(t, key.PublicKeyHex(), created.PublicKey)

		// The challenge is spent.
		err = dfnskeys.CompleteUserAction(c, ctx, pending, assertion, &created)
		require.ErrorContains(t, err, "unknown or already used challengeIdentifier")
	}
	require.Len(t, srv.Keys(), 2)

	passkey, err := sim.NewPasskey("passkey-1", p256, nil)
	require.NoError(t, err)
	require.NoError(t, srv.RegisterWebAuthnCredential(passkey.CredentialID(), passkey.PublicKey(), nil))
	req, err := importbuild.Request(freshKey(t, keys.Ed25519), list.Clusters[0].Signers, importbuild.Options{Protocol: keys.FROST})
	require.NoError(t, err)
	refused := func(msg string, assertion func(*dfnskeys.PendingAction) *auth.Assertion) {
		t.Helper()
		pending, err := dfnskeys.InitUserAction(c, ctx, "POST", "/keys/import", req)
		require.NoError(t, err)
		_, err = dfnskeys.CompleteImport(c, ctx, pending, assertion(pending))
		require.ErrorIs(t, err, dfnskeys.ErrUnauthorized)
		var apiErr *dfnskeys.APIError
		require.ErrorAs(t, err, &apiErr)
		require.Contains(t, apiErr.Message, msg)
	}
	// Signed by another key under the passkey's credential ID.
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	impostor, err := sim.NewPasskey("passkey-1", other, nil)
	require.NoError(t, err)
	refused("signature does not verify", func(p *dfnskeys.PendingAction) *auth.Assertion {
		a, err := impostor.Sign(ctx, p.Challenge)
		require.NoError(t, err)
		return a
	})
	// The Key credential's ID with kind Fido2.
	asKey, err := sim.NewPasskey(srv.CredentialID(), p256, nil)
	require.NoError(t, err)
	refused("is registered as a Key credential", func(p *dfnskeys.PendingAction) *auth.Assertion {
		a, err := asKey.Assert(p.Challenge.Challenge)
		require.NoError(t, err)
		return a
	})
	// An assertion for another challenge.
	stale, err := dfnskeys.InitUserAction(c, ctx, "POST", "/keys/import", req)
	require.NoError(t, err)
	refused("is not base64url (no padding) of the UTF-8 bytes of this challenge", func(*dfnskeys.PendingAction) *auth.Assertion {
		a, err := passkey.Sign(ctx, stale.Challenge)
		require.NoError(t, err)
		return a
	})
	require.Len(t, srv.Keys(), 2)

	// A passkey can also be the client's own signer.
	withPasskey, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(srv.URL()), dfnskeys.WithAuthToken(srv.Token()), dfnskeys.WithSigner(passkey), fastRetries())
	require.NoError(t, err)
	key := freshKey(t, keys.Stark)
	created, err := withPasskey.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	recovered, _, err := withPasskey.ExportKey(ctx, created.ID, dfnskeys.ExportOptions{})
	require.NoError(t, err)
	defer recovered.Destroy()
	require.Equal(t, key.PublicKeyHex(), recovered.PublicKeyHex())
}

func TestPermissionsAndAuth(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	signer, _ := auth.NewKeySigner(srv.CredentialID(), srv.CredentialPEM())
	readOnly, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(srv.URL()), dfnskeys.WithAuthToken(srv.NewToken("Signers:ListSigners", "Keys:Read")), dfnskeys.WithSigner(signer))
	require.NoError(t, err)
	_, err = readOnly.ImportKey(context.Background(), freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{})
	require.ErrorIs(t, err, dfnskeys.ErrForbidden)
	var ae *dfnskeys.APIError
	require.ErrorAs(t, err, &ae)
	require.Contains(t, ae.Message, "Keys:Import")
	require.NotEmpty(t, ae.RequestID)
	require.Empty(t, srv.Keys())

	bad, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(srv.URL()), dfnskeys.WithAuthToken("not-a-token"))
	require.NoError(t, err)
	_, err = bad.Signers.List(context.Background())
	require.ErrorIs(t, err, dfnskeys.ErrUnauthorized)
	_, err = bad.Keys.Get(context.Background(), "key-none")
	require.ErrorIs(t, err, dfnskeys.ErrUnauthorized)
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	_, err := c.Keys.Get(context.Background(), "key-missing")
	require.ErrorIs(t, err, dfnskeys.ErrNotFound)
	_, _, err = c.ExportKey(context.Background(), "key-missing", dfnskeys.ExportOptions{})
	require.ErrorIs(t, err, dfnskeys.ErrNotFound)
}

func TestPagination(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	var want []string
	for range 7 {
		k, err := c.ImportKey(ctx, freshKey(t, keys.Ed25519), dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		want = append(want, k.ID)
	}
	var got []string
	before := len(srv.Requests()) // ImportKey lists the keys too
	for k, err := range c.Keys.All(ctx, 3) {
		require.NoError(t, err)
		got = append(got, k.ID)
	}
	require.Equal(t, want, got)
	pages := 0
	for _, r := range srv.Requests()[before:] {
		if r.Method == "GET" && r.Path == "/keys" {
			pages++
			require.Contains(t, r.Query, "limit=3")
		}
	}
	require.Equal(t, 3, pages)
	// Stopping early stops fetching.
	for range c.Keys.All(ctx, 2) {
		break
	}
	first, err := c.Keys.List(ctx, &dfnskeys.ListOptions{Limit: 2})
	require.NoError(t, err)
	require.Len(t, first.Items, 2)
	require.NotEmpty(t, first.NextPageToken)
}

func TestPinnedSigners(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	pinned := srv.Clusters()[0].WireSigners()
	_, err := c.ImportKey(ctx, freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{PinnedSigners: pinned})
	require.NoError(t, err)

	other, err := sim.NewCluster(5)
	require.NoError(t, err)
	wrong := other.WireSigners()
	_, err = c.ImportKey(ctx, freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{PinnedSigners: wrong})
	require.ErrorIs(t, err, signers.ErrPinMismatch)
	require.ErrorContains(t, err, "is listed but not pinned")
	changedKey := append(pinned[:0:0], pinned...)
	changedKey[2].EncryptionKey = wrong[0].EncryptionKey
	_, err = c.ImportKey(ctx, freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{PinnedSigners: changedKey})
	require.ErrorContains(t, err, "signer "+pinned[2].SignerID+" has key fingerprint ")
	_, err = c.ImportKey(ctx, freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{PinnedSigners: pinned[:4]})
	require.ErrorContains(t, err, "signer "+pinned[4].SignerID+" (key fingerprint ")
	_, err = c.ImportKey(ctx, freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{PinnedSigners: []signers.Signer{}})
	require.ErrorContains(t, err, "the pinned list is empty")
	require.Len(t, srv.Keys(), 1)
}

// importsSent counts the POST /keys/import requests the simulator saw.
func importsSent(srv *sim.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/keys/import") {
			n++
		}
	}
	return n
}

// A tampered GET /signers answer substitutes a signer (its key is the
// attacker's). With pins nothing is sent, with or without a Target.
func TestPinnedSignersSubstituted(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	pinned := srv.Clusters()[0].WireSigners()
	attacker, err := sim.NewCluster(1)
	require.NoError(t, err)
	sub := signers.Signer{SignerID: pinned[3].SignerID, EncryptionKey: attacker.WireSigners()[0].EncryptionKey}
	require.NoError(t, srv.SubstituteListedSigner(0, 3, sub))
	require.ErrorContains(t, srv.SubstituteListedSigner(0, 99, sub), "no signer 99 in cluster 0")
	require.ErrorContains(t, srv.SubstituteListedSigner(1, 0, sub), "no cluster 1")

	_, err = c.ImportKey(ctx, freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{PinnedSigners: pinned})
	require.ErrorIs(t, err, signers.ErrPinMismatch)
	require.ErrorContains(t, err, "signer "+pinned[3].SignerID+" has key fingerprint ")

	list, err := c.Signers.List(ctx)
	require.NoError(t, err)
	_, err = dfnskeys.NewImportTarget(list, "", pinned) // offline, from the tampered answer
	require.ErrorIs(t, err, signers.ErrPinMismatch)
	target, err := dfnskeys.NewImportTarget(list, "", nil) // built from the tampered answer
	require.NoError(t, err)
	_, err = c.ImportKey(ctx, freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{Target: target, PinnedSigners: pinned})
	require.ErrorIs(t, err, signers.ErrPinMismatch)
	_, err = c.ImportWallet(ctx, freshKey(t, keys.Secp256k1), "EthereumSepolia", "", dfnskeys.ImportKeyOptions{Target: target, PinnedSigners: pinned})
	require.ErrorIs(t, err, signers.ErrPinMismatch)
	require.Zero(t, importsSent(srv), "nothing was sent")
	require.Empty(t, srv.Keys())

	// Without pins the share goes to the attacker's key (the real signer
	// then cannot decrypt it and Dfns refuses the import).
	_, err = c.ImportKey(ctx, freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{})
	require.Error(t, err)
	require.Equal(t, 1, importsSent(srv))
}

func TestClusterChoice(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, sim.WithClusters(2))
	ctx := context.Background()
	_, err := c.ImportKey(ctx, freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{})
	require.ErrorContains(t, err, "choose one of")
	second := srv.Clusters()[1].ID
	k, err := c.ImportKey(ctx, freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{ClusterID: second})
	require.NoError(t, err)
	stored, ok := srv.Key(k.ID)
	require.True(t, ok)
	require.Equal(t, second, stored.ClusterID)
}

// Faults: each knob, and what the client does about it.
func TestFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("429 on import is resent with a fresh token, once", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.RateLimit, Route: sim.RouteImportKey, Count: 2}))
		_, err := c.ImportKey(ctx, freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		require.Len(t, srv.Keys(), 1)
		inits, imports := 0, 0
		for _, r := range srv.Requests() {
			switch r.Method + " " + r.Path {
			case "POST /auth/action/init":
				inits++
			case "POST /keys/import":
				imports++
			}
		}
		require.Equal(t, 3, imports)
		require.Equal(t, 3, inits, "a fresh user-action token for every attempt")
	})

	t.Run("Retry-After is honoured", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.RateLimit, Route: sim.RouteListSigners, Count: 1, Wait: time.Second}))
		start := time.Now()
		_, err := c.Signers.List(ctx)
		require.NoError(t, err)
		require.GreaterOrEqual(t, time.Since(start), time.Second)
	})

	t.Run("dropped import response ends with exactly one key", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.DropResponse, Route: sim.RouteImportKey, Count: 1}))
		key := freshKey(t, keys.Secp256k1)
		got, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		require.Equal(t, key.PublicKeyHex(), got.PublicKey)
		require.Len(t, srv.Keys(), 1)
		require.Equal(t, got.ID, srv.Keys()[0].Key.ID)
	})

	t.Run("5xx after processing ends with exactly one key", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailAfter, Route: sim.RouteImportKey, Count: 1, Status: http.StatusBadGateway}))
		key := freshKey(t, keys.Ed25519)
		got, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		require.Equal(t, key.PublicKeyHex(), got.PublicKey)
		require.Len(t, srv.Keys(), 1)
	})

	t.Run("5xx before processing is reported as ambiguous, never resent", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteImportKey, Count: 1, Status: http.StatusServiceUnavailable}))
		_, err := c.ImportKey(ctx, freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{})
		require.ErrorIs(t, err, dfnskeys.ErrAmbiguous)
		var aie *dfnskeys.AmbiguousError
		require.ErrorAs(t, err, &aie)
		require.NotEmpty(t, aie.PublicKey, "the import's own error, not the call's")
		require.ErrorContains(t, err, "may or may not have happened")
		require.Empty(t, srv.Keys())
		imports := 0
		for _, r := range srv.Requests() {
			if r.Method == "POST" && r.Path == "/keys/import" {
				imports++
			}
		}
		require.Equal(t, 1, imports)
	})

	t.Run("timeout after sending ends with exactly one key", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		// The import is processed, but its response comes after the
		// caller's context has ended.
		require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.DelayAfter, Route: sim.RouteImportKey, Count: 1, Wait: 500 * time.Millisecond}))
		key := freshKey(t, keys.Secp256k1)
		list, err := c.Signers.List(ctx)
		require.NoError(t, err)
		req, err := importbuild.Request(key, list.Clusters[0].Signers, importbuild.Options{})
		require.NoError(t, err)
		// The caller's context ends once Dfns has processed the import,
		// while its answer is held back: not on a timer, which on a loaded
		// machine could end before the request is even sent.
		tctx := cancelWhenKeys(t, ctx, srv, 1)
		_, err = dfnskeys.ImportRequest(c, tctx, req)
		require.ErrorIs(t, err, dfnskeys.ErrAmbiguous, "the low-level call reports the ambiguity")
		require.ErrorIs(t, err, context.Canceled)
		require.Eventually(t, func() bool { return len(srv.Keys()) == 1 }, 2*time.Second, 10*time.Millisecond)

		// ImportKey resolves the same situation by finding the key, on a
		// context of its own since the caller's has expired.
		require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.DelayAfter, Route: sim.RouteImportKey, Count: 1, Wait: 500 * time.Millisecond}))
		key2 := freshKey(t, keys.Ed25519)
		got, err := c.ImportKey(cancelWhenKeys(t, ctx, srv, 2), key2, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		require.Equal(t, key2.PublicKeyHex(), got.PublicKey)
		require.Len(t, srv.Keys(), 2)
	})

	t.Run("random read errors are absorbed by retries", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		for range 4 {
			_, err := c.ImportKey(ctx, freshKey(t, keys.Ed25519), dfnskeys.ImportKeyOptions{})
			require.NoError(t, err)
		}
		require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteListKeys, Rate: 0.3, Status: http.StatusServiceUnavailable}))
		c2, _ := dfnskeys.NewClient(dfnskeys.WithBaseURL(srv.URL()), dfnskeys.WithAuthToken(srv.Token()),
			dfnskeys.WithRetryPolicy(dfnskeys.RetryPolicy{MaxAttempts: 12, InitialBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, MaxRetryAfter: time.Second}))
		n := 0
		for _, err := range c2.Keys.All(ctx, 1) {
			require.NoError(t, err)
			n++
		}
		require.Equal(t, 4, n)
	})

	t.Run("policy approval is a typed error and nothing is created", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.PolicyApproval, Route: sim.RouteImportKey, Rate: 1}))
		_, err := c.ImportKey(ctx, freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{})
		var pe *dfnskeys.PolicyPendingError
		require.ErrorAs(t, err, &pe)
		require.True(t, strings.HasPrefix(pe.ApprovalID, "ap-"), pe.ApprovalID)
		require.Empty(t, srv.Keys())
	})

	t.Run("export with a dropped response can be retried safely", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		key := freshKey(t, keys.Stark)
		created, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.DropResponse, Route: sim.RouteExportKey, Count: 1}))
		_, _, err = c.ExportKey(ctx, created.ID, dfnskeys.ExportOptions{})
		require.ErrorIs(t, err, dfnskeys.ErrAmbiguous)
		recovered, _, err := c.ExportKey(ctx, created.ID, dfnskeys.ExportOptions{})
		require.NoError(t, err)
		require.True(t, recovered.Equal(key))
	})
}

func TestErrorsNeverCarryTokens(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteListSigners, Count: 10, Status: http.StatusInternalServerError}))
	_, err := c.ImportKey(context.Background(), freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{})
	require.Error(t, err)
	require.NotContains(t, err.Error(), srv.Token())
	require.NotContains(t, fmt.Sprintf("%+v", err), srv.Token())
	require.False(t, errors.Is(err, dfnskeys.ErrAmbiguous), "a failed read is not ambiguous")
}

// Redirects are never followed: not for reads (the bearer token would go
// along) and not for a 307 on POST /keys/import (the user-action token and
// the encrypted shares would).
func TestRedirectsNotFollowed(t *testing.T) {
	t.Parallel()
	var stolen atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
	}))
	t.Cleanup(evil.Close)
	srv := sim.NewServer(t)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/signers":
			http.Redirect(w, r, evil.URL+"/signers", http.StatusFound)
		case r.Method == http.MethodPost && r.URL.Path == "/keys/import":
			http.Redirect(w, r, evil.URL+"/keys/import", http.StatusTemporaryRedirect)
		default:
			srv.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(front.Close)
	signer, err := auth.NewKeySigner(srv.CredentialID(), srv.CredentialPEM())
	require.NoError(t, err)
	hc := &http.Client{Timeout: 5 * time.Second}
	c, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(front.URL), dfnskeys.WithAuthToken(srv.Token()), dfnskeys.WithSigner(signer), dfnskeys.WithHTTPClient(hc), fastRetries())
	require.NoError(t, err)
	require.Nil(t, hc.CheckRedirect, "the caller's client is not modified")

	_, err = c.Signers.List(context.Background())
	var re *dfnskeys.APIError
	require.ErrorAs(t, err, &re)
	require.ErrorIs(t, err, dfnskeys.ErrRedirect)
	require.Equal(t, http.StatusFound, re.StatusCode)
	require.Equal(t, evil.URL+"/signers", re.Location)
	require.ErrorContains(t, err, "GET /signers: the server answered 302 Found and tried to redirect the request to \""+evil.URL+"/signers\"; redirects are not followed")

	target, err := dfnskeys.NewImportTarget(&signers.ListResponse{Clusters: []signers.Cluster{{ClusterID: "c", Signers: srv.Clusters()[0].WireSigners()}}}, "", nil)
	require.NoError(t, err)
	_, err = c.ImportKey(context.Background(), freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{Target: target})
	require.ErrorAs(t, err, &re)
	require.Equal(t, http.StatusTemporaryRedirect, re.StatusCode)
	require.False(t, errors.Is(err, dfnskeys.ErrAmbiguous), "a redirect was not processed")
	require.Zero(t, stolen.Load(), "nothing reached the redirect target")
	require.Empty(t, srv.Keys())
}

// cancelWhenKeys returns a context that is canceled once srv holds n keys.
func cancelWhenKeys(t *testing.T, parent context.Context, srv *sim.Server, n int) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(parent)
	t.Cleanup(cancel)
	go func() {
		for ctx.Err() == nil && len(srv.Keys()) < n {
			time.Sleep(2 * time.Millisecond)
		}
		cancel()
	}()
	return ctx
}
