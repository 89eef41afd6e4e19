package keys_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/internal/sharding"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
	"github.com/stretchr/testify/require"
)

func newCluster(t testing.TB, n int) *sim.Cluster {
	t.Helper()
	c, err := sim.NewCluster(n)
	require.NoError(t, err)
	return c
}

func randomKey(t testing.TB, c keys.Curve) *keys.PrivateKey {
	t.Helper()
	k, err := keys.GeneratePrivateKey(c)
	require.NoError(t, err)
	return k
}

// TestRoundTripAllSchemes imports a key into a simulated cluster whose
// signers decrypt and validate every share, then exports and recovers it.
func TestRoundTripAllSchemes(t *testing.T) {
	t.Parallel()
	for _, s := range keys.SupportedSchemes() {
		for _, tn := range [][2]int{{2, 2}, {2, 3}, {3, 5}, {4, 7}} {
			t.Run(fmt.Sprintf("%s/t=%d/n=%d", s, tn[0], tn[1]), func(t *testing.T) {
				t.Parallel()
				cluster := newCluster(t, tn[1])
				key := randomKey(t, s.Curve)
				req, err := importbuild.Request(key, cluster.WireSigners(), importbuild.Options{Protocol: s.Protocol, Threshold: tn[0], Name: "k"})
				require.NoError(t, err)
				require.Equal(t, s.Protocol, req.Protocol)
				require.Equal(t, s.Curve, req.Curve)
				require.Equal(t, tn[0], req.MinSigners)
				stored, err := cluster.Import(req)
				require.NoError(t, err)
				require.Equal(t, key.PublicKeyHex(), stored.PublicKeyHex())

				ctx, err := keys.NewExportContext()
				require.NoError(t, err)
				resp, err := cluster.Export(stored, ctx.Request())
				require.NoError(t, err)
				got, faulty, err := ctx.Recover(context.Background(), resp, keys.RecoverOptions{})
				require.NoError(t, err)
				require.Empty(t, faulty)
				require.True(t, got.Equal(key), "recovered key equals the imported key")
				require.Equal(t, key.Bytes(), got.Bytes())
				require.Equal(t, s.Curve, got.Curve())
			})
		}
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	cluster := newCluster(t, 5)
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		req, err := importbuild.Request(randomKey(t, c), cluster.WireSigners(), importbuild.Options{})
		require.NoError(t, err)
		require.Equal(t, 3, req.MinSigners, "default threshold")
		require.Equal(t, keys.DefaultProtocol(c), req.Protocol)
		js, err := json.Marshal(req)
		require.NoError(t, err)
		require.NotContains(t, string(js), `"name"`)
		require.NotContains(t, string(js), `"masterKey"`)
	}
	require.Equal(t, keys.FROST, keys.DefaultProtocol(keys.Ed25519))
	require.Equal(t, keys.CGGMP24, keys.DefaultProtocol(keys.Stark))
	require.Equal(t, keys.CGGMP24, keys.DefaultProtocol(keys.Secp256k1))
}

// The real Dfns example: 5 signers, secp256k1, import ciphertexts of 1008
// bytes and export ciphertexts of 281 bytes; ours have the same sizes.
func TestDocsExampleSizes(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/dfns-docs-examples.json")
	require.NoError(t, err)
	var f struct {
		Import keys.ImportRequest  `json:"import_request"`
		Export keys.ExportResponse `json:"export_response"`
		Facts  map[string]any      `json:"facts"`
	}
	require.NoError(t, json.Unmarshal(raw, &f))
	for _, es := range f.Import.EncryptedKeyShares {
		b, err := base64.StdEncoding.DecodeString(es.EncryptedKeyShare)
		require.NoError(t, err)
		require.Len(t, b, 1008)
	}
	for _, es := range f.Export.EncryptedKeyShares {
		b, err := base64.StdEncoding.DecodeString(es.EncryptedKeyShare)
		require.NoError(t, err)
		require.Len(t, b, 281)
	}

	cluster := newCluster(t, 5)
	key := randomKey(t, keys.Secp256k1)
	req, err := importbuild.Request(key, cluster.WireSigners(), importbuild.Options{})
	require.NoError(t, err)
	for _, es := range req.EncryptedKeyShares {
		b, _ := base64.StdEncoding.DecodeString(es.EncryptedKeyShare)
		require.Len(t, b, 1008)
	}
	stored, err := cluster.Import(req)
	require.NoError(t, err)
	ctx, err := keys.NewExportContext()
	require.NoError(t, err)
	resp, err := cluster.Export(stored, ctx.Request())
	require.NoError(t, err)
	for _, es := range resp.EncryptedKeyShares {
		b, _ := base64.StdEncoding.DecodeString(es.EncryptedKeyShare)
		require.Len(t, b, 281)
	}

	// The docs' export response is well formed but was not encrypted to us:
	// recovery must fail, naming every signer.
	_, _, err = ctx.Recover(context.Background(), &f.Export, keys.RecoverOptions{})
	var re *keys.RecoveryError
	require.ErrorAs(t, err, &re)
	require.ErrorIs(t, err, keys.ErrTooManyFaulty)
	require.Len(t, re.Faulty, len(f.Export.EncryptedKeyShares))
	for i, fs := range re.Faulty {
		require.Equal(t, f.Export.EncryptedKeyShares[i].SignerID, fs.SignerID)
		require.ErrorIs(t, fs.Err, encryption.ErrDecryption)
	}
}

// Share order: the i-th share in the request goes to the i-th signer by raw
// ID bytes, and that signer receives f(i). The simulated signers check both.
func TestImportSignerOrder(t *testing.T) {
	t.Parallel()
	cluster := newCluster(t, 5)
	key := randomKey(t, keys.Secp256k1)
	req, err := importbuild.Request(key, cluster.WireSigners(), importbuild.Options{})
	require.NoError(t, err)
	for i, s := range cluster.Signers {
		require.Equal(t, s.SignerID, req.EncryptedKeyShares[i].SignerID)
	}
	// Swapping two shares' signer IDs (what sorting by base64 strings or
	// keeping the API's order would do) is detected by the signers.
	swapped := *req
	swapped.EncryptedKeyShares = append([]keys.EncryptedKeyShare(nil), req.EncryptedKeyShares...)
	swapped.EncryptedKeyShares[0].EncryptedKeyShare, swapped.EncryptedKeyShares[1].EncryptedKeyShare =
		swapped.EncryptedKeyShares[1].EncryptedKeyShare, swapped.EncryptedKeyShares[0].EncryptedKeyShare
	_, err = cluster.Import(&swapped)
	require.Error(t, err)
}

func TestBuildImportRequestRejects(t *testing.T) {
	t.Parallel()
	cluster := newCluster(t, 3)
	ss := cluster.WireSigners()
	key := randomKey(t, keys.Secp256k1)
	cases := map[string]struct {
		key     *keys.PrivateKey
		signers []signers.Signer
		opts    importbuild.Options
		want    string
	}{
		"nil key":           {nil, ss, importbuild.Options{}, "no private key"},
		"one signer":        {key, ss[:1], importbuild.Options{Threshold: 2}, "1 signer(s)"},
		"no signers":        {key, nil, importbuild.Options{}, "0 signer(s)"},
		"threshold 1":       {key, ss, importbuild.Options{Threshold: 1}, "threshold 1"},
		"threshold > n":     {key, ss, importbuild.Options{Threshold: 4}, "threshold 4 is invalid for 3 signers"},
		"default 3 > n=2":   {key, ss[:2], importbuild.Options{}, "threshold 3 is invalid for 2 signers"},
		"duplicate signers": {key, append(append([]signers.Signer(nil), ss...), ss[0]), importbuild.Options{}, "listed twice"},
		"bad key":           {key, []signers.Signer{ss[0], ss[1], {SignerID: ss[2].SignerID, EncryptionKey: "AQID"}}, importbuild.Options{}, "3 bytes"},
		"FROST on secp":     {key, ss, importbuild.Options{Protocol: keys.FROST}, "FROST/secp256k1"},
		"KU23":              {key, ss, importbuild.Options{Protocol: "KU23"}, "unsupported protocol/curve pair KU23/secp256k1: supported pairs are CGGMP24/secp256k1, CGGMP21/secp256k1, FROST_BITCOIN/secp256k1, CGGMP24/stark, CGGMP21/stark, FROST/ed25519"},
		"GLOW20_DH":         {key, ss, importbuild.Options{Protocol: "GLOW20_DH"}, "unsupported protocol/curve pair GLOW20_DH/secp256k1: supported pairs are CGGMP24/secp256k1"},
		"long name":         {key, ss, importbuild.Options{Name: strings.Repeat("é", 101)}, "101 characters"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := importbuild.Request(c.key, c.signers, c.opts)
			require.ErrorContains(t, err, c.want)
		})
	}
	_, err := importbuild.Request(key, ss, importbuild.Options{Name: strings.Repeat("é", 100)})
	require.NoError(t, err, "100 characters is allowed")
}

func TestNewPrivateKey(t *testing.T) {
	t.Parallel()
	n := "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
	cases := map[string]struct {
		curve keys.Curve
		hex   string
		want  string
	}{
		"zero":           {keys.Secp256k1, strings.Repeat("00", 32), "zero"},
		"order":          {keys.Secp256k1, n, "group order"},
		"33 bytes":       {keys.Secp256k1, "01" + n, "33 bytes"},
		"ed25519 short":  {keys.Ed25519, "0102", "32-byte seed, got 2 bytes"},
		"unknown curve":  {"p256", "01", `unsupported curve "p256"`},
		"stark too high": {keys.Stark, "0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2f", "group order"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			b, _ := hex.DecodeString(c.hex)
			_, err := keys.NewPrivateKey(c.curve, b)
			require.ErrorContains(t, err, c.want)
		})
	}
	// Shorter input is refused on every curve, never left-padded: 31
	// bytes are usually a truncated copy (the CLI's hex rule). A key
	// that really has a leading zero byte is given with it.
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		for _, n := range []int{0, 1, 31, 33, 64} {
			b := bytes.Repeat([]byte{1}, n)
			k, err := keys.NewPrivateKey(c, b)
			require.Error(t, err, "%s, %d bytes", c, n)
			require.Nil(t, k)
			require.Contains(t, err.Error(), fmt.Sprintf("%d byte", n), "%s: the error says the length found", c)
			require.Contains(t, err.Error(), "32", "%s: the error says the length wanted", c)
			if c != keys.Ed25519 && n < 32 {
				require.Contains(t, err.Error(), "usually a truncated copy; if this key really has leading zeros, left-pad it", "%s, %d bytes", c, n)
			}
		}
	}
	k, err := keys.NewPrivateKey(keys.Secp256k1, append(make([]byte, 31), 1))
	require.NoError(t, err)
	require.Equal(t, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", k.PublicKeyHex())
	require.Equal(t, append(make([]byte, 31), 1), k.Bytes())

	// ed25519: seed vs scalar. RFC 8032 test 1: the seed's public key.
	seed, _ := hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	ek, err := keys.NewPrivateKey(keys.Ed25519, seed)
	require.NoError(t, err)
	require.Equal(t, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", ek.PublicKeyHex())
	asScalar, err := keys.NewEd25519PrivateKeyFromScalar(ek.Bytes())
	require.NoError(t, err)
	require.True(t, asScalar.Equal(ek), "re-importing an exported scalar gives the same key")
	_, err = keys.NewEd25519PrivateKeyFromScalar(bytes.Repeat([]byte{0xff}, 32))
	require.ErrorContains(t, err, "group order")
}

// verbs are passed through a variable so that vet does not reject the
// deliberately mismatched verbs: they are how fmt reaches unusual paths.
var verbs = "%s|%q|%x|%X|%d"

func TestPrivateKeyRedacts(t *testing.T) {
	t.Parallel()
	k := randomKey(t, keys.Secp256k1)
	secret := k.Bytes()
	hexSecret := hex.EncodeToString(secret)
	var logged bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	logger.Info("key", "k", k, "wrapped", struct{ K *keys.PrivateKey }{k})
	js, err := json.Marshal(map[string]any{"k": k})
	require.NoError(t, err)
	require.JSONEq(t, `{"k":"REDACTED"}`, string(js), "encoding/json uses MarshalText")
	txt, err := k.MarshalText()
	require.NoError(t, err)
	outs := []string{
		k.String(), fmt.Sprintf("%#v", k), string(js), string(txt), logged.String(),
		fmt.Sprintf("%v|%+v|%#v|%s|%x|%X|%q|%d", k, k, k, k, k, k, k, k),
		fmt.Sprintf("%v|%+v|%#v", *k, *k, *k), // a copy of the struct
		fmt.Sprintf(verbs, *k, *k, *k, *k, *k),
		fmt.Sprintf(verbs, struct{ K keys.PrivateKey }{*k}, struct{ K *keys.PrivateKey }{k}, []keys.PrivateKey{*k}, map[string]any{"k": *k}, [1]any{k}),
		fmt.Sprintf("%v", []*keys.PrivateKey{k}),
		fmt.Sprint(errors.New(fmt.Sprint(k))),
	}
	for _, o := range outs {
		require.NotContains(t, strings.ToLower(o), hexSecret[:12])
		require.NotContains(t, o, fmt.Sprint(secret[:4])[1:10], "no decimal dump of the bytes")
		require.NotContains(t, o, string(secret[:6]), "no raw bytes")
	}
	require.Contains(t, k.String(), k.PublicKeyHex())
	k.Destroy()
	require.Equal(t, make([]byte, 32), k.Bytes())
}

// exportFixture builds responses share by share so that tests can break
// exactly one rule at a time.
type exportFixture struct {
	ctx     *keys.ExportContext
	key     *keys.PrivateKey
	curve   sharding.Curve
	ids     []string
	indices []sharding.Scalar
	values  []sharding.Scalar
}

func newExportFixture(t *testing.T, c keys.Curve, tt, n int) *exportFixture {
	t.Helper()
	ctx, err := keys.NewExportContext()
	require.NoError(t, err)
	key := randomKey(t, c)
	sc, _ := sharding.CurveByName(string(c))
	s, err := sc.ParseScalar(key.Bytes())
	require.NoError(t, err)
	split, err := sharding.Split(s, tt, n)
	require.NoError(t, err)
	f := &exportFixture{ctx: ctx, key: key, curve: sc}
	for i := range n {
		f.ids = append(f.ids, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(i + 1)}, 32)))
		f.indices = append(f.indices, sharding.ScalarFromInt(sc, uint32(i+1)))
		f.values = append(f.values, split.Shares[i])
	}
	return f
}

func (f *exportFixture) encrypt(t *testing.T, plaintext []byte) string {
	ct, err := encryption.Encrypt(f.ctx.DecryptionKey().EncryptionKey(), plaintext)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(ct)
}

func (f *exportFixture) response(t *testing.T, minSigners int, edit func(i int, pt string) string) *keys.ExportResponse {
	r := &keys.ExportResponse{PublicKey: f.key.PublicKeyHex(), Protocol: keys.DefaultProtocol(f.key.Curve()), Curve: f.key.Curve(), MinSigners: minSigners}
	for i := range f.ids {
		pt := string((&sharding.ExportShare{Index: f.indices[i], SecretShare: f.values[i]}).Marshal())
		if edit != nil {
			pt = edit(i, pt)
		}
		r.EncryptedKeyShares = append(r.EncryptedKeyShares, keys.EncryptedKeyShare{SignerID: f.ids[i], EncryptedKeyShare: f.encrypt(t, []byte(pt))})
	}
	return r
}

func TestRecoverRules(t *testing.T) {
	t.Parallel()
	f := newExportFixture(t, keys.Secp256k1, 3, 5)
	got, faulty, err := f.ctx.Recover(context.Background(), f.response(t, 3, nil), keys.RecoverOptions{})
	require.NoError(t, err)
	require.Empty(t, faulty)
	require.True(t, got.Equal(f.key))

	// Broken responses: no key, no faulty signer to name.
	for name, c := range map[string]struct {
		resp func() *keys.ExportResponse
		want string
	}{
		"fewer shares than minSigners": {func() *keys.ExportResponse {
			r := f.response(t, 3, nil)
			r.EncryptedKeyShares = r.EncryptedKeyShares[:2]
			return r
		}, "2 share(s) but minSigners is 3"},
		"minSigners 1": {func() *keys.ExportResponse { return f.response(t, 1, nil) }, "minSigners 1"},
		"unsupported scheme": {func() *keys.ExportResponse {
			r := f.response(t, 3, nil)
			r.Protocol = "KU23"
			return r
		}, "KU23/secp256k1"},
		"curve mismatch with plaintext tag": {func() *keys.ExportResponse {
			// A valid stark public key, so that the shares' curve tags
			// are what is refused (a secp256k1 public key parses as a
			// stark point about half the time).
			sk, err := keys.NewPrivateKey(keys.Stark, bytes.Repeat([]byte{1}, 32))
			require.NoError(t, err)
			defer sk.Destroy()
			r := f.response(t, 3, nil)
			r.Protocol, r.Curve, r.PublicKey = keys.CGGMP21, keys.Stark, sk.PublicKeyHex()
			return r
		}, `has curve "secp256k1", want "stark"`},
		"public key uncompressed": {func() *keys.ExportResponse {
			r := f.response(t, 3, nil)
			r.PublicKey = "04" + strings.Repeat("00", 64)
			return r
		}, "compressed"},
		"public key not hex": {func() *keys.ExportResponse {
			r := f.response(t, 3, nil)
			r.PublicKey = "xyz"
			return r
		}, "not hex"},
	} {
		t.Run(name, func(t *testing.T) {
			k, faulty, err := f.ctx.Recover(context.Background(), c.resp(), keys.RecoverOptions{})
			require.ErrorContains(t, err, c.want)
			require.Nil(t, k)
			require.Nil(t, faulty)
		})
	}
	_, _, err = f.ctx.Recover(context.Background(), nil, keys.RecoverOptions{})
	require.Error(t, err)

	// One faulty share among 5 with minSigners 3 is left out or corrected:
	// the key is recovered and the signer named with what was wrong.
	other, err := encryption.GenerateDecryptionKey()
	require.NoError(t, err)
	nameIdx := func(i int) string { return fmt.Sprintf("%064x", i) }
	editShare := func(at int, edit func(pt string) string) func() *keys.ExportResponse {
		return func() *keys.ExportResponse {
			return f.response(t, 3, func(i int, pt string) string {
				if i == at {
					return edit(pt)
				}
				return pt
			})
		}
	}
	for name, c := range map[string]struct {
		resp       func() *keys.ExportResponse
		faulty     int    // position of the faulty signer
		id         string // its ID when not f.ids[faulty]
		want       string
		wantTarget error
	}{
		"wrong version": {editShare(2, func(pt string) string {
			return strings.Replace(pt, `"version":1`, `"version":2`, 1)
		}), 2, "", `version is "2"`, sharding.ErrMalformedPlaintext},
		"wrong curve tag": {editShare(1, func(pt string) string {
			return strings.ReplaceAll(pt, `"secp256k1"`, `"stark"`)
		}), 1, "", `want "secp256k1"`, sharding.ErrMalformedPlaintext},
		"non-canonical scalar": {editShare(0, func(pt string) string {
			return strings.Replace(pt, nameIdx(1), "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142", 1)
		}), 0, "", "group order", sharding.ErrMalformedPlaintext},
		"encrypted to another key": {func() *keys.ExportResponse {
			r := f.response(t, 3, nil)
			ct, _ := encryption.Encrypt(other.EncryptionKey(), []byte("{}"))
			r.EncryptedKeyShares[1].EncryptedKeyShare = base64.StdEncoding.EncodeToString(ct)
			return r
		}, 1, "", "decryption failed", encryption.ErrDecryption},
		"not base64": {func() *keys.ExportResponse {
			r := f.response(t, 3, nil)
			r.EncryptedKeyShares[2].EncryptedKeyShare = "!!"
			return r
		}, 2, "", "base64", nil},
		"oversized share": {func() *keys.ExportResponse {
			r := f.response(t, 3, nil)
			r.EncryptedKeyShares[2].EncryptedKeyShare = strings.Repeat("A", 8000)
			return r
		}, 2, "", "larger than 4096", nil},
		"bad signer id": {func() *keys.ExportResponse {
			r := f.response(t, 3, nil)
			r.EncryptedKeyShares[0].SignerID = "not base64"
			return r
		}, 0, "not base64", `signer ID "not base64" is not standard padded base64`, nil},
		"one corrupted share": {editShare(3, func(pt string) string {
			return strings.Replace(pt, hex.EncodeToString(f.values[3].Bytes()), nameIdx(12345), 1)
		}), 3, "", "not on the polynomial the other shares agree on", nil},
	} {
		t.Run(name, func(t *testing.T) {
			got, faulty, err := f.ctx.Recover(context.Background(), c.resp(), keys.RecoverOptions{})
			require.NoError(t, err)
			require.True(t, got.Equal(f.key))
			require.Len(t, faulty, 1)
			id := c.id
			if id == "" {
				id = f.ids[c.faulty]
			}
			require.Equal(t, id, faulty[0].SignerID)
			require.ErrorContains(t, faulty[0].Err, c.want)
			require.Contains(t, faulty[0].String(), c.want)
			if c.wantTarget != nil {
				require.ErrorIs(t, faulty[0].Err, c.wantTarget)
			}
		})
	}

	// Too many faults, or a public key no share set explains: an error that
	// names what it found, never a key.
	corrupt := func(pt string, i int) string {
		return strings.Replace(pt, hex.EncodeToString(f.values[i].Bytes()), nameIdx(777+i), 1)
	}
	for name, c := range map[string]struct {
		resp   func() *keys.ExportResponse
		target error
		faulty []int
		want   string
	}{
		"public key of another key": {func() *keys.ExportResponse {
			r := f.response(t, 3, nil)
			r.PublicKey = randomKey(t, keys.Secp256k1).PublicKeyHex()
			return r
		}, keys.ErrPublicKeyMismatch, nil, "all 5 shares agree on another key"},
		"two corrupted shares": {func() *keys.ExportResponse {
			return f.response(t, 3, func(i int, pt string) string {
				if i == 1 || i == 4 {
					return corrupt(pt, i)
				}
				return pt
			})
		}, keys.ErrTooManyFaulty, nil, "up to 1 wrong ones can be found"},
		"one unreadable and one corrupted": {func() *keys.ExportResponse {
			r := f.response(t, 3, func(i int, pt string) string {
				if i == 2 {
					return corrupt(pt, i)
				}
				return pt
			})
			r.EncryptedKeyShares[0].EncryptedKeyShare = "!!"
			return r
		}, keys.ErrTooManyFaulty, []int{0}, "4 usable shares do not agree"},
		"three unreadable": {func() *keys.ExportResponse {
			r := f.response(t, 3, nil)
			for _, i := range []int{0, 2, 4} {
				r.EncryptedKeyShares[i].EncryptedKeyShare = "!!"
			}
			return r
		}, keys.ErrTooManyFaulty, []int{0, 2, 4}, "2 of 5 shares are usable and minSigners is 3"},
	} {
		t.Run(name, func(t *testing.T) {
			k, faulty, err := f.ctx.Recover(context.Background(), c.resp(), keys.RecoverOptions{})
			require.Nil(t, k)
			require.Nil(t, faulty)
			require.ErrorIs(t, err, c.target)
			require.ErrorContains(t, err, c.want)
			var re *keys.RecoveryError
			require.ErrorAs(t, err, &re)
			var named []string
			for _, fs := range re.Faulty {
				named = append(named, fs.SignerID)
				require.Contains(t, err.Error(), fs.SignerID)
			}
			var want []string
			for _, i := range c.faulty {
				want = append(want, f.ids[i])
			}
			require.Equal(t, want, named)
		})
	}
}

// With exactly minSigners shares a corrupted share cannot be singled out,
// but the public-key check still refuses the wrong key.
func TestRecoverPublicKeyCheckAtThreshold(t *testing.T) {
	t.Parallel()
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		f := newExportFixture(t, c, 2, 2)
		r := f.response(t, 2, func(i int, pt string) string {
			if i == 1 {
				return strings.Replace(pt, hex.EncodeToString(f.values[1].Bytes()), fmt.Sprintf("%064x", 7), 1)
			}
			return pt
		})
		k, _, err := f.ctx.Recover(context.Background(), r, keys.RecoverOptions{})
		require.Nil(t, k)
		require.ErrorIs(t, err, keys.ErrPublicKeyMismatch, string(c))
	}
}

func TestExportRequestShape(t *testing.T) {
	t.Parallel()
	ctx, err := keys.NewExportContext()
	require.NoError(t, err)
	js, err := json.Marshal(ctx.Request())
	require.NoError(t, err)
	want := `{"encryptionKey":"` + ctx.DecryptionKey().EncryptionKey().String() + `","supportedSchemes":[{"protocol":"CGGMP24","curve":"secp256k1"},{"protocol":"CGGMP21","curve":"secp256k1"},{"protocol":"FROST_BITCOIN","curve":"secp256k1"},{"protocol":"CGGMP24","curve":"stark"},{"protocol":"CGGMP21","curve":"stark"},{"protocol":"FROST","curve":"ed25519"}]}`
	require.Equal(t, want, string(js))
	ek, err := encryption.ParseEncryptionKeyText(ctx.Request().EncryptionKey)
	require.NoError(t, err)
	require.True(t, ek.Equal(ctx.DecryptionKey().EncryptionKey()))
	ctx.Destroy()
	raw, err := base64.StdEncoding.DecodeString(string(ctx.DecryptionKey().MarshalBinaryText()))
	require.NoError(t, err)
	require.Equal(t, make([]byte, 32), raw[1:])
}

func TestGeneratePrivateKey(t *testing.T) {
	t.Parallel()
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		a, err := keys.GeneratePrivateKey(c)
		require.NoError(t, err)
		b, err := keys.GeneratePrivateKey(c)
		require.NoError(t, err)
		require.Equal(t, c, a.Curve())
		require.False(t, a.Equal(b), "%s keys are random", c)
	}
	// Stark keys reach the top of their range (the order is barely above
	// 2^251): with 64 keys, none at or above 2^250 has probability 2^-64.
	high := false
	for range 64 {
		k, err := keys.GeneratePrivateKey(keys.Stark)
		require.NoError(t, err)
		high = high || k.Bytes()[0] >= 0x04
	}
	require.True(t, high, "some stark keys are at or above 2^250")
	_, err := keys.GeneratePrivateKey("p256")
	require.ErrorContains(t, err, "unsupported curve")
}

func TestKeyUsable(t *testing.T) {
	for _, tc := range []struct {
		k    keys.Key
		want bool
	}{
		{keys.Key{Status: "Active"}, true},
		{keys.Key{Status: "Active", Exported: true}, false},
		{keys.Key{Status: "Archived"}, false},
		{keys.Key{Status: "Active", DateDeleted: &time.Time{}}, false},
		{keys.Key{Status: "Active", DateExported: &time.Time{}}, false},
	} {
		if (tc.k.Unusable() == "") != tc.want {
			t.Errorf("%+v: Unusable() = %q", tc.k, tc.k.Unusable())
		}
	}
	k := keys.Key{Status: "Archived", Exported: true, DateDeleted: &time.Time{}}
	if got := k.Unusable(); got != "deleted and exported and archived" {
		t.Errorf("Unusable() = %q", got)
	}
}

// A GET /keys/{keyId} answer shaped as GetKeyResponse in @dfns/sdk 0.8.21
// (generated/keys/types.d.ts): dateDeleted, store and wallets are read,
// and fields dfnskeys does not know are ignored.
func TestKeyDecodesOfficialFields(t *testing.T) {
	body := `{"id":"key-1","scheme":"ECDSA","curve":"secp256k1","publicKey":"02aa","masterKey":false,
	"name":"n","status":"Active","custodial":true,"dateCreated":"2026-01-02T03:04:05.000Z","imported":true,
	"exported":false,"dateDeleted":"2026-03-04T05:06:07.000Z",
	"wallets":[{"id":"wa-1","network":"Ethereum"},{"id":"wa-2","network":"KeyECDSA"}],
	"store":{"id":"ks-1","kind":"Mpc","keyId":"inner-1","derivationPath":"m/0"},
	"someFutureField":{"nested":[1,2,3]}}`
	var k keys.Key
	if err := json.Unmarshal([]byte(body), &k); err != nil {
		t.Fatal(err)
	}
	if k.DateDeleted == nil || k.DateDeleted.Format(time.RFC3339) != "2026-03-04T05:06:07Z" {
		t.Errorf("dateDeleted = %v", k.DateDeleted)
	}
	if k.Store == nil || *k.Store != (keys.KeyStore{ID: "ks-1", Kind: "Mpc", KeyID: "inner-1", DerivationPath: "m/0"}) {
		t.Errorf("store = %+v", k.Store)
	}
	if len(k.Wallets) != 2 || k.Wallets[0] != (keys.KeyWallet{ID: "wa-1", Network: "Ethereum"}) || k.Wallets[1].Network != "KeyECDSA" {
		t.Errorf("wallets = %+v", k.Wallets)
	}
	if k.Unusable() != "deleted" {
		t.Errorf("Unusable() = %q", k.Unusable())
	}
}

// The create request has CreateKeyBody's field names.
func TestCreateRequestFields(t *testing.T) {
	b, err := json.Marshal(keys.CreateRequest{Scheme: "ECDSA", Curve: keys.Secp256k1, Name: "n",
		DeriveFrom: &keys.Derivation{KeyID: "key-m", Path: "m/1"}, StoreID: "ks-1", DelegateTo: "us-1", DelayDelegation: true})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"scheme":"ECDSA","curve":"secp256k1","name":"n","deriveFrom":{"keyId":"key-m","path":"m/1"},"storeId":"ks-1","delegateTo":"us-1","delayDelegation":true}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	b, _ = json.Marshal(keys.CreateRequest{Scheme: "EdDSA", Curve: keys.Ed25519})
	if string(b) != `{"scheme":"EdDSA","curve":"ed25519"}` {
		t.Errorf("optional fields sent when unset: %s", b)
	}
}
