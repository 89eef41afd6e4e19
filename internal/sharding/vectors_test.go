package sharding

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

type katFile struct {
	ImportShares []struct {
		Name       string   `json:"name"`
		Curve      string   `json:"curve"`
		Threshold  int      `json:"threshold"`
		Secret     string   `json:"secret_hex"`
		Polynomial []string `json:"polynomial_hex"`
		PublicKey  string   `json:"public_key_hex"`
		Plaintexts []string `json:"plaintexts"`
	} `json:"import_shares"`
	ExportRecovery []struct {
		Name       string   `json:"name"`
		Curve      string   `json:"curve"`
		MinSigners int      `json:"minSigners"`
		Secret     string   `json:"secret_hex"`
		PublicKey  string   `json:"public_key_hex"`
		Plaintexts []string `json:"plaintexts"`
	} `json:"export_recovery"`
	Seeds []struct {
		Name   string `json:"name"`
		Seed   string `json:"seed_hex"`
		Scalar string `json:"scalar_be_hex"`
	} `json:"ed25519_seed_to_scalar"`
}

func loadKAT(t testing.TB) *katFile {
	t.Helper()
	raw, err := os.ReadFile("testdata/shares.json")
	require.NoError(t, err)
	var k katFile
	require.NoError(t, json.Unmarshal(raw, &k))
	require.NotEmpty(t, k.ImportShares)
	require.NotEmpty(t, k.ExportRecovery)
	require.NotEmpty(t, k.Seeds)
	return &k
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func scalar(t testing.TB, c Curve, h string) Scalar {
	t.Helper()
	s, err := c.ParseScalar(unhex(t, h))
	require.NoError(t, err)
	return s
}

// TestImportShareVectors rebuilds each import plaintext from the vector's
// polynomial and compares it byte for byte with the vector's output (made by
// an independent implementation written from the public source of Dfns's
// reference client, not by Dfns's client).
func TestImportShareVectors(t *testing.T) {
	t.Parallel()
	for _, v := range loadKAT(t).ImportShares {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			c, err := CurveByName(v.Curve)
			require.NoError(t, err)
			coeffs := make([]Scalar, len(v.Polynomial))
			for i, h := range v.Polynomial {
				coeffs[i] = scalar(t, c, h)
			}
			require.Equal(t, v.Secret, v.Polynomial[0])
			require.Len(t, coeffs, v.Threshold)
			s := sharingFromPolynomial(coeffs, len(v.Plaintexts))
			require.Equal(t, v.PublicKey, hex.EncodeToString(c.BaseMul(coeffs[0]).PublicKeyBytes()))
			got := ImportPlaintexts(s)
			for i := range got {
				require.Equal(t, v.Plaintexts[i], string(got[i]), "plaintext of signer %d", i+1)
				single := (&ImportShare{SecretShare: s.Shares[i], PublicShares: s.PublicShares}).Marshal()
				require.Equal(t, v.Plaintexts[i], string(single))

				parsed, err := ParseImportShare(c, []byte(v.Plaintexts[i]))
				require.NoError(t, err)
				require.True(t, parsed.SecretShare.Equal(s.Shares[i]))
				require.Len(t, parsed.PublicShares, len(s.PublicShares))
				for j := range parsed.PublicShares {
					require.True(t, parsed.PublicShares[j].Equal(s.PublicShares[j]))
				}
				pk, err := CheckPublicShares(parsed.PublicShares, v.Threshold)
				require.NoError(t, err)
				require.Equal(t, v.PublicKey, hex.EncodeToString(pk.PublicKeyBytes()))
			}
		})
	}
}

// TestExportRecoveryVectors recovers each vector's secret from every subset
// of at least minSigners shares, and from none smaller.
func TestExportRecoveryVectors(t *testing.T) {
	t.Parallel()
	for _, v := range loadKAT(t).ExportRecovery {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			c, err := CurveByName(v.Curve)
			require.NoError(t, err)
			shares := make([]Share, len(v.Plaintexts))
			for i, pt := range v.Plaintexts {
				es, err := ParseExportShare(c, []byte(pt))
				require.NoError(t, err)
				require.Equal(t, pt, string(es.Marshal()), "marshal round trip is byte-identical")
				shares[i] = Share{Index: es.Index, Value: es.SecretShare}
			}
			want := scalar(t, c, v.Secret)
			require.Equal(t, v.PublicKey, hex.EncodeToString(c.BaseMul(want).PublicKeyBytes()))
			forEachSubset(len(shares), func(subset []int) {
				picked := make([]Share, len(subset))
				for i, j := range subset {
					picked[i] = shares[j]
				}
				got, err := Recombine(picked)
				require.NoError(t, err)
				require.Equal(t, len(subset) >= v.MinSigners, got.Equal(want), "subset %v", subset)
			})
		})
	}
}

func TestEd25519SeedVectors(t *testing.T) {
	t.Parallel()
	for _, v := range loadKAT(t).Seeds {
		t.Run(v.Name, func(t *testing.T) {
			s, err := Ed25519ScalarFromSeed(unhex(t, v.Seed))
			require.NoError(t, err)
			require.Equal(t, v.Scalar, hex.EncodeToString(s.Bytes()))
		})
	}
	_, err := Ed25519ScalarFromSeed(make([]byte, 31))
	require.ErrorContains(t, err, "31 bytes")
}

// forEachSubset calls f with every non-empty subset of {0..n-1}.
func forEachSubset(n int, f func([]int)) {
	for mask := 1; mask < 1<<n; mask++ {
		var s []int
		for i := 0; i < n; i++ {
			if mask&(1<<i) != 0 {
				s = append(s, i)
			}
		}
		f(s)
	}
}

func TestKnownForms(t *testing.T) {
	t.Parallel()
	// docs/protocol.md §4 gives the secp256k1 generator and scalar one in share form.
	g := (&ImportShare{SecretShare: ScalarFromInt(Secp256k1, 1), PublicShares: []Point{Secp256k1.Generator()}}).Marshal()
	require.Equal(t, `{"version":1,"secret_share":{"curve":"secp256k1","scalar":"0000000000000000000000000000000000000000000000000000000000000001"},"public_shares":[{"curve":"secp256k1","point":"0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"}]}`, string(g))
	for _, c := range Curves() {
		require.True(t, c.BaseMul(ScalarFromInt(c, 1)).Equal(c.Generator()), c.Name())
		require.Equal(t, fmt.Sprintf("%064x", 7), hex.EncodeToString(ScalarFromInt(c, 7).Bytes()), "%s scalars are big-endian", c.Name())
	}
}
