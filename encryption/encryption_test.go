package encryption

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"
)

type eciesVector struct {
	Name          string `json:"name"`
	DecryptionKey string `json:"decryption_key_b64"`
	EncryptionKey string `json:"encryption_key_b64"`
	Ephemeral     string `json:"ephemeral_scalar_hex"`
	Plaintext     string `json:"plaintext_hex"`
	Ciphertext    string `json:"ciphertext_b64"`
}

func loadECIES(t testing.TB) []eciesVector {
	t.Helper()
	raw, err := os.ReadFile("testdata/ecies.json")
	require.NoError(t, err)
	var f struct {
		ECIES []eciesVector `json:"ecies"`
	}
	require.NoError(t, json.Unmarshal(raw, &f))
	require.NotEmpty(t, f.ECIES)
	return f.ECIES
}

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestKnownAnswers(t *testing.T) {
	t.Parallel()
	for _, v := range loadECIES(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			dk, err := ParseDecryptionKeyText([]byte(v.DecryptionKey))
			require.NoError(t, err)
			require.Equal(t, v.EncryptionKey, dk.EncryptionKey().String(), "encryption key derived from decryption key")
			ek, err := ParseEncryptionKeyText(v.EncryptionKey)
			require.NoError(t, err)
			require.True(t, ek.Equal(dk.EncryptionKey()))

			pt := mustHex(t, v.Plaintext)
			ct, err := encrypt(bytes.NewReader(mustHex(t, v.Ephemeral)), ek, pt)
			require.NoError(t, err)
			require.Equal(t, v.Ciphertext, base64.StdEncoding.EncodeToString(ct), "ciphertext from fixed ephemeral scalar")
			require.Len(t, ct, len(pt)+overhead)

			got, err := dk.Decrypt(mustB64(t, v.Ciphertext))
			require.NoError(t, err)
			require.Equal(t, pt, got)
		})
	}
}

// TestEnvelopeRules opens the known-answer ciphertexts with an independent,
// step-by-step implementation of docs/protocol.md §3, and shows that each plausible
// deviation from the rules fails to open them.
func TestEnvelopeRules(t *testing.T) {
	t.Parallel()
	v := loadECIES(t)[1]
	ct := mustB64(t, v.Ciphertext)
	pt := mustHex(t, v.Plaintext)
	dBytes := mustB64(t, v.DecryptionKey)
	require.Equal(t, byte(1), dBytes[0])
	var d secp256k1.ModNScalar
	require.False(t, d.SetByteSlice(dBytes[1:]))

	var kS secp256k1.ModNScalar
	require.False(t, kS.SetByteSlice(mustHex(t, v.Ephemeral)))
	ephemeral := secp256k1.NewPrivateKey(&kS).PubKey().SerializeCompressed()

	sharedFrom := func(ephBytes []byte) (full, xOnly []byte) {
		eph, err := secp256k1.ParsePubKey(ephBytes)
		require.NoError(t, err)
		var e, s secp256k1.JacobianPoint
		eph.AsJacobian(&e)
		secp256k1.ScalarMultNonConst(&d, &e, &s)
		s.ToAffine()
		full = secp256k1.NewPublicKey(&s.X, &s.Y).SerializeCompressed()
		return full, full[1:]
	}
	open := func(ikm []byte, salt, info string, body []byte) error {
		key, err := hkdf.Key(sha256.New, ikm, []byte(salt), info, 32)
		require.NoError(t, err)
		block, err := aes.NewCipher(key)
		require.NoError(t, err)
		gcm, err := cipher.NewGCM(block)
		require.NoError(t, err)
		got, err := gcm.Open(nil, make([]byte, 12), body, nil)
		if err == nil && !bytes.Equal(got, pt) {
			return errors.New("opened to a different plaintext")
		}
		return err
	}

	t.Run("ephemeral key is appended", func(t *testing.T) {
		require.Equal(t, ephemeral, ct[len(ct)-33:], "last 33 bytes are compressed k·G")
		require.NotEqual(t, ephemeral, ct[:33], "ephemeral key is not prepended")
	})
	full, xOnly := sharedFrom(ct[len(ct)-33:])
	body := ct[:len(ct)-33]
	t.Run("reference derivation opens", func(t *testing.T) {
		require.NoError(t, open(full, "DFNS_KEY_IMPORT", "ENCRYPTION_KEY", body))
	})
	t.Run("x-only shared secret does not open", func(t *testing.T) {
		require.Error(t, open(xOnly, "DFNS_KEY_IMPORT", "ENCRYPTION_KEY", body))
	})
	t.Run("uncompressed shared point does not open", func(t *testing.T) {
		eph, _ := secp256k1.ParsePubKey(ct[len(ct)-33:])
		var e, s secp256k1.JacobianPoint
		eph.AsJacobian(&e)
		secp256k1.ScalarMultNonConst(&d, &e, &s)
		s.ToAffine()
		require.Error(t, open(secp256k1.NewPublicKey(&s.X, &s.Y).SerializeUncompressed(), "DFNS_KEY_IMPORT", "ENCRYPTION_KEY", body))
	})
	t.Run("wrong salt does not open", func(t *testing.T) {
		require.Error(t, open(full, "", "ENCRYPTION_KEY", body))
		require.Error(t, open(full, "ENCRYPTION_KEY", "DFNS_KEY_IMPORT", body))
	})
	t.Run("wrong info does not open", func(t *testing.T) {
		require.Error(t, open(full, "DFNS_KEY_IMPORT", "", body))
	})
	t.Run("prepended layout does not decrypt", func(t *testing.T) {
		dk, err := parseDecryptionKey(dBytes)
		require.NoError(t, err)
		swapped := append(append([]byte{}, ct[len(ct)-33:]...), body...)
		_, err = dk.Decrypt(swapped)
		require.ErrorIs(t, err, ErrDecryption)
	})
	t.Run("non-zero nonce does not open", func(t *testing.T) {
		key, _ := hkdf.Key(sha256.New, full, []byte("DFNS_KEY_IMPORT"), "ENCRYPTION_KEY", 32)
		block, _ := aes.NewCipher(key)
		gcm, _ := cipher.NewGCM(block)
		nonce := make([]byte, 12)
		nonce[11] = 1
		_, err := gcm.Open(nil, nonce, body, nil)
		require.Error(t, err)
	})
}

func TestRoundTripAndFreshEphemeral(t *testing.T) {
	t.Parallel()
	dk, err := GenerateDecryptionKey()
	require.NoError(t, err)
	for _, n := range []int{0, 1, 232, 959, 4096} {
		pt := bytes.Repeat([]byte{byte(n)}, n)
		c1, err := Encrypt(dk.EncryptionKey(), pt)
		require.NoError(t, err)
		c2, err := Encrypt(dk.EncryptionKey(), pt)
		require.NoError(t, err)
		require.Len(t, c1, n+overhead)
		require.NotEqual(t, c1, c2, "each encryption draws a fresh ephemeral key")
		require.NotEqual(t, c1[len(c1)-33:], c2[len(c2)-33:])
		for _, c := range [][]byte{c1, c2} {
			got, err := dk.Decrypt(c)
			require.NoError(t, err)
			require.Equal(t, pt, got)
		}
	}
}

func TestDecryptFailuresAreOpaque(t *testing.T) {
	t.Parallel()
	dk, err := GenerateDecryptionKey()
	require.NoError(t, err)
	other, err := GenerateDecryptionKey()
	require.NoError(t, err)
	ct, err := Encrypt(dk.EncryptionKey(), []byte("share"))
	require.NoError(t, err)

	flip := func(i int) []byte {
		c := bytes.Clone(ct)
		c[i] ^= 1
		return c
	}
	offCurve := bytes.Clone(ct)
	copy(offCurve[len(offCurve)-32:], bytes.Repeat([]byte{0xff}, 32))
	uncompressedPrefix := bytes.Clone(ct)
	uncompressedPrefix[len(ct)-33] = 0x04

	cases := map[string]struct {
		key *DecryptionKey
		ct  []byte
	}{
		"wrong key":            {other, ct},
		"flipped body":         {dk, flip(0)},
		"flipped tag":          {dk, flip(len(ct) - 34)},
		"flipped ephemeral":    {dk, flip(len(ct) - 1)},
		"ephemeral off curve":  {dk, offCurve},
		"bad ephemeral prefix": {dk, uncompressedPrefix},
		"truncated by one":     {dk, ct[:len(ct)-1]},
		"exactly overhead":     {dk, ct[len(ct)-overhead:]},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := c.key.Decrypt(c.ct)
			require.ErrorIs(t, err, ErrDecryption)
			require.Equal(t, ErrDecryption.Error(), err.Error())
		})
	}
	_, err = dk.Decrypt(ct[:overhead-1])
	require.Error(t, err)
	require.Contains(t, err.Error(), "shorter than")
}

func TestParseEncryptionKey(t *testing.T) {
	t.Parallel()
	dk, err := GenerateDecryptionKey()
	require.NoError(t, err)
	good := dk.EncryptionKey().Bytes()

	withByte := func(i int, b byte) []byte { c := bytes.Clone(good); c[i] = b; return c }
	uncompressed := append([]byte{1}, dk.EncryptionKey().pub.SerializeUncompressed()...)
	notOnCurve := bytes.Clone(good)
	// x = 5 is not the x-coordinate of any secp256k1 point (5³+7 = 132 is a non-residue).
	copy(notOnCurve[2:], make([]byte, 32))
	notOnCurve[33] = 5
	fieldOverflow := bytes.Clone(good)
	copy(fieldOverflow[2:], bytes.Repeat([]byte{0xff}, 32))

	cases := map[string]struct {
		in   []byte
		want string
	}{
		"empty":              {nil, "0 bytes"},
		"version 0":          {withByte(0, 0), "version 0"},
		"version 2":          {withByte(0, 2), "version 2"},
		"identity encoding":  {append([]byte{1, 0}, make([]byte, 32)...), "prefix 0x00"},
		"uncompressed point": {uncompressed, "66 bytes"},
		"hybrid prefix":      {withByte(1, 0x06), "prefix 0x06"},
		"not on curve":       {notOnCurve, "not a valid secp256k1 point"},
		"x above field":      {fieldOverflow, "not a valid secp256k1 point"},
		"missing version":    {good[1:], "33 bytes"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parseEncryptionKey(c.in)
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
		})
	}
	k, err := parseEncryptionKey(good)
	require.NoError(t, err)
	require.Equal(t, good, k.Bytes())

	_, err = ParseEncryptionKeyText("AQNiFCgqtXFvRdNVciLzZ0hjZxumwtP0hfCrUDsymzWU5A")
	require.ErrorContains(t, err, "base64", "unpadded base64 is rejected")
}

func TestDocsExampleEncryptionKeyParses(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/dfns-docs-examples.json")
	require.NoError(t, err)
	var f struct {
		ExportRequest struct {
			EncryptionKey string `json:"encryptionKey"`
		} `json:"export_request"`
	}
	require.NoError(t, json.Unmarshal(raw, &f))
	k, err := ParseEncryptionKeyText(f.ExportRequest.EncryptionKey)
	require.NoError(t, err)
	require.Equal(t, f.ExportRequest.EncryptionKey, k.String())
	again, err := ParseEncryptionKeyText(k.String())
	require.NoError(t, err)
	require.True(t, k.Equal(again), "String and ParseEncryptionKeyText round-trip")
}

func TestParseDecryptionKey(t *testing.T) {
	t.Parallel()
	order := secp256k1.Params().N.Bytes()
	orderMinus1 := secp256k1.Params().N.Bytes()
	orderMinus1[31]--
	cases := map[string]struct {
		in   []byte
		want string
	}{
		"zero":        {append([]byte{1}, make([]byte, 32)...), "zero"},
		"order":       {append([]byte{1}, order...), "group order"},
		"all ones":    {append([]byte{1}, bytes.Repeat([]byte{0xff}, 32)...), "group order"},
		"version 0":   {append([]byte{0}, orderMinus1...), "version 0"},
		"short":       {[]byte{1, 2, 3}, "3 bytes"},
		"no version":  {orderMinus1, "32 bytes"},
		"extra bytes": {append(append([]byte{1}, orderMinus1...), 0), "34 bytes"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parseDecryptionKey(c.in)
			require.ErrorContains(t, err, c.want)
		})
	}
	k, err := parseDecryptionKey(append([]byte{1}, orderMinus1...))
	require.NoError(t, err, "order-1 is the largest valid scalar")
	require.Equal(t, append([]byte{1}, orderMinus1...), k.bytes())

	back, err := ParseDecryptionKeyText(append(k.MarshalBinaryText(), "\n"...))
	require.NoError(t, err)
	require.True(t, back.equal(k))
}

// verbs is a variable so that vet does not reject the deliberately
// mismatched verbs: they are how fmt reaches unusual paths.
var verbs = "%s|%q|%x|%d|%s"

func TestDecryptionKeyRedacts(t *testing.T) {
	t.Parallel()
	dk, err := GenerateDecryptionKey()
	require.NoError(t, err)
	raw := dk.bytes()
	secretHex := hex.EncodeToString(raw[1:])
	secretB64 := string(dk.MarshalBinaryText())

	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("k", "key", dk)
	js, err := json.Marshal(struct{ K *DecryptionKey }{dk})
	require.NoError(t, err)
	outputs := []string{
		fmt.Sprint(dk), fmt.Sprintf("%v %+v %#v %s %x %X %q", dk, dk, dk, dk, dk, dk, dk),
		fmt.Sprintf("%v", *dk), fmt.Sprintf("%+v", struct{ K *DecryptionKey }{dk}),
		fmt.Sprintf(verbs, *dk, *dk, *dk, struct{ K DecryptionKey }{*dk}, []DecryptionKey{*dk}),
		dk.String(), fmt.Sprintf("%#v", dk), string(js), logged.String(),
	}
	var d secp256k1.ModNScalar
	d.SetByteSlice(raw[1:])
	decimal := fmt.Sprintf("%d", raw[1:4])[1:8]
	// fmt dumps a ModNScalar as its eight uint32 words: look for the first.
	word := strings.Fields(strings.Trim(fmt.Sprintf("%d", d), "{}[]"))[0]
	for _, out := range outputs {
		require.NotContains(t, out, decimal, "no decimal dump of the scalar bytes")
		require.NotContains(t, out, word, "no dump of the scalar's words")
		require.NotContains(t, out, string(raw[1:7]), "no raw bytes")
		require.NotContains(t, strings.ToLower(out), secretHex[:16])
		require.NotContains(t, out, secretB64[:16])
	}
	require.Contains(t, fmt.Sprint(dk), "REDACTED")

	dk.Destroy()
	require.Equal(t, make([]byte, 32), dk.bytes()[1:])
}

// ParseDecryptionKeyText says what is wrong without showing the text, and
// leaves the caller's buffer as it was.
func TestParseDecryptionKeyTextRejects(t *testing.T) {
	t.Parallel()
	secretish := []byte("  secretish!!  ")
	_, err := ParseDecryptionKeyText(secretish)
	var ce base64.CorruptInputError
	require.ErrorAs(t, err, &ce)
	require.NotContains(t, err.Error(), "secretish")
	require.Equal(t, "  secretish!!  ", string(secretish))

	_, err = ParseDecryptionKeyText([]byte(base64.StdEncoding.EncodeToString(make([]byte, 32))))
	require.EqualError(t, err, "decryption key is 32 bytes, want 33 (version byte and 32-byte scalar)")
	_, err = ParseDecryptionKeyText([]byte(base64.StdEncoding.EncodeToString(append([]byte{1}, make([]byte, 32)...))))
	require.EqualError(t, err, "decryption key scalar is zero")
}
