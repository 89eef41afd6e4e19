package dfnskeys_test

import (
	"context"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

// Over HTTP, an ECDSA import without a protocol is a CGGMP24 import, and
// CGGMP21 still works when asked for.
func TestImportDefaultsToCGGMP24(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	for _, curve := range []keys.Curve{keys.Secp256k1, keys.Stark} {
		for _, p := range []keys.Protocol{"", keys.CGGMP21} {
			key := freshKey(t, curve)
			created, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Protocol: p})
			require.NoError(t, err)
			want := p
			if want == "" {
				want = keys.CGGMP24
			}
			stored, ok := srv.Key(created.ID)
			require.True(t, ok)
			require.Equal(t, keys.Scheme{Protocol: want, Curve: curve}, stored.Shares.Scheme)
			recovered, faulty, err := c.ExportKey(ctx, created.ID, dfnskeys.ExportOptions{})
			require.NoError(t, err)
			require.Empty(t, faulty)
			require.True(t, recovered.Equal(key))
		}
	}
}

// Keys that Dfns created itself (POST /keys) are CGGMP24 keys for ECDSA;
// they export like any other and recover to their public key.
func TestExportNativeKeys(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	cases := []struct {
		scheme string
		curve  keys.Curve
		want   keys.Protocol
	}{
		{"ECDSA", keys.Secp256k1, keys.CGGMP24},
		{"ECDSA", keys.Stark, keys.CGGMP24},
		{"Schnorr", keys.Secp256k1, keys.FROSTBitcoin},
		{"EdDSA", keys.Ed25519, keys.FROST},
	}
	for _, tc := range cases {
		t.Run(tc.scheme+"/"+string(tc.curve), func(t *testing.T) {
			created, err := c.Keys.Create(ctx, &keys.CreateRequest{Scheme: tc.scheme, Curve: tc.curve, Name: "native"})
			require.NoError(t, err)
			require.False(t, created.Imported, "a created key was not imported")
			require.Equal(t, tc.scheme, created.Scheme)
			stored, ok := srv.Key(created.ID)
			require.True(t, ok)
			require.Equal(t, tc.want, stored.Shares.Scheme.Protocol)

			recovered, faulty, err := c.ExportKey(ctx, created.ID, dfnskeys.ExportOptions{})
			require.NoError(t, err)
			require.Empty(t, faulty)
			require.Equal(t, created.PublicKey, recovered.PublicKeyHex())
			after, err := c.Keys.Get(ctx, created.ID)
			require.NoError(t, err)
			require.True(t, after.Exported)
		})
	}
	_, err := c.Keys.Create(ctx, &keys.CreateRequest{Scheme: "ECDSA", Curve: keys.Ed25519})
	require.ErrorContains(t, err, "not supported")
}

// masterKey: true is refused before anything is sent, by every path.
func TestMasterKeyImportRefused(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	_, err := dfnskeys.ImportRequest(c, ctx, &keys.ImportRequest{Protocol: keys.CGGMP24, Curve: keys.Secp256k1, MinSigners: 3, MasterKey: true})
	require.ErrorIs(t, err, keys.ErrMasterKey)
	_, err = c.SendImport(ctx, &dfnskeys.ImportPlan{Request: &keys.ImportRequest{Protocol: keys.CGGMP24, Curve: keys.Secp256k1, MinSigners: 3, MasterKey: true}})
	require.ErrorIs(t, err, keys.ErrMasterKey)
	_, err = dfnskeys.ImportWalletRequest(c, ctx, &importbuild.WalletRequest{Network: "Ethereum", ImportRequest: keys.ImportRequest{MasterKey: true}})
	require.ErrorIs(t, err, keys.ErrMasterKey)
	for _, r := range srv.Requests() {
		require.NotEqual(t, "/keys/import", r.Path, "nothing was sent")
		require.NotEqual(t, "/auth/action/init", r.Path, "no user action was even started")
		require.NotEqual(t, "/wallets/import", r.Path)
	}
	require.Empty(t, srv.Keys())
}
