package keys_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

// The ECDSA curves and the two CGGMP protocols, which share one share
// format (docs/protocol.md, "Protocols and curves").
var (
	ecdsaCurves = []keys.Curve{keys.Secp256k1, keys.Stark}
	cggmp       = []keys.Protocol{keys.CGGMP24, keys.CGGMP21}
)

// An import without a protocol is a CGGMP24 import on both ECDSA curves,
// and the simulated signers accept its shares.
func TestCGGMP24IsTheECDSADefault(t *testing.T) {
	t.Parallel()
	for _, c := range ecdsaCurves {
		t.Run(string(c), func(t *testing.T) {
			t.Parallel()
			cluster := newCluster(t, 5)
			key := randomKey(t, c)
			req, err := importbuild.Request(key, cluster.WireSigners(), importbuild.Options{})
			require.NoError(t, err)
			require.Equal(t, keys.CGGMP24, req.Protocol)
			body, err := json.Marshal(req)
			require.NoError(t, err)
			require.Contains(t, string(body), `"protocol":"CGGMP24"`)
			stored, err := cluster.Import(req)
			require.NoError(t, err, "the signers accept a CGGMP24 import")
			require.Equal(t, keys.Scheme{Protocol: keys.CGGMP24, Curve: c}, stored.Scheme)
			require.Equal(t, key.PublicKeyHex(), stored.PublicKeyHex())
		})
	}
	require.Equal(t, keys.FROST, keys.DefaultProtocol(keys.Ed25519), "EdDSA keys stay FROST")
}

// Both CGGMP protocols import and export on both curves, and an export
// response names the key's own protocol, which Recover accepts.
func TestCGGMPRoundTrips(t *testing.T) {
	t.Parallel()
	for _, c := range ecdsaCurves {
		for _, p := range cggmp {
			t.Run(string(p)+"/"+string(c), func(t *testing.T) {
				t.Parallel()
				cluster := newCluster(t, 5)
				key := randomKey(t, c)
				req, err := importbuild.Request(key, cluster.WireSigners(), importbuild.Options{Protocol: p})
				require.NoError(t, err)
				require.Equal(t, p, req.Protocol, "an explicit protocol is kept")
				stored, err := cluster.Import(req)
				require.NoError(t, err)

				ctx, err := keys.NewExportContext()
				require.NoError(t, err)
				resp, err := cluster.Export(stored, ctx.Request())
				require.NoError(t, err)
				require.Equal(t, p, resp.Protocol)
				got, faulty, err := ctx.Recover(context.Background(), resp, keys.RecoverOptions{})
				require.NoError(t, err)
				require.Empty(t, faulty)
				require.True(t, got.Equal(key))
			})
		}
	}
}

// The share bytes do not depend on the CGGMP protocol label: an import
// body built for one protocol, relabelled as the other, is accepted by the
// signers and recovers the same key. This is what "the reference's trusted
// dealer takes the protocol only as a label" means for us.
func TestCGGMPLabelDoesNotChangeShares(t *testing.T) {
	t.Parallel()
	for _, c := range ecdsaCurves {
		t.Run(string(c), func(t *testing.T) {
			t.Parallel()
			cluster := newCluster(t, 5)
			key := randomKey(t, c)
			req, err := importbuild.Request(key, cluster.WireSigners(), importbuild.Options{Protocol: keys.CGGMP24})
			require.NoError(t, err)
			req.Protocol = keys.CGGMP21
			stored, err := cluster.Import(req)
			require.NoError(t, err)
			ctx, err := keys.NewExportContext()
			require.NoError(t, err)
			resp, err := cluster.Export(stored, ctx.Request())
			require.NoError(t, err)
			resp.Protocol = keys.CGGMP24
			got, faulty, err := ctx.Recover(context.Background(), resp, keys.RecoverOptions{})
			require.NoError(t, err)
			require.Empty(t, faulty)
			require.True(t, got.Equal(key))
		})
	}
}

// An export request advertises all six pairs, so a CGGMP24 key (every key
// Dfns creates today) and a CGGMP21 key can both be exported.
func TestExportRequestListsAllSixSchemes(t *testing.T) {
	t.Parallel()
	ctx, err := keys.NewExportContext()
	require.NoError(t, err)
	got := ctx.Request().SupportedSchemes
	want := []keys.Scheme{
		{Protocol: keys.CGGMP24, Curve: keys.Secp256k1},
		{Protocol: keys.CGGMP21, Curve: keys.Secp256k1},
		{Protocol: keys.FROSTBitcoin, Curve: keys.Secp256k1},
		{Protocol: keys.CGGMP24, Curve: keys.Stark},
		{Protocol: keys.CGGMP21, Curve: keys.Stark},
		{Protocol: keys.FROST, Curve: keys.Ed25519},
	}
	require.ElementsMatch(t, want, got)
	require.Len(t, got, 6)
	// The list is a copy: changing it changes neither the package's list
	// nor the next request.
	got[0].Protocol = "KU23"
	require.True(t, slices.Contains(keys.SupportedSchemes(), want[0]))
	require.Equal(t, keys.CGGMP24, ctx.Request().SupportedSchemes[0].Protocol)
}

// Other protocol names in Dfns's enums are refused, with the supported
// pairs listed; names are case-sensitive as on the wire.
func TestUnknownProtocolsRefused(t *testing.T) {
	t.Parallel()
	const list = "CGGMP24/secp256k1, CGGMP21/secp256k1, FROST_BITCOIN/secp256k1, CGGMP24/stark, CGGMP21/stark, FROST/ed25519"
	for _, name := range []string{"GLOW20_DH", "KU23", "GG18", "BINANCE_EDDSA", "cggmp24", "CGGMP", ""} {
		t.Run("parse "+name, func(t *testing.T) {
			_, err := keys.ParseProtocol(name)
			require.ErrorContains(t, err, list)
		})
	}
	for _, s := range keys.SupportedSchemes() {
		p, err := keys.ParseProtocol(string(s.Protocol))
		require.NoError(t, err)
		require.Equal(t, s.Protocol, p)
	}
	cluster := newCluster(t, 3)
	key := randomKey(t, keys.Secp256k1)
	for _, p := range []keys.Protocol{"GLOW20_DH", "KU23"} {
		_, err := importbuild.Request(key, cluster.WireSigners(), importbuild.Options{Protocol: p})
		require.ErrorContains(t, err, list)
	}
	// CGGMP24 is ECDSA only.
	ed := randomKey(t, keys.Ed25519)
	_, err := importbuild.Request(ed, cluster.WireSigners(), importbuild.Options{Protocol: keys.CGGMP24})
	require.ErrorContains(t, err, "CGGMP24/ed25519")
}

func TestMasterKeyRefused(t *testing.T) {
	t.Parallel()
	cluster := newCluster(t, 3)
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		// No option asks for a master key; the request never does.
		req, err := importbuild.Request(randomKey(t, c), cluster.WireSigners(), importbuild.Options{})
		require.NoError(t, err)
		require.False(t, req.MasterKey)
	}
	// Sending one is refused (package dfnskeys) with this guidance.
	require.ErrorContains(t, keys.ErrMasterKey, "not public")
	require.ErrorContains(t, keys.ErrMasterKey, "import the derived child keys")
}

// Newer Key responses carry masterKey and derivedFrom; unknown fields are
// ignored.
func TestKeyNewerFields(t *testing.T) {
	t.Parallel()
	var k keys.Key
	require.NoError(t, json.Unmarshal([]byte(`{"id":"key-1","scheme":"ECDSA","curve":"secp256k1","publicKey":"02aa","status":"Active",
		"masterKey":false,"derivedFrom":{"keyId":"key-0","path":"m/44'/60'/0'/0/0"},"storeAux":true,"someFutureField":{"a":[1,2]}}`), &k))
	require.False(t, k.MasterKey)
	require.Equal(t, &keys.Derivation{KeyID: "key-0", Path: "m/44'/60'/0'/0/0"}, k.DerivedFrom)
	require.NoError(t, json.Unmarshal([]byte(`{"id":"key-2","scheme":"ECDSA","curve":"secp256k1","publicKey":"02aa","status":"Active","masterKey":true}`), &k))
	require.True(t, k.MasterKey)
	var old keys.Key
	require.NoError(t, json.Unmarshal([]byte(`{"id":"key-3","scheme":"EdDSA","curve":"ed25519","publicKey":"aa","status":"Active"}`), &old))
	require.False(t, old.MasterKey)
	require.Nil(t, old.DerivedFrom)
}
