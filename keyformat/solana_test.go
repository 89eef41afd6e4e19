package keyformat_test

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/base58"
	"github.com/dfnskeys/dfnskeys/keyformat"
)

// RFC 8032 test 1 as a Solana keypair: seed ‖ public key.
const (
	rfcSeed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	rfcPub  = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
)

func jsonArray(b []byte) string {
	parts := make([]string, len(b))
	for i, v := range b {
		parts[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func TestParseSolanaKeypair(t *testing.T) {
	t.Parallel()
	kp := mustHex(t, rfcSeed+rfcPub)
	b58 := base58.Encode(kp)
	for name, in := range map[string]string{
		"JSON array":             jsonArray(kp),
		"JSON array with spaces": "\n[ " + strings.ReplaceAll(jsonArray(kp)[1:], ",", " ,\r\n\t") + " \n",
		"base58":                 b58,
		"base58 with newline":    b58 + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			k, err := keyformat.ParseSolanaKeypair([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			defer k.Destroy()
			if k.PublicKeyHex() != rfcPub {
				t.Errorf("public key %s, want %s", k.PublicKeyHex(), rfcPub)
			}
			seedKey := newKey(t, "ed25519", rfcSeed)
			defer seedKey.Destroy()
			if !k.Equal(seedKey) {
				t.Error("key is not the seed's key")
			}
		})
	}
}

func TestParseSolanaKeypairErrors(t *testing.T) {
	t.Parallel()
	kp := mustHex(t, rfcSeed+rfcPub)
	arr := jsonArray(kp)
	badPub := append(append([]byte(nil), kp[:63]...), kp[63]^1)
	withElem := func(i int, v string) string {
		parts := strings.Split(arr[1:len(arr)-1], ",")
		parts[i] = v
		return "[" + strings.Join(parts, ",") + "]"
	}
	for _, tc := range []struct{ name, in, want string }{
		{"empty", " \n", "empty input"},
		{"mismatched public key (JSON)", jsonArray(badPub), "does not match the seed"},
		{"mismatched public key (base58)", base58.Encode(badPub), "does not match the seed"},
		{"public key of another seed", jsonArray(append(mustHex(t, rfcSeed), mustHex(t, "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")...)), "does not match the seed"},
		{"63 numbers", jsonArray(kp[:63]), "has 63 numbers, want 64"},
		{"65 numbers", jsonArray(append(append([]byte(nil), kp...), 0)), "has 65 numbers, want 64"},
		{"32 numbers", jsonArray(kp[:32]), "has 32 numbers"},
		{"empty array", "[]", "has 0 numbers"},
		{"256", withElem(3, "256"), "element 3 is out of the range 0 to 255"},
		{"1000", withElem(0, "1000"), "element 0 is out of the range"},
		{"huge", withElem(5, "99999999999999999999999"), "element 5 is out of the range"},
		{"negative", withElem(2, "-1"), "element 2 is not an integer"},
		{"fraction", withElem(2, "1.5"), "element 2 is not an integer"},
		{"exponent", withElem(2, "1e2"), "element 2 is not an integer"},
		{"leading zero", withElem(7, "07"), "element 7 has a leading zero"},
		{"string", withElem(7, `"7"`), "element 7 is not an integer"},
		{"null", withElem(7, "null"), "element 7 is not an integer"},
		{"trailing comma", arr[:len(arr)-1] + ",]", "element 64 is not an integer"},
		{"unclosed", arr[:len(arr)-1], "not closed"},
		{"semicolon", strings.Replace(arr, ",", ";", 1), "expected ',' or ']'"},
		{"trailing data", arr + "x", "unexpected data after the JSON array"},
		{"nested", "[" + arr + "]", "element 0 is not an integer"},
		{"base58 of 63 bytes", base58.Encode(kp[:63]), "decodes to 63 bytes, want 64"},
		{"base58 of 32 bytes", base58.Encode(kp[:32]), "decodes to 32 bytes"},
		{"base58 too long", strings.Repeat("2", 101), "101 characters"},
		{"invalid base58", "0" + base58.Encode(kp)[1:], "invalid base58 character at offset 0"},
		{"hex", hex.EncodeToString(kp), "128 characters"},
		{"short hex", hex.EncodeToString(kp[:40]), "invalid base58 character at offset 15"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := keyformat.ParseSolanaKeypair([]byte(tc.in))
			if k != nil {
				t.Fatal("got a key")
			}
			wantError(t, err, keyformat.Solana, tc.want, rfcSeed)
		})
	}
}
