package dfnskeys_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

func countImports(srv *sim.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" && r.Path == "/keys/import" {
			n++
		}
	}
	return n
}

// ImportKey imports a key once: called again (a script rerun after a crash
// or a timeout), it returns the key Dfns holds and sends nothing.
func TestImportKeyIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("same key twice", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		key := freshKey(t, keys.Secp256k1)
		first, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Name: "first"})
		require.NoError(t, err)
		again, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Name: "a rerun may name it differently"})
		require.NoError(t, err)
		require.Equal(t, first.ID, again.ID)
		require.True(t, first.Created)
		require.False(t, again.Created, "found, not created")
		require.Equal(t, "first", again.Name, "the key Dfns holds, as it is")
		// A second client (another process) finds it too, by a listing.
		other, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(srv.URL()), dfnskeys.WithAuthToken(srv.Token()), dfnskeys.WithSigner(signerFor(t, srv)))
		require.NoError(t, err)
		plan, err := other.PlanImport(ctx, key, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		require.Nil(t, plan.Request)
		require.Equal(t, first.ID, plan.Existing.ID)
		require.Equal(t, 1, countImports(srv), "nothing was sent the second time")
		require.Equal(t, 1, srv.KeyCount())
	})

	t.Run("the default protocol is the one looked for", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		key := freshKey(t, keys.Stark)
		first, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Protocol: keys.DefaultProtocol(keys.Stark)})
		require.NoError(t, err)
		again, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		require.Equal(t, first.ID, again.ID)
		require.Equal(t, 1, srv.KeyCount())
	})

	t.Run("another scheme is another key", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		key := freshKey(t, keys.Secp256k1)
		ecdsa, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Protocol: keys.CGGMP21})
		require.NoError(t, err)
		schnorr, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Protocol: keys.FROSTBitcoin})
		require.NoError(t, err)
		require.NotEqual(t, ecdsa.ID, schnorr.ID)
		require.Equal(t, "Schnorr", schnorr.Scheme)
		require.Equal(t, 2, srv.KeyCount())
	})

	t.Run("an exported key is imported again", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		key := freshKey(t, keys.Ed25519)
		old, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		exp, _, err := c.ExportKey(ctx, old.ID, dfnskeys.ExportOptions{})
		require.NoError(t, err)
		exp.Destroy()
		renewed, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		require.NotEqual(t, old.ID, renewed.ID, "Dfns no longer signs with an exported key")
		require.Equal(t, 2, srv.KeyCount())
	})

	t.Run("AllowDuplicate imports a second key", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		key := freshKey(t, keys.Secp256k1)
		first, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		second, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{AllowDuplicate: true})
		require.NoError(t, err)
		require.NotEqual(t, first.ID, second.ID)
		require.Equal(t, 2, srv.KeyCount())
		// A third call returns one of them.
		third, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		require.Contains(t, []string{first.ID, second.ID}, third.ID)
		require.Equal(t, 2, srv.KeyCount())
	})

	t.Run("a failed lookup sends nothing", func(t *testing.T) {
		t.Parallel()
		srv, _ := setup(t)
		readOnlySigner, err := auth.NewKeySigner(srv.CredentialID(), srv.CredentialPEM())
		require.NoError(t, err)
		noRead, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(srv.URL()), dfnskeys.WithAuthToken(srv.NewToken("Signers:ListSigners", "Keys:Import")), dfnskeys.WithSigner(readOnlySigner), fastRetries())
		require.NoError(t, err)
		_, err = noRead.ImportKey(ctx, freshKey(t, keys.Secp256k1), dfnskeys.ImportKeyOptions{})
		require.ErrorIs(t, err, dfnskeys.ErrForbidden)
		require.ErrorContains(t, err, "looking for a key Dfns already holds with this public key (nothing was sent; allow a duplicate, with AllowDuplicate or --allow-duplicate, to import without looking): GET /keys: 403 Forbidden: the token lacks the permission Keys:Read")
		require.Zero(t, countImports(srv))
	})
}

// countingTransport counts GET /keys and GET /keys/{keyId} requests.
type countingTransport struct{ lists, gets atomic.Int64 }

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/keys") {
		t.lists.Add(1)
	} else if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/keys/") {
		t.gets.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// BenchmarkImportKeyLookup measures what ImportKey's check for an existing
// key costs in an organisation holding n keys, after the client's first
// call (which lists every key, one GET /keys per 500): GETs/op counts
// GET /keys pages and GETkey/op GET /keys/{keyId}, against the in-process
// simulator over loopback HTTP.
// "existing" is a call for a key Dfns holds (the lookup is all it does);
// "new" is the whole import of a new key, lookup included, and "new,
// AllowDuplicate" the same import without the lookup.
func BenchmarkImportKeyLookup(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		srv := sim.NewServer(b, sim.WithRequestLog(100))
		srv.AddPlaceholderKeys(n)
		signer, err := auth.NewKeySigner(srv.CredentialID(), srv.CredentialPEM())
		require.NoError(b, err)
		tr := &countingTransport{}
		c, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(srv.URL()), dfnskeys.WithAuthToken(srv.Token()), dfnskeys.WithSigner(signer), dfnskeys.WithHTTPClient(&http.Client{Transport: tr}))
		require.NoError(b, err)
		ctx := context.Background()
		held := freshKey(b, keys.Secp256k1)
		_, err = c.ImportKey(ctx, held, dfnskeys.ImportKeyOptions{})
		require.NoError(b, err)
		for _, tc := range []struct {
			name  string
			key   func() *keys.PrivateKey
			allow bool
		}{
			{"existing", func() *keys.PrivateKey { return held }, false},
			{"new", func() *keys.PrivateKey { return freshKey(b, keys.Secp256k1) }, false},
			{"new,AllowDuplicate", func() *keys.PrivateKey { return freshKey(b, keys.Secp256k1) }, true},
		} {
			b.Run(fmt.Sprintf("keys=%d/%s", n, tc.name), func(b *testing.B) {
				before, beforeGets := tr.lists.Load(), tr.gets.Load()
				for b.Loop() {
					if _, err := c.ImportKey(ctx, tc.key(), dfnskeys.ImportKeyOptions{AllowDuplicate: tc.allow}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(tr.lists.Load()-before)/float64(b.N), "GETs/op")
				b.ReportMetric(float64(tr.gets.Load()-beforeGets)/float64(b.N), "GETkey/op")
			})
		}
		srv.Close()
	}
}

func signerFor(t testing.TB, srv *sim.Server) auth.UserActionSigner {
	s, err := auth.NewKeySigner(srv.CredentialID(), srv.CredentialPEM())
	require.NoError(t, err)
	return s
}

// An export reads the key once: PlanExport's GET /keys/{keyId} is the one
// SendExport uses.
func TestExportReadsTheKeyOnce(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	key := freshKey(t, keys.Secp256k1)
	res, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{AllowDuplicate: true})
	require.NoError(t, err)
	before := len(srv.Requests())
	got, _, err := c.ExportKey(ctx, res.ID, dfnskeys.ExportOptions{Expect: keys.ExpectPublicKey(key.PublicKey())})
	require.NoError(t, err)
	defer got.Destroy()
	gets := 0
	for _, r := range srv.Requests()[before:] {
		if r.Method == http.MethodGet && r.Path == "/keys/"+res.ID {
			gets++
		}
	}
	require.Equal(t, 1, gets)
}
