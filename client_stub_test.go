package dfnskeys_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

// A 2xx whose body cannot be decoded means the import was carried out:
// ImportKey must find the key, never report a plain error a caller would
// retry (creating a second key).
func TestImportWithUnreadableSuccessIsResolved(t *testing.T) {
	t.Parallel()
	key, err := keys.GeneratePrivateKey(keys.Secp256k1)
	require.NoError(t, err)
	cluster, err := sim.NewCluster(3)
	require.NoError(t, err)
	list, _ := json.Marshal(cluster.ListResponse())
	var imports atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/signers":
			_, _ = w.Write(list)
		case "/auth/action/init":
			_, _ = io.WriteString(w, `{"challenge":"c","challengeIdentifier":"a.b.c","allowCredentials":{"key":[{"type":"public-key","id":"cr-1"}]}}`)
		case "/auth/action":
			_, _ = io.WriteString(w, `{"userAction":"ua"}`)
		case "/keys/import":
			imports.Add(1)
			_, _ = io.WriteString(w, `{"id": "key-1", "publicKey": tr`) // truncated
		case "/keys":
			fmt.Fprintf(w, `{"items":[{"id":"key-1","scheme":"ECDSA","curve":"secp256k1","status":"Active","publicKey":%q,"imported":true}]}`, key.PublicKeyHex())
		}
	}))
	defer srv.Close()
	signer, err := auth.NewKeySignerFromKey("cr-1", ed25519.NewKeyFromSeed(make([]byte, 32)))
	require.NoError(t, err)
	c, err := dfnskeys.NewClient(dfnskeys.WithAuthToken("t"), dfnskeys.WithBaseURL(srv.URL), dfnskeys.WithSigner(signer), fastRetries())
	require.NoError(t, err)

	_, err = dfnskeys.ImportRequest(c, context.Background(), &keys.ImportRequest{})
	require.ErrorIs(t, err, dfnskeys.ErrAmbiguous, "the low-level call reports the ambiguity")
	// The stub lists the key from the start: AllowDuplicate skips the
	// lookup that would otherwise return it without importing.
	got, err := c.ImportKey(context.Background(), key, dfnskeys.ImportKeyOptions{Threshold: 2, AllowDuplicate: true})
	require.NoError(t, err)
	require.Equal(t, "key-1", got.ID)
	require.EqualValues(t, 2, imports.Load(), "one import per call, never resent")
}
