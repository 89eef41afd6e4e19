package keyformat_test

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/base58"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

// BIP-32's test vectors 1 and 2: derivation below the master xprv and
// below a child xprv reaches the same published keys (also recomputed by
// testdata/crosscheck.py).
func TestXPRVVectors(t *testing.T) {
	t.Parallel()
	const (
		v1m    = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
		v1m0h  = "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11eZG7XnxHrnYeSvkzY7d2bhkJ7"
		v2m    = "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U"
		v2m0   = "xprv9vHkqa6EV4sPZHYqZznhT2NPtPCjKuDKGY38FBWLvgaDx45zo9WQRUT3dKYnjwih2yJD9mkrocEZXo1ex8G81dwSM1fwqWpWkeS3v86pgKt"
		v2leaf = "xprvA2nrNbFZABcdryreWet9Ea4LvTJcGsqrMzxHx98MMrotbir7yrKCEXw7nadnHM8Dq38EGfSh6dqA9QWTyefMLEcBYJUuekgW4BYPJcr9E7j"
	)
	for _, tc := range []struct {
		name, xprv, path, want string
	}{
		{"v1 m itself", v1m, "m", "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35"},
		{"v1 m/0'", v1m, "m/0'", "edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea"},
		{"v1 m/0H/1 with h", v1m, "m/0h/1", "3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368"},
		{"v1 deep", v1m, "m/0'/1/2'/2/1000000000", "471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8"},
		{"v1 below m/0'", v1m0h, "m/1", "3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368"},
		{"v1 below m/0' deep", v1m0h, "m/1/2'/2", "0f479245fb19a38a1954c5c7c0ebab2f9bdfd96a17563ef28a6a4b1a2a764ef4"},
		{"v2 m/0/2147483647'/1", v2m, "m/0/2147483647'/1", "704addf544a06e5ee4bea37098463c23613da32020d604506da8c0518e1da4b7"},
		{"v2 below m/0", v2m0, "m/2147483647'/1/2147483646'", "f1c7c871a54a804afe328b4c83a1c33b8e5ff48f5087273f04efa83b247d6a2d"},
		{"v2 leaf itself", v2leaf, "m", "bb7d39bdb83ecf58f2fd82b6d918341cbef428661ef01ab97c28a4842125ac23"},
		{"surrounding whitespace", "\n  " + v1m + "\r\n", "m/0'", "edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := keyformat.ParseXPRV([]byte(tc.xprv), tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer k.Destroy()
			if got := hexOf(k.Bytes()); got != tc.want {
				t.Errorf("key = %s, want %s", got, tc.want)
			}
			// Through Parse as well, where the format implies secp256k1.
			k2, err := keyformat.Parse(keyformat.XPRV, "", []byte(tc.xprv), keyformat.Secrets{Path: tc.path})
			if err != nil || !k2.Equal(k) {
				t.Errorf("Parse(xprv) = %v, %v", k2, err)
			}
		})
	}
}

// An xprv derived from the "abandon … about" mnemonic gives the same
// account keys as the mnemonic itself.
func TestXPRVMatchesMnemonic(t *testing.T) {
	t.Parallel()
	const master = "xprv9s21ZrQH143K3GJpoapnV8SFfukcVBSfeCficPSGfubmSFDxo1kuHnLisriDvSnRRuL2Qrg5ggqHKNVpxR86QEC8w35uxmGoggxtQTPvfUu"
	for _, path := range []string{"m/44'/60'/0'/0/0", "m/84'/0'/0'/0/0", "m/0"} {
		want, err := keyformat.ParseMnemonic(keys.Secp256k1, []byte(abandonAbout), nil, path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := keyformat.ParseXPRV([]byte(master), path)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) {
			t.Errorf("%s: xprv and mnemonic derive different keys", path)
		}
	}
}

// reencode builds a Base58Check string from a 78-byte payload.
func reencode(payload []byte) string {
	h := sha256.Sum256(payload)
	h = sha256.Sum256(h[:])
	return base58.Encode(append(append([]byte(nil), payload...), h[:4]...))
}

func TestXPRVRejects(t *testing.T) {
	t.Parallel()
	const v1m = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
	raw, err := base58.Decode([]byte(v1m))
	if err != nil {
		t.Fatal(err)
	}
	payload := raw[:78]
	with := func(f func(p []byte)) string {
		p := append([]byte(nil), payload...)
		f(p)
		return reencode(p)
	}
	n := "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
	for _, tc := range []struct {
		name, text, path, want string
	}{
		{"no path", v1m, "", "a derivation path is required"},
		{"bad path", v1m, "44'/0", "must start with"},
		{"empty", "  ", "m", "empty input"},
		{"checksum", v1m[:len(v1m)-1] + "j", "m", "checksum mismatch"},
		{"truncated", v1m[:100], "m", "decodes to"},
		{"not base58", v1m[:50] + "0" + v1m[51:], "m", "invalid base58 character at offset 50"},
		{"too long", strings.Repeat("x", 200), "m", "200 characters"},
		{"xpub", "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8", "m", "extended public key (xpub): it holds no private key"},
		{"unknown version", with(func(p []byte) { binary.BigEndian.PutUint32(p, 0x01020304) }), "m", "unknown version 0x01020304"},
		{"depth 0, fingerprint", with(func(p []byte) { p[5] = 1 }), "m", "zero parent fingerprint"},
		{"key prefix", with(func(p []byte) { p[45] = 2 }), "m", "does not start with 0x00"},
		{"key zero", with(func(p []byte) { clear(p[46:]) }), "m", "zero or not below"},
		{"key = n", with(func(p []byte) { copy(p[46:], mustHex(t, n)) }), "m", "zero or not below"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := keyformat.ParseXPRV([]byte(tc.text), tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "xprv: ") {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
			// The message never contains the key text.
			if len(tc.text) > 20 && strings.Contains(err.Error(), strings.TrimSpace(tc.text)[4:20]) {
				t.Errorf("the error echoes the input: %v", err)
			}
		})
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}

// FuzzParseXPRV: hostile text never panics, and anything accepted is a
// valid key that the same text and path give again.
func FuzzParseXPRV(f *testing.F) {
	f.Add("xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi", "m/0'/1")
	f.Add("xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8", "m")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, text, path string) {
		k, err := keyformat.ParseXPRV([]byte(text), path)
		if err != nil {
			return
		}
		again, err := keyformat.ParseXPRV([]byte(text), path)
		if err != nil || !again.Equal(k) {
			t.Fatalf("not deterministic: %v", err)
		}
	})
}
