package keyformat_test

import (
	"encoding/hex"
	"testing"

	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

const ethKey = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"

func TestParseHex(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		curve keys.Curve
		in    string
		want  string
	}{
		{"plain", keys.Secp256k1, ethKey, ethKey},
		{"0x", keys.Secp256k1, "0x" + ethKey, ethKey},
		{"0X and upper case", keys.Secp256k1, "0X4C0883A69102937D6231471B5DBB6204FE5129617082792AE468D01A3F362318", ethKey},
		{"whitespace anywhere", keys.Secp256k1, " \t0x 4c0883a6 9102937d\n6231471b 5dbb6204\r\nfe512961 7082792a e468d01a 3f362318\n", ethKey},
		{"newline", keys.Secp256k1, ethKey + "\n", ethKey},
		{"byte order mark", keys.Secp256k1, "\xef\xbb\xbf0x" + ethKey + "\r\n", ethKey},
		{"stark full", keys.Stark, "0x00" + ethKey[2:], "00" + ethKey[2:]},
		{"secp256k1 leading zeros written out", keys.Secp256k1, "0x0000000000000000000000000000000000000000000000000000000000000001", "0000000000000000000000000000000000000000000000000000000000000001"},
		{"stark leading zero written out", keys.Stark, "0x03c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3cc", "03c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3cc"},
		{"ed25519 seed", keys.Ed25519, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := keyformat.ParseHex(tc.curve, []byte(tc.in), false)
			if err != nil {
				t.Fatal(err)
			}
			if k.Curve() != tc.curve {
				t.Errorf("curve %s, want %s", k.Curve(), tc.curve)
			}
			if tc.curve == keys.Ed25519 {
				if got, want := k.PublicKeyHex(), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"; got != want {
					t.Errorf("public key %s, want RFC 8032's %s", got, want)
				}
				k.Destroy()
				return
			}
			if got := keyHex(t, k); got != tc.want {
				t.Errorf("key %s, want %s", got, tc.want)
			}
		})
	}
}

func TestParseHexEd25519Scalar(t *testing.T) {
	t.Parallel()
	seed := newKey(t, keys.Ed25519, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	defer seed.Destroy()
	scalar := seed.Bytes()
	defer clear(scalar)
	k, err := keyformat.ParseHex(keys.Ed25519, []byte(hex.EncodeToString(scalar)), true)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Destroy()
	if !k.Equal(seed) || k.PublicKeyHex() != seed.PublicKeyHex() {
		t.Error("the scalar of a seed's key does not parse back to the same key")
	}
	r, err := keyformat.ParseRaw(keys.Ed25519, scalar, true)
	if err != nil || !r.Equal(seed) {
		t.Errorf("ParseRaw of the scalar: %v", err)
	}
}

func TestParseHexErrors(t *testing.T) {
	t.Parallel()
	const n = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
	for _, tc := range []struct {
		name, in string
		curve    keys.Curve
		scalar   bool
		want     string
	}{
		{"empty", "", keys.Secp256k1, false, "no hex digits"},
		{"only prefix", " 0x ", keys.Secp256k1, false, "no hex digits"},
		{"bad digit", ethKey[:10] + "g" + ethKey[11:], keys.Secp256k1, false, "invalid hex digit at offset 10"},
		{"bad digit after prefix", "0x" + ethKey[:63] + "z", keys.Secp256k1, false, "invalid hex digit at offset 65"},
		{"double prefix", "0x0x" + ethKey, keys.Secp256k1, false, "invalid hex digit at offset 3"},
		{"non-ASCII", ethKey[:20] + "é" + ethKey[20:], keys.Secp256k1, false, "invalid hex digit at offset 20"},
		{"ed25519 63 digits", ethKey[1:], keys.Ed25519, false, "63 hex digits, want 64"},
		{"62 digits", ethKey[2:], keys.Ed25519, false, "62 hex digits, want 64"},
		{"secp256k1 63 digits (a truncated copy)", ethKey[:63], keys.Secp256k1, false, "63 hex digits, want 64 for a 32-byte secp256k1 key: a shorter key is usually a truncated copy; if this key really has leading zeros, left-pad it with zeros to 64 digits"},
		{"secp256k1 63 digits after 0x", "0x" + ethKey[1:], keys.Secp256k1, false, "63 hex digits, want 64"},
		{"secp256k1 one digit", "0x1", keys.Secp256k1, false, "1 hex digit, want 64"},
		{"stark 63 digits", "0x3c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3cc", keys.Stark, false, "63 hex digits, want 64 for a 32-byte stark key"},
		{"stark one digit", "7", keys.Stark, false, "1 hex digit, want 64"},
		{"65 digits", ethKey + "0", keys.Secp256k1, false, "more than 64 hex digits"},
		{"stark 65 digits", "0" + ethKey, keys.Stark, false, "more than 64 hex digits"},
		{"zero", "00000000000000000000000000000000000000000000000000000000000000 00", keys.Secp256k1, false, "zero"},
		{"group order", n, keys.Secp256k1, false, "not below the curve's group order"},
		{"stark zero", "0x0000000000000000000000000000000000000000000000000000000000000000", keys.Stark, false, "zero"},
		{"unknown curve", ethKey, "p256", false, "unsupported curve"},
		{"scalar flag on secp256k1", ethKey, keys.Secp256k1, true, "applies only to ed25519"},
		{"ed25519 scalar out of range", n, keys.Ed25519, true, "not below"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := keyformat.ParseHex(tc.curve, []byte(tc.in), tc.scalar)
			if k != nil {
				t.Fatal("got a key")
			}
			wantError(t, err, keyformat.Hex, tc.want, ethKey)
		})
	}
}

func TestParseRaw(t *testing.T) {
	t.Parallel()
	k, err := keyformat.ParseRaw(keys.Secp256k1, mustHex(t, ethKey), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := keyHex(t, k); got != ethKey {
		t.Errorf("key %s", got)
	}
	for _, n := range []int{0, 31, 33, 64} {
		_, err := keyformat.ParseRaw(keys.Secp256k1, make([]byte, n), false)
		wantError(t, err, keyformat.Raw, "want 32")
	}
	_, err = keyformat.ParseRaw(keys.Stark, make([]byte, 32), false)
	wantError(t, err, keyformat.Raw, "zero")
}
