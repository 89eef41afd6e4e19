package sim

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/authwire"
	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// testClient drives a Server with plain net/http and the auth package.
type testClient struct {
	t      *testing.T
	s      *Server
	hc     *http.Client
	token  string
	signer auth.UserActionSigner
}

func newClient(t *testing.T, s *Server) *testClient {
	t.Helper()
	signer, err := auth.NewKeySigner(s.CredentialID(), s.CredentialPEM())
	require.NoError(t, err)
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	return &testClient{t: t, s: s, hc: hc, token: s.Token(), signer: signer}
}

// try sends a request with the client's bearer token, and a JSON content
// type when there is a body; hdr adds or overrides headers.
func (c *testClient) try(method, path string, body []byte, hdr http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequest(method, c.s.URL()+path, bytes.NewReader(body))
	require.NoError(c.t, err)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func (c *testClient) do(method, path string, body []byte, hdr http.Header) (*http.Response, []byte) {
	c.t.Helper()
	resp, b, err := c.try(method, path, body, hdr)
	require.NoError(c.t, err)
	require.True(c.t, strings.HasPrefix(resp.Header.Get("X-Request-Id"), "req-"), "X-Request-Id on %s %s", method, path)
	return resp, b
}

// get sends a GET, requires status 200 and decodes the body into v.
func (c *testClient) get(path string, v any) {
	c.t.Helper()
	resp, b := c.do("GET", path, nil, nil)
	require.Equal(c.t, http.StatusOK, resp.StatusCode, "%s", b)
	require.NoError(c.t, json.Unmarshal(b, v))
}

func (c *testClient) challenge(method, path string, body []byte) *auth.UserActionChallenge {
	c.t.Helper()
	init, err := authwire.NewUserActionInitRequest(method, path, body)
	require.NoError(c.t, err)
	resp, b := c.do("POST", "/auth/action/init", mustJSON(c.t, init), nil)
	require.Equal(c.t, http.StatusOK, resp.StatusCode, "%s", b)
	var ch auth.UserActionChallenge
	require.NoError(c.t, json.Unmarshal(b, &ch))
	return &ch
}

// answer signs ch with signer and posts the assertion.
func (c *testClient) answer(ch *auth.UserActionChallenge, signer auth.UserActionSigner) (*http.Response, []byte) {
	c.t.Helper()
	a, err := signer.Sign(context.Background(), ch)
	require.NoError(c.t, err)
	return c.do("POST", "/auth/action", mustJSON(c.t, &authwire.UserActionRequest{ChallengeIdentifier: ch.ChallengeIdentifier, FirstFactor: *a}), nil)
}

// userAction returns a user-action token for the request.
func (c *testClient) userAction(method, path string, body []byte) string {
	c.t.Helper()
	resp, b := c.answer(c.challenge(method, path, body), c.signer)
	require.Equal(c.t, http.StatusOK, resp.StatusCode, "%s", b)
	var ua authwire.UserActionResponse
	require.NoError(c.t, json.Unmarshal(b, &ua))
	require.NotEmpty(c.t, ua.UserAction)
	return ua.UserAction
}

// signed sends a POST of body with a fresh user action for it.
func (c *testClient) signed(path string, body []byte) (*http.Response, []byte) {
	c.t.Helper()
	return c.do("POST", path, body, http.Header{"X-Dfns-Useraction": {c.userAction("POST", path, body)}})
}

func (c *testClient) cluster(i int) []signers.Signer {
	c.t.Helper()
	var list signers.ListResponse
	c.get("/signers", &list)
	return list.Clusters[i].Signers
}

func (c *testClient) importRequest(k *keys.PrivateKey, protocol keys.Protocol) *keys.ImportRequest {
	c.t.Helper()
	req, err := importbuild.Request(k, c.cluster(0), importbuild.Options{Protocol: protocol})
	require.NoError(c.t, err)
	return req
}

// importKey imports a fresh secp256k1 key and returns it as the API did.
func (c *testClient) importKey() keys.Key {
	c.t.Helper()
	resp, b := c.signed("/keys/import", mustJSON(c.t, c.importRequest(randomKey(c.t, keys.Secp256k1), "")))
	require.Equal(c.t, http.StatusOK, resp.StatusCode, "%s", b)
	var k keys.Key
	require.NoError(c.t, json.Unmarshal(b, &k))
	return k
}

type errorBody struct {
	Error struct {
		ID      string            `json:"id"`
		Status  int               `json:"status"`
		Message string            `json:"message"`
		Details map[string]string `json:"details"`
	} `json:"error"`
}

// requireError checks a Dfns error response and returns its body.
func requireError(t *testing.T, resp *http.Response, b []byte, status int, msg string) errorBody {
	t.Helper()
	require.Equal(t, status, resp.StatusCode, "%s", b)
	var e errorBody
	require.NoError(t, json.Unmarshal(b, &e), "%s", b)
	require.NotEmpty(t, e.Error.ID)
	require.Equal(t, status, e.Error.Status)
	require.Contains(t, e.Error.Message, msg)
	return e
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func randomKey(t *testing.T, c keys.Curve) *keys.PrivateKey {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	if c != keys.Ed25519 {
		b[0] &= 0x07 // below the stark and secp256k1 orders
	}
	k, err := keys.NewPrivateKey(c, b)
	require.NoError(t, err)
	return k
}

func TestImportExportEveryScheme(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	for _, scheme := range keys.SupportedSchemes() {
		t.Run(scheme.String(), func(t *testing.T) {
			t.Parallel()
			c := newClient(t, s)
			priv := randomKey(t, scheme.Curve)
			req := c.importRequest(priv, scheme.Protocol)
			req.Name = "key " + scheme.String()
			before := time.Now().Add(-time.Second)
			resp, b := c.signed("/keys/import", mustJSON(t, req))
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
			var k keys.Key
			require.NoError(t, json.Unmarshal(b, &k))
			require.True(t, strings.HasPrefix(k.ID, "key-"))
			require.Equal(t, req.Name, k.Name)
			require.Equal(t, scheme.SignatureAlgorithm(), k.Scheme)
			require.Equal(t, scheme.Curve, k.Curve)
			require.Equal(t, priv.PublicKeyHex(), k.PublicKey)
			require.Equal(t, "Active", k.Status)
			require.True(t, k.Custodial && k.Imported && !k.Exported)
			require.WithinRange(t, k.DateCreated, before, time.Now().Add(time.Second))

			stored, ok := s.Key(k.ID)
			require.True(t, ok)
			require.Equal(t, k, stored.Key)
			require.Equal(t, s.Clusters()[0].ID, stored.ClusterID)
			require.Equal(t, scheme, stored.Shares.Scheme)
			var got keys.Key
			c.get("/keys/"+k.ID, &got)
			require.Equal(t, k, got)

			for range 2 { // repeated export is allowed
				ec, err := keys.NewExportContext()
				require.NoError(t, err)
				resp, b = c.signed("/keys/"+k.ID+"/export", mustJSON(t, ec.Request()))
				require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
				var er keys.ExportResponse
				require.NoError(t, json.Unmarshal(b, &er))
				recovered, _, err := ec.Recover(context.Background(), &er, keys.RecoverOptions{})
				require.NoError(t, err)
				require.True(t, recovered.Equal(priv))
				c.get("/keys/"+k.ID, &got)
				require.True(t, got.Exported)
				require.NotNil(t, got.DateExported)
			}
		})
	}
}

func TestClusters(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithClusters(2), WithSigners(3))
	c := newClient(t, s)
	var list signers.ListResponse
	c.get("/signers", &list)
	require.Len(t, list.Clusters, 2)
	for i, cl := range s.Clusters() {
		require.Equal(t, cl.ID, list.Clusters[i].ClusterID)
		require.Equal(t, cl.WireSigners(), list.Clusters[i].Signers)
		require.NotEqual(t, cl.Signers[0].SignerID, list.Clusters[i].Signers[0].SignerID, "listed in share order")
	}

	priv := randomKey(t, keys.Ed25519)
	req, err := importbuild.Request(priv, list.Clusters[1].Signers, importbuild.Options{Threshold: 2})
	require.NoError(t, err)
	resp, b := c.signed("/keys/import", mustJSON(t, req))
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	var k keys.Key
	require.NoError(t, json.Unmarshal(b, &k))
	stored, _ := s.Key(k.ID)
	require.Equal(t, s.Clusters()[1].ID, stored.ClusterID)
	require.Equal(t, 2, stored.Shares.Threshold)

	ec, err := keys.NewExportContext()
	require.NoError(t, err)
	resp, b = c.signed("/keys/"+k.ID+"/export", mustJSON(t, ec.Request()))
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	var er keys.ExportResponse
	require.NoError(t, json.Unmarshal(b, &er))
	recovered, _, err := ec.Recover(context.Background(), &er, keys.RecoverOptions{})
	require.NoError(t, err)
	require.True(t, recovered.Equal(priv))
}

func TestWalletImportExport(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := newClient(t, s)
	priv := randomKey(t, keys.Secp256k1)
	req := &importbuild.WalletRequest{ImportRequest: *c.importRequest(priv, "")}

	resp, b := c.signed("/wallets/import", mustJSON(t, req))
	requireError(t, resp, b, http.StatusBadRequest, "network is required")

	req.Network, req.ExternalID = "EthereumSepolia", "ext-1"
	resp, b = c.signed("/wallets/import", mustJSON(t, req))
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	var w keys.Wallet
	require.NoError(t, json.Unmarshal(b, &w))
	require.True(t, strings.HasPrefix(w.ID, "wa-"))
	require.Equal(t, "EthereumSepolia", w.Network)
	require.Equal(t, "ext-1", w.ExternalID)
	require.Equal(t, "Active", w.Status)
	require.True(t, w.Custodial && w.Imported && !w.Exported)
	require.Equal(t, keys.WalletSigningKey{ID: w.SigningKey.ID, Scheme: "ECDSA", Curve: keys.Secp256k1, PublicKey: priv.PublicKeyHex()}, w.SigningKey)

	stored, ok := s.Key(w.SigningKey.ID)
	require.True(t, ok)
	require.Equal(t, w.ID, stored.WalletID)
	var list keys.ListResponse
	c.get("/keys", &list)
	require.Len(t, list.Items, 1)
	require.Equal(t, w.SigningKey.ID, list.Items[0].ID)

	ec, err := keys.NewExportContext()
	require.NoError(t, err)
	resp, b = c.signed("/wallets/"+w.ID+"/export", mustJSON(t, ec.Request()))
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	var er keys.ExportResponse
	require.NoError(t, json.Unmarshal(b, &er))
	recovered, _, err := ec.Recover(context.Background(), &er, keys.RecoverOptions{})
	require.NoError(t, err)
	require.True(t, recovered.Equal(priv))
	c.get("/wallets/"+w.ID, &w)
	require.True(t, w.Exported)
	c.get("/keys/"+w.SigningKey.ID, &list.Items[0])
	require.True(t, list.Items[0].Exported)

	resp, b = c.signed("/wallets/wa-nope/export", mustJSON(t, ec.Request()))
	requireError(t, resp, b, http.StatusNotFound, "wallet wa-nope not found")
}

func TestUserActions(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := newClient(t, s)
	body := mustJSON(t, c.importRequest(randomKey(t, keys.Secp256k1), ""))
	other := mustJSON(t, c.importRequest(randomKey(t, keys.Secp256k1), ""))
	ua := func(tok string) http.Header { return http.Header{"X-Dfns-Useraction": {tok}} }

	t.Run("replay", func(t *testing.T) {
		tok := c.userAction("POST", "/keys/import", body)
		resp, b := c.do("POST", "/keys/import", body, ua(tok))
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		resp, b = c.do("POST", "/keys/import", body, ua(tok))
		requireError(t, resp, b, http.StatusBadRequest, "user action token already used")
	})
	t.Run("other body", func(t *testing.T) {
		tok := c.userAction("POST", "/keys/import", body)
		resp, b := c.do("POST", "/keys/import", other, ua(tok))
		requireError(t, resp, b, http.StatusForbidden, "differs from the user action payload")
		// The token was spent by the failed request.
		resp, b = c.do("POST", "/keys/import", body, ua(tok))
		requireError(t, resp, b, http.StatusBadRequest, "already used")
	})
	t.Run("other path", func(t *testing.T) {
		tok := c.userAction("POST", "/keys/import", body)
		resp, b := c.do("POST", "/wallets/import", body, ua(tok))
		requireError(t, resp, b, http.StatusForbidden, "signed for POST /keys/import, but this request is POST /wallets/import")
	})
	t.Run("missing", func(t *testing.T) {
		resp, b := c.do("POST", "/keys/import", body, nil)
		requireError(t, resp, b, http.StatusForbidden, "X-DFNS-USERACTION")
	})
	t.Run("unknown", func(t *testing.T) {
		resp, b := c.do("POST", "/keys/import", body, ua("nope"))
		requireError(t, resp, b, http.StatusBadRequest, "unknown user action token")
	})
	t.Run("challenge used once", func(t *testing.T) {
		ch := c.challenge("POST", "/keys/import", body)
		resp, b := c.answer(ch, c.signer)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		resp, b = c.answer(ch, c.signer)
		requireError(t, resp, b, http.StatusBadRequest, "unknown or already used challengeIdentifier")
	})
	t.Run("challenge", func(t *testing.T) {
		ch := c.challenge("POST", "/keys/import", body)
		require.NotEmpty(t, ch.Challenge)
		require.Len(t, strings.Split(ch.ChallengeIdentifier, "."), 3)
		require.Equal(t, []auth.AllowCredential{{Type: "public-key", ID: s.CredentialID()}}, ch.AllowCredentials.Key)
		require.Equal(t, []auth.AllowCredential{}, ch.AllowCredentials.WebAuthn)
		require.Equal(t, "required", ch.UserVerification)
		require.Equal(t, "direct", ch.Attestation)
		require.NotNil(t, ch.RP)
		require.Equal(t, "Key", ch.SupportedCredentialKinds[0].Kind)
	})
	t.Run("bad assertions", func(t *testing.T) {
		post := func(a auth.Assertion, ch *auth.UserActionChallenge) (*http.Response, []byte) {
			return c.do("POST", "/auth/action", mustJSON(t, &authwire.UserActionRequest{ChallengeIdentifier: ch.ChallengeIdentifier, FirstFactor: a}), nil)
		}
		sign := func(ch *auth.UserActionChallenge) auth.Assertion {
			a, err := c.signer.Sign(context.Background(), ch)
			require.NoError(t, err)
			return *a
		}
		ch := c.challenge("POST", "/keys/import", body)
		a := sign(ch)
		a.CredentialAssertion.CredID = "someone-else"
		resp, b := post(a, ch)
		requireError(t, resp, b, http.StatusUnauthorized, "not a Key credential of this user")

		ch = c.challenge("POST", "/keys/import", body)
		a = sign(c.challenge("POST", "/keys/import", body)) // signs another challenge
		resp, b = post(a, ch)
		requireError(t, resp, b, http.StatusUnauthorized, "verification failed")

		ch = c.challenge("POST", "/keys/import", body)
		a = sign(ch)
		a.Kind, a.CredentialAssertion.AuthenticatorData = auth.KindFido2, "AAAA"
		resp, b = post(a, ch)
		requireError(t, resp, b, http.StatusUnauthorized, "is not a WebAuthn (Fido2) credential of this user: it is registered as a Key credential")

		ch = c.challenge("POST", "/keys/import", body)
		a = sign(ch)
		a.Kind = auth.KindPasswordProtectedKey
		resp, b = post(a, ch)
		requireError(t, resp, b, http.StatusBadRequest, `firstFactor.kind "PasswordProtectedKey" is not supported: use "Key" or "Fido2"`)
	})
	t.Run("bad init", func(t *testing.T) {
		for name, init := range map[string]authwire.UserActionInitRequest{
			"kind":   {UserActionHTTPMethod: "POST", UserActionHTTPPath: "/keys/import", UserActionServerKind: "Staff"},
			"query":  {UserActionHTTPMethod: "POST", UserActionHTTPPath: "/keys?limit=1", UserActionServerKind: "Api"},
			"host":   {UserActionHTTPMethod: "POST", UserActionHTTPPath: "https://api.dfns.io/keys/import", UserActionServerKind: "Api"},
			"method": {UserActionHTTPMethod: "post", UserActionHTTPPath: "/keys/import", UserActionServerKind: "Api"},
		} {
			resp, b := c.do("POST", "/auth/action/init", mustJSON(t, init), nil)
			requireError(t, resp, b, http.StatusBadRequest, "userAction")
			_ = name
		}
	})
}

func TestUserActionExpiry(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := newClient(t, s)
	body := mustJSON(t, c.importRequest(randomKey(t, keys.Secp256k1), ""))
	tok := c.userAction("POST", "/keys/import", body)
	ch := c.challenge("POST", "/keys/import", body)
	s.AdvanceClock(UserActionTTL + time.Second)
	resp, b := c.do("POST", "/keys/import", body, http.Header{"X-Dfns-Useraction": {tok}})
	requireError(t, resp, b, http.StatusBadRequest, "user action token expired")
	resp, b = c.answer(ch, c.signer)
	requireError(t, resp, b, http.StatusBadRequest, "the challenge has expired")
	require.Empty(t, s.Keys())
}

func TestRegisterCredential(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	k1, err := secp256k1.GeneratePrivateKey()
	require.NoError(t, err)
	for id, priv := range map[string]any{"cred-p256": p256, "cred-k1": k1} {
		signer, err := auth.NewKeySignerFromKey(id, priv)
		require.NoError(t, err)
		require.NoError(t, s.RegisterCredential(id, signer.PublicKey()))
		c := newClient(t, s)
		c.signer = signer
		ch := c.challenge("POST", "/keys/import", nil)
		require.Contains(t, ch.AllowCredentials.Key, auth.AllowCredential{Type: "public-key", ID: id})
		c.importKey()
	}
	require.Len(t, s.Keys(), 2)
	require.ErrorContains(t, s.RegisterCredential("x", "not a key"), `dfnstest: RegisterCredential("x"): `)
	require.EqualError(t, s.RegisterCredential("", ed25519.PublicKey(make([]byte, 32))), "dfnstest: RegisterCredential: empty credential ID")
}

func TestAuthorization(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := newClient(t, s)
	body := mustJSON(t, c.importRequest(randomKey(t, keys.Secp256k1), ""))
	for _, tc := range []struct {
		name, auth string
		status     int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"unknown", "Bearer nope", http.StatusUnauthorized},
		{"not bearer", "Basic " + s.Token(), http.StatusUnauthorized},
		{"valid", "Bearer " + s.Token(), http.StatusOK},
	} {
		resp, b := c.do("GET", "/keys", nil, http.Header{"Authorization": {tc.auth}})
		require.Equal(t, tc.status, resp.StatusCode, "%s: %s", tc.name, b)
		require.NotContains(t, string(b), s.Token())
	}

	c.token = s.NewToken("Keys:Read")
	var list keys.ListResponse
	c.get("/keys", &list)
	resp, b := c.do("GET", "/signers", nil, nil)
	e := requireError(t, resp, b, http.StatusForbidden, "Signers:ListSigners")
	require.Equal(t, "Signers:ListSigners", e.Error.Details["permission"])
	tok := c.userAction("POST", "/keys/import", body) // /auth/action* need no permission
	resp, b = c.do("POST", "/keys/import", body, http.Header{"X-Dfns-Useraction": {tok}})
	requireError(t, resp, b, http.StatusForbidden, "Keys:Import")
	for _, p := range []string{"/keys/key-x/export", "/wallets/import", "/wallets/wa-x/export"} {
		resp, b = c.do("POST", p, []byte("{}"), nil)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "%s", b)
	}
	require.Empty(t, s.Keys())
}

func TestPagination(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := newClient(t, s)
	var want []string
	for range 5 {
		want = append(want, c.importKey().ID)
	}
	var ids []string
	for _, st := range s.Keys() {
		ids = append(ids, st.Key.ID)
	}
	require.Equal(t, want, ids)

	ids = nil
	page, path := 0, "/keys?limit=2"
	for {
		var list keys.ListResponse
		c.get(path, &list)
		page++
		for _, k := range list.Items {
			ids = append(ids, k.ID)
		}
		if list.NextPageToken == "" {
			break
		}
		path = "/keys?limit=2&paginationToken=" + list.NextPageToken
	}
	require.Equal(t, want, ids)
	require.Equal(t, 3, page)

	var all keys.ListResponse
	c.get("/keys", &all)
	require.Len(t, all.Items, 5)
	require.Empty(t, all.NextPageToken)

	for _, q := range []string{"limit=0", "limit=501", "limit=x", "paginationToken=bogus"} {
		resp, b := c.do("GET", "/keys?"+q, nil, nil)
		requireError(t, resp, b, http.StatusBadRequest, "")
	}
	resp, b := c.do("GET", "/keys/key-nope", nil, nil)
	requireError(t, resp, b, http.StatusNotFound, "key key-nope not found")
}

func TestPathPrefix(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithPathPrefix("api/v2/"))
	require.True(t, strings.HasSuffix(s.URL(), "/api/v2"), s.URL())
	c := newClient(t, s)
	k := c.importKey() // signed for "/keys/import", sent to /api/v2/keys/import
	var got keys.Key
	c.get("/keys/"+k.ID, &got)
	require.Equal(t, k, got)

	root := strings.TrimSuffix(s.URL(), "/api/v2")
	for _, u := range []string{root + "/keys", root + "/api/v2x/keys"} {
		req, err := http.NewRequest("GET", u, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+s.Token())
		resp, err := c.hc.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		requireError(t, resp, b, http.StatusNotFound, "")
	}
	var paths []string
	for _, r := range s.Requests() {
		paths = append(paths, r.Path)
	}
	require.Contains(t, paths, "/keys/import")
	require.Contains(t, paths, "/keys/"+k.ID)
}

func TestRouting(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := newClient(t, s)
	resp, b := c.do("GET", "/nope", nil, nil)
	requireError(t, resp, b, http.StatusNotFound, "no route for GET /nope")
	resp, b = c.do("DELETE", "/keys", nil, nil)
	requireError(t, resp, b, http.StatusMethodNotAllowed, "")
	require.Equal(t, "GET, POST", resp.Header.Get("Allow"))
	resp, b = c.do("POST", "/keys/key-1", []byte("{}"), nil)
	requireError(t, resp, b, http.StatusMethodNotAllowed, "")

	init := mustJSON(t, authwire.UserActionInitRequest{UserActionHTTPMethod: "POST", UserActionHTTPPath: "/keys/import", UserActionServerKind: "Api"})
	resp, b = c.do("POST", "/auth/action/init", init, http.Header{"Content-Type": {"text/plain"}})
	requireError(t, resp, b, http.StatusBadRequest, "Content-Type must be application/json")
	resp, b = c.do("POST", "/auth/action/init", init, http.Header{"Content-Type": {"application/json; charset=utf-8"}})
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	resp, b = c.do("POST", "/auth/action/init", []byte(`{"userActionPayload":`), nil)
	requireError(t, resp, b, http.StatusBadRequest, "malformed JSON body")
	resp, b = c.do("POST", "/auth/action/init", append(init[:len(init)-1], []byte(`,"unknownField":1}`)...), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "unknown fields are tolerated: %s", b)
	resp, b = c.do("POST", "/auth/action/init", bytes.Repeat([]byte(" "), maxBodySize+1), nil)
	requireError(t, resp, b, http.StatusRequestEntityTooLarge, "larger than")
}

func TestImportValidation(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := newClient(t, s)
	for _, tc := range []struct {
		name   string
		edit   func(*keys.ImportRequest)
		msg    string
		signer bool
	}{
		{"long name", func(r *keys.ImportRequest) { r.Name = strings.Repeat("é", 101) }, "at most 100", false},
		{"scheme", func(r *keys.ImportRequest) { r.Protocol = "GG18" }, "unsupported protocol/curve pair", false},
		{"no shares", func(r *keys.ImportRequest) { r.EncryptedKeyShares = nil }, "encryptedKeyShares is empty", false},
		{"unknown signer", func(r *keys.ImportRequest) { r.EncryptedKeyShares[0].SignerID = "AAAA" }, "not in any cluster", false},
		{"order", func(r *keys.ImportRequest) {
			r.EncryptedKeyShares[0], r.EncryptedKeyShares[1] = r.EncryptedKeyShares[1], r.EncryptedKeyShares[0]
		}, "share order", false},
		{"threshold", func(r *keys.ImportRequest) { r.MinSigners = 6 }, "minSigners 6 is invalid", false},
		{"tampered", func(r *keys.ImportRequest) {
			ct, _ := base64.StdEncoding.DecodeString(r.EncryptedKeyShares[2].EncryptedKeyShare)
			ct[0] ^= 1
			r.EncryptedKeyShares[2].EncryptedKeyShare = base64.StdEncoding.EncodeToString(ct)
		}, "rejected its share", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := c.importRequest(randomKey(t, keys.Stark), "")
			tc.edit(req)
			resp, b := c.signed("/keys/import", mustJSON(t, req))
			e := requireError(t, resp, b, http.StatusBadRequest, tc.msg)
			if tc.signer {
				require.Equal(t, req.EncryptedKeyShares[2].SignerID, e.Error.Details["signerId"])
			}
		})
	}
	require.Empty(t, s.Keys())
}

func TestExportValidation(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := newClient(t, s)
	k := c.importKey()
	ec, err := keys.NewExportContext()
	require.NoError(t, err)

	resp, b := c.signed("/keys/key-nope/export", mustJSON(t, ec.Request()))
	requireError(t, resp, b, http.StatusNotFound, "key key-nope not found")
	req := ec.Request()
	req.SupportedSchemes = []keys.Scheme{{Protocol: keys.FROST, Curve: keys.Ed25519}}
	resp, b = c.signed("/keys/"+k.ID+"/export", mustJSON(t, req))
	requireError(t, resp, b, http.StatusBadRequest, "not among the supported schemes")
	req = ec.Request()
	req.EncryptionKey = "AAAA"
	resp, b = c.signed("/keys/"+k.ID+"/export", mustJSON(t, req))
	requireError(t, resp, b, http.StatusBadRequest, "key export failed")
	st, _ := s.Key(k.ID)
	require.False(t, st.Key.Exported)
}

func TestFaults(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T) (*Server, *testClient) {
		t.Parallel()
		s := NewServer(t)
		return s, newClient(t, s)
	}
	t.Run("FailBefore count", func(t *testing.T) {
		s, c := setup(t)
		require.NoError(t, s.SetFaults(Fault{Kind: FailBefore, Route: RouteListSigners, Count: 2, Status: http.StatusServiceUnavailable}))
		for range 2 {
			resp, b := c.do("GET", "/signers", nil, nil)
			requireError(t, resp, b, http.StatusServiceUnavailable, "simulated")
		}
		c.cluster(0)
		require.NoError(t, s.SetFaults(Fault{Kind: FailBefore, Route: RouteImportKey, Count: 1, Status: http.StatusInternalServerError}))
		resp, b := c.signed("/keys/import", mustJSON(t, c.importRequest(randomKey(t, keys.Secp256k1), "")))
		requireError(t, resp, b, http.StatusInternalServerError, "simulated")
		require.Empty(t, s.Keys())
		c.importKey()
	})
	t.Run("RateLimit count", func(t *testing.T) {
		s, c := setup(t)
		require.NoError(t, s.SetFaults(Fault{Kind: RateLimit, Route: RouteListKeys, Count: 1, Wait: 1500 * time.Millisecond}))
		require.NoError(t, s.SetFaults(Fault{Kind: RateLimit, Route: RouteListSigners, Count: 1}))
		resp, b := c.do("GET", "/keys", nil, nil)
		requireError(t, resp, b, http.StatusTooManyRequests, "rate limited")
		require.Equal(t, "2", resp.Header.Get("Retry-After"))
		resp, b = c.do("GET", "/signers", nil, nil)
		requireError(t, resp, b, http.StatusTooManyRequests, "")
		require.Equal(t, "0", resp.Header.Get("Retry-After"))
		var list keys.ListResponse
		c.get("/keys", &list)
	})
	t.Run("FailBefore rate", func(t *testing.T) {
		s, c := setup(t)
		require.NoError(t, s.SetFaults(Fault{Kind: FailBefore, Route: RouteListKeys, Rate: 1, Status: http.StatusBadGateway}))
		for range 3 {
			resp, b := c.do("GET", "/keys", nil, nil)
			requireError(t, resp, b, http.StatusBadGateway, "")
		}
		require.NoError(t, s.SetFaults(Fault{Kind: FailBefore, Route: RouteListKeys}))
		var list keys.ListResponse
		c.get("/keys", &list)
	})
	t.Run("DropResponse count", func(t *testing.T) {
		s, c := setup(t)
		require.NoError(t, s.SetFaults(Fault{Kind: DropResponse, Route: RouteImportKey, Count: 1}))
		body := mustJSON(t, c.importRequest(randomKey(t, keys.Secp256k1), ""))
		tok := c.userAction("POST", "/keys/import", body)
		_, _, err := c.try("POST", "/keys/import", body, http.Header{"X-Dfns-Useraction": {tok}})
		require.Error(t, err)
		require.Len(t, s.Keys(), 1, "the request was processed")
		reqs := s.Requests()
		require.Equal(t, 0, reqs[len(reqs)-1].Status)

		// A GET on a reused connection is not transparently retried.
		c.cluster(0)
		require.NoError(t, s.SetFaults(Fault{Kind: DropResponse, Route: RouteListSigners, Count: 1}))
		_, _, err = c.try("GET", "/signers", nil, nil)
		require.Error(t, err)
		c.cluster(0)
	})
	t.Run("FailAfter count", func(t *testing.T) {
		s, c := setup(t)
		require.NoError(t, s.SetFaults(Fault{Kind: FailAfter, Route: RouteImportKey, Count: 1, Status: http.StatusGatewayTimeout}))
		resp, b := c.signed("/keys/import", mustJSON(t, c.importRequest(randomKey(t, keys.Secp256k1), "")))
		requireError(t, resp, b, http.StatusGatewayTimeout, "after processing")
		require.Len(t, s.Keys(), 1)
	})
	t.Run("PolicyApproval", func(t *testing.T) {
		s, c := setup(t)
		require.NoError(t, s.SetFaults(Fault{Kind: PolicyApproval, Route: RouteImportKey, Rate: 1}))
		body := mustJSON(t, c.importRequest(randomKey(t, keys.Secp256k1), ""))
		resp, b := c.signed("/keys/import", body)
		require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", b)
		var ap struct {
			ID       string `json:"id"`
			Status   string `json:"status"`
			Activity struct {
				Kind string `json:"kind"`
			} `json:"activity"`
		}
		require.NoError(t, json.Unmarshal(b, &ap))
		require.True(t, strings.HasPrefix(ap.ID, "ap-"))
		require.Equal(t, "Pending", ap.Status)
		require.Equal(t, "Keys:Import", ap.Activity.Kind)
		require.Empty(t, s.Keys())
		// Missing user action is still rejected first.
		resp, b = c.do("POST", "/keys/import", body, nil)
		requireError(t, resp, b, http.StatusForbidden, "user action")
		require.NoError(t, s.SetFaults(Fault{Kind: PolicyApproval, Route: RouteImportKey}))
		c.importKey()
	})
	t.Run("SetLatency", func(t *testing.T) {
		s, c := setup(t)
		s.SetLatency(200 * time.Millisecond)
		start := time.Now()
		c.cluster(0)
		require.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)
		c.hc.Timeout = 50 * time.Millisecond
		_, _, err := c.try("GET", "/signers", nil, nil)
		require.Error(t, err)
	})
	t.Run("RateLimit rate", func(t *testing.T) {
		s, c := setup(t)
		require.NoError(t, s.SetFaults(Fault{Kind: RateLimit, Route: RouteListKeys, Rate: 1, Wait: 1500 * time.Millisecond}))
		for range 3 {
			resp, b := c.do("GET", "/keys", nil, nil)
			requireError(t, resp, b, http.StatusTooManyRequests, "rate limited")
			require.Equal(t, "2", resp.Header.Get("Retry-After"))
		}
		require.NoError(t, s.SetFaults(Fault{Kind: RateLimit, Route: RouteListKeys, Rate: 0}))
		var list keys.ListResponse
		c.get("/keys", &list)
	})
	t.Run("DropResponse rate", func(t *testing.T) {
		s, c := setup(t)
		require.NoError(t, s.SetFaults(Fault{Kind: DropResponse, Route: RouteImportKey, Rate: 1}))
		for i := range 2 {
			body := mustJSON(t, c.importRequest(randomKey(t, keys.Secp256k1), ""))
			tok := c.userAction("POST", "/keys/import", body)
			_, _, err := c.try("POST", "/keys/import", body, http.Header{"X-Dfns-Useraction": {tok}})
			require.Error(t, err)
			require.Len(t, s.Keys(), i+1, "the request was processed")
		}
		require.NoError(t, s.SetFaults(Fault{Kind: DropResponse, Route: RouteImportKey, Rate: 0}))
		c.importKey()
	})
	t.Run("FailAfter rate", func(t *testing.T) {
		s, c := setup(t)
		require.NoError(t, s.SetFaults(Fault{Kind: FailAfter, Route: RouteImportKey, Rate: 1, Status: http.StatusBadGateway}))
		resp, b := c.signed("/keys/import", mustJSON(t, c.importRequest(randomKey(t, keys.Secp256k1), "")))
		requireError(t, resp, b, http.StatusBadGateway, "after processing")
		require.Len(t, s.Keys(), 1)
	})
	t.Run("partial rates", func(t *testing.T) {
		// Half the requests fail: over 200 requests, both outcomes occur
		// (the chance that one does not is 2^-199).
		s, c := setup(t)
		require.NoError(t, s.SetFaults(Fault{Kind: FailBefore, Route: RouteListSigners, Rate: 0.5, Status: http.StatusServiceUnavailable}))
		seen := map[int]bool{}
		for range 200 {
			resp, _ := c.do("GET", "/signers", nil, nil)
			seen[resp.StatusCode] = true
		}
		require.Equal(t, map[int]bool{http.StatusOK: true, http.StatusServiceUnavailable: true}, seen)
	})
	t.Run("bad faults", func(t *testing.T) {
		s, c := setup(t)
		for _, tc := range []struct {
			f    Fault
			want string
		}{
			{Fault{Kind: FailBefore, Route: RouteListKeys, Count: 1, Status: 200}, "Status 200 is not an HTTP error status"},
			{Fault{Kind: DropResponse, Route: RouteListKeys, Rate: 1.5}, "Rate 1.5 is not a fraction from 0 to 1"},
			{Fault{Kind: RateLimit, Route: RouteListKeys, Rate: -0.1}, "Rate -0.1 is not a fraction"},
			{Fault{Kind: FailBefore, Route: RouteListKeys, Count: -1}, "Count -1 is negative"},
			{Fault{Kind: FailBefore, Route: RouteListKeys, Count: 1, Rate: 0.5}, "give Count or Rate, not both"},
			{Fault{Kind: DropResponse, Route: RouteListKeys, Count: 1, Status: 500}, "DropResponse fault takes no Status"},
			{Fault{Kind: FailAfter, Route: RouteListKeys, Count: 1, Wait: time.Second}, "FailAfter fault takes no Wait"},
			{Fault{Kind: DelayAfter, Route: RouteListKeys, Count: 1, Wait: -time.Second}, "Wait -1s is negative"},
			{Fault{Kind: BadSignature, Route: RouteCreateSignature, Count: 1}, "leave Route empty"},
			{Fault{Kind: 0, Count: 1}, "FaultKind(0) is not a fault kind"},
			{Fault{Kind: FailBefore, Route: "POST /key/import", Count: 1}, `unknown route "POST /key/import" (did you mean "POST /keys/import"?); the routes are GET /signers, `},
		} {
			err := s.SetFaults(Fault{Kind: FailBefore, Route: RouteListSigners, Count: 1}, tc.f)
			require.ErrorContains(t, err, tc.want, "%+v", tc.f)
		}
		// None of a rejected batch was injected: the valid first fault is
		// not in force.
		c.cluster(0)
	})
	t.Run("every route", func(t *testing.T) {
		s, c := setup(t)
		require.NoError(t, s.SetFaults(Fault{Kind: FailBefore, Count: 1}))
		resp, b := c.do("GET", "/keys", nil, nil)
		requireError(t, resp, b, http.StatusServiceUnavailable, "simulated")
		resp, b = c.do("GET", "/signers", nil, nil)
		requireError(t, resp, b, http.StatusServiceUnavailable, "simulated")
		c.cluster(0)
	})
}

func TestCloseWhileWaiting(t *testing.T) {
	t.Parallel()
	s, err := StartServer()
	require.NoError(t, err)
	s.SetLatency(time.Hour)
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("GET", s.URL()+"/signers", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	require.Eventually(t, func() bool { return len(s.Requests()) == 1 }, 5*time.Second, 5*time.Millisecond)
	s.Close()
	s.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("request still pending after Close")
	}
}

func TestRequestsRedacted(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := newClient(t, s)
	body := mustJSON(t, c.importRequest(randomKey(t, keys.Secp256k1), ""))
	tok := c.userAction("POST", "/keys/import", body)
	resp, b := c.do("POST", "/keys/import?x=1", body, http.Header{"X-Dfns-Useraction": {tok}})
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)

	reqs := s.Requests()
	var got []string
	for _, r := range reqs {
		got = append(got, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
		require.Equal(t, []string{"REDACTED"}, r.Header.Values("Authorization"))
		dump := fmt.Sprintf("%#v %s", r, r.Body)
		require.NotContains(t, dump, s.Token())
		require.NotContains(t, dump, tok)
	}
	require.Equal(t, []string{"GET /signers 200", "POST /auth/action/init 200", "POST /auth/action 200", "POST /keys/import 200"}, got)
	last := reqs[len(reqs)-1]
	require.Equal(t, []string{"REDACTED"}, last.Header.Values("X-DFNS-USERACTION"))
	require.Equal(t, "x=1", last.Query)
	require.Equal(t, body, last.Body)
}

func TestStartServerOptions(t *testing.T) {
	t.Parallel()
	for _, opts := range [][]ServerOption{
		{WithAddr("0.0.0.0:0")},
		{WithAddr(":0")},
		{WithAddr("example.com:80")},
		{WithAddr("nonsense")},
		{WithSigners(1)},
		{WithClusters(0)},
	} {
		_, err := StartServer(opts...)
		require.Error(t, err)
	}
	for _, addr := range []string{"localhost:0", "127.0.0.1:0", "[::1]:0"} {
		s, err := StartServer(WithAddr(addr))
		if addr == "[::1]:0" && err != nil {
			continue // no IPv6 loopback here
		}
		require.NoError(t, err, addr)
		c := newClient(t, s)
		c.cluster(0)
		s.Close()
	}
}
