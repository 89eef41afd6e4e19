package dfnstest_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/dfnstest"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// The options reach the simulator: signers, clusters, path prefix, request
// log and credential algorithm.
func TestOptions(t *testing.T) {
	t.Parallel()
	srv := dfnstest.NewServer(t, dfnstest.Options{Signers: 3, Clusters: 2,
		PathPrefix: "/api/v2", RequestLog: 1,
		CredentialAlgorithm: auth.AlgorithmECDSAP256})
	require.True(t, strings.HasSuffix(srv.URL(), "/api/v2"), srv.URL())
	list, err := srv.Client().Signers.List(context.Background())
	require.NoError(t, err)
	require.Len(t, list.Clusters, 2)
	require.Len(t, list.Clusters[0].Signers, 3)
	require.Equal(t, list, srv.Signers())

	signer, err := auth.NewKeySigner(srv.CredentialID(), srv.CredentialPEM())
	require.NoError(t, err)
	require.Equal(t, auth.AlgorithmECDSAP256, signer.Algorithm())

	_, err = srv.Client().Signers.List(context.Background())
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 1, "RequestLog: 1 keeps the last request only")
	require.Equal(t, "GET", reqs[0].Method)
	require.Equal(t, "/signers", reqs[0].Path)
	require.Equal(t, http.StatusOK, reqs[0].Status)
	require.Equal(t, []string{"REDACTED"}, reqs[0].Header["Authorization"])
}

func TestStartServerRejectsOptions(t *testing.T) {
	t.Parallel()
	_, err := dfnstest.StartServer(dfnstest.Options{Signers: 1})
	require.ErrorContains(t, err, "1 signers per cluster; want 2 to")
	_, err = dfnstest.StartServer(dfnstest.Options{Clusters: -1})
	require.ErrorContains(t, err, "want at least 1")

	srv, err := dfnstest.StartServer(dfnstest.Options{})
	require.NoError(t, err)
	srv.Close()
	srv.Close() // twice is fine
}

// A print of a Server shows no credential.
func TestServerPrintsNoSecret(t *testing.T) {
	t.Parallel()
	srv := dfnstest.NewServer(t, dfnstest.Options{})
	pem := string(srv.CredentialPEM())
	for _, s := range []string{fmt.Sprint(srv), fmt.Sprintf("%+v", srv), fmt.Sprintf("%#v", srv), fmt.Sprintf("%#v", *srv)} {
		require.NotContains(t, s, srv.Token())
		require.NotContains(t, s, pem[40:80])
	}
}

// Import and export through the client show up in Keys,
// with the protocol the cluster holds the key under.
func TestKeys(t *testing.T) {
	t.Parallel()
	srv := dfnstest.NewServer(t, dfnstest.Options{})
	ctx := context.Background()
	key, err := keys.GeneratePrivateKey(keys.Secp256k1)
	require.NoError(t, err)
	defer key.Destroy()
	created, err := srv.Client().ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Name: "k"})
	require.NoError(t, err)

	require.Equal(t, 1, len(srv.Keys()))
	got := srv.Keys()[0]
	require.Equal(t, created.ID, got.Key.ID)
	require.Equal(t, key.PublicKeyHex(), got.Key.PublicKey)
	require.Equal(t, keys.CGGMP24, got.Protocol)
	require.Equal(t, srv.Signers().Clusters[0].ClusterID, got.ClusterID)
	require.Equal(t, []*dfnstest.StoredServerKey{got}, srv.Keys())

	native, err := srv.CreateKey(&keys.CreateRequest{Scheme: "EdDSA", Curve: keys.Ed25519})
	require.NoError(t, err)
	require.Equal(t, keys.FROST, native.Protocol)
	require.False(t, native.Key.Imported)
	_, err = srv.CreateKey(&keys.CreateRequest{Scheme: "EdDSA", Curve: keys.Secp256k1})
	require.ErrorContains(t, err, "not supported")
	require.Equal(t, 2, len(srv.Keys()))
	require.Zero(t, srv.SignatureCount())
}

// A fault reaches its route, written as a string; a mistaken one is an
// error that names the nearest route, and nothing is injected.
func TestSetFaults(t *testing.T) {
	t.Parallel()
	srv := dfnstest.NewServer(t, dfnstest.Options{})
	err := srv.SetFaults(dfnstest.Fault{Kind: dfnstest.FailBefore, Route: "GET /signers", Count: 1, Status: 500})
	require.NoError(t, err)
	_, err = srv.Client(dfnskeys.WithRetryPolicy(dfnskeys.RetryPolicy{MaxAttempts: 1})).Signers.List(context.Background())
	require.Error(t, err)
	require.Equal(t, 500, srv.Requests()[0].Status)

	err = srv.SetFaults(dfnstest.Fault{Kind: dfnstest.RateLimit, Rate: 1}, dfnstest.Fault{Kind: dfnstest.DropResponse, Route: "POST /key/import", Count: 1})
	require.ErrorContains(t, err, `unknown route "POST /key/import"`)
	require.ErrorContains(t, err, `"POST /keys/import"`)
	_, err = srv.Client().Signers.List(context.Background())
	require.NoError(t, err, "the valid fault before the mistaken one was not injected either")

	require.ErrorContains(t, srv.SetFaults(dfnstest.Fault{Kind: 99}), "FaultKind(99) is not a fault kind")
	require.ErrorContains(t, srv.SetFaults(dfnstest.Fault{Kind: dfnstest.BadSignature, Route: "GET /keys"}), "leave Route empty")
	require.Equal(t, "DelayAfter", dfnstest.DelayAfter.String())
}

// SubstituteListedSigner changes what GET /signers says, not Signers.
func TestSubstituteListedSigner(t *testing.T) {
	t.Parallel()
	srv := dfnstest.NewServer(t, dfnstest.Options{})
	truth := srv.Signers()
	other, err := sim.NewCluster(2)
	require.NoError(t, err)
	sub := signers.Signer{SignerID: truth.Clusters[0].Signers[1].SignerID, EncryptionKey: other.WireSigners()[0].EncryptionKey}
	require.NoError(t, srv.SubstituteListedSigner(0, 1, sub))
	listed, err := srv.Client().Signers.List(context.Background())
	require.NoError(t, err)
	require.Equal(t, sub, listed.Clusters[0].Signers[1])
	require.Equal(t, truth, srv.Signers())
	require.ErrorContains(t, srv.SubstituteListedSigner(1, 0, sub), "no cluster 1")
	require.ErrorContains(t, srv.SubstituteListedSigner(0, 5, sub), "no signer 5")
}

func TestSubstituteUnknownKeys(t *testing.T) {
	t.Parallel()
	srv := dfnstest.NewServer(t, dfnstest.Options{})
	require.ErrorContains(t, srv.SubstituteKey("key-a", "key-b"), `no key "key-a"`)
	require.ErrorContains(t, srv.SubstituteExport("key-a", "key-b"), `no key "key-a"`)
}

// NewToken's permissions are enforced.
func TestNewToken(t *testing.T) {
	t.Parallel()
	srv := dfnstest.NewServer(t, dfnstest.Options{})
	c := srv.Client(dfnskeys.WithAuthToken(srv.NewToken("Keys:Read")))
	_, err := c.Signers.List(context.Background())
	require.Error(t, err)
	c = srv.Client(dfnskeys.WithAuthToken(srv.NewToken("Signers:ListSigners")))
	_, err = c.Signers.List(context.Background())
	require.NoError(t, err)
}

// Options.FaultLog is told of every injected fault.
func TestOptionsFaultLog(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var lines []string
	srv := dfnstest.NewServer(t, dfnstest.Options{FaultLog: func(line string) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, line)
	}})
	require.NoError(t, srv.SetFaults(dfnstest.Fault{Kind: dfnstest.FailBefore, Route: "GET /signers", Count: 1}))
	_, err := srv.Client().Signers.List(context.Background())
	require.NoError(t, err, "the client retries the failed read")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, lines, 1)
	require.Contains(t, lines[0], "GET /signers")
}
