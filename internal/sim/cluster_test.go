package sim

import (
	"context"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/keys"
)

// A Cluster alone imports and exports, and refuses a key it does not hold.
func TestCluster(t *testing.T) {
	t.Parallel()
	cluster, err := NewCluster(4)
	require.NoError(t, err)
	require.Len(t, cluster.WireSigners(), 4)
	key, err := keys.GeneratePrivateKey(keys.Ed25519)
	require.NoError(t, err)
	defer key.Destroy()
	req, err := importbuild.Request(key, cluster.WireSigners(), importbuild.Options{})
	require.NoError(t, err)
	stored, err := cluster.Import(req)
	require.NoError(t, err)
	require.Equal(t, key.PublicKeyHex(), hex.EncodeToString(stored.PublicKey))
	require.Equal(t, keys.Scheme{Protocol: keys.FROST, Curve: keys.Ed25519}, stored.Scheme)

	ec, err := keys.NewExportContext()
	require.NoError(t, err)
	defer ec.Destroy()
	resp, err := cluster.Export(stored, ec.Request())
	require.NoError(t, err)
	got, faulty, err := ec.Recover(context.Background(), resp, keys.RecoverOptions{})
	require.NoError(t, err)
	defer got.Destroy()
	require.Empty(t, faulty)
	require.True(t, got.Equal(key))

	other, err := NewCluster(4)
	require.NoError(t, err)
	_, err = other.Export(stored, ec.Request())
	require.ErrorContains(t, err, "not held by this cluster")
	_, err = other.Import(req)
	require.ErrorContains(t, err, "unknown signer")
}
