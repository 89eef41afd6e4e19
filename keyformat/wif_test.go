package keyformat_test

import (
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

// The Bitcoin wiki's WIF example and its compressed and testnet forms; the
// last three were computed with an independent Python implementation.
const wikiKey = "0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d"

var wifVectors = []struct {
	wif                 string
	compressed, testnet bool
}{
	{"5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ", false, false},
	{"KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617", true, false},
	{"91gGn1HgSap6CbU12F6z3pJri26xzp7Ay1VW6NHCoEayNXwRpu2", false, true},
	{"cMzLdeGd5vEqxB8B6VFQoRopQ3sLAAvEzDAoQgvX54xwofSWj1fx", true, true},
}

func TestWIFVectors(t *testing.T) {
	t.Parallel()
	for _, v := range wifVectors {
		t.Run(v.wif, func(t *testing.T) {
			k, err := keyformat.ParseWIF([]byte("  " + v.wif + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			defer k.Destroy()
			got, err := keyformat.EncodeWIF(k, v.compressed, v.testnet)
			if err != nil || string(got) != v.wif {
				t.Errorf("EncodeWIF = %q, %v; want %q", got, err, v.wif)
			}
			if h := keyHex(t, k); h != wikiKey {
				t.Errorf("key %s, want %s", h, wikiKey)
			}
		})
	}
}

// BIP-84's first receiving key, whose WIF the BIP lists.
func TestWIFBIP84(t *testing.T) {
	t.Parallel()
	k, err := keyformat.ParseWIF([]byte("KyZpNDKnfs94vbrwhJneDi77V6jF64PWPF8x5cdJb8ifgg2DUc9d"))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Destroy()
	if got, want := k.PublicKeyHex(), "0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c"; got != want {
		t.Errorf("public key %s, want %s", got, want)
	}
}

func TestWIFErrors(t *testing.T) {
	t.Parallel()
	key := mustHex(t, wikiKey)
	payload := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	good := wifVectors[0].wif
	badSum := good[:len(good)-1] + "K"
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "  ", "empty input"},
		{"bad checksum", badSum, "checksum mismatch"},
		{"swapped characters", good[:10] + good[11:12] + good[10:11] + good[12:], "checksum mismatch"},
		{"invalid character", good[:5] + "0" + good[6:], "invalid base58 character at offset 5"},
		{"invalid character after space", " " + good[:5] + "l" + good[6:], "invalid base58 character at offset 6"},
		{"too long", strings.Repeat("5", 61), "61 characters"},
		{"too short", "5Hue", "decodes to 3 bytes"},
		{"version 0x81", b58check(payload([]byte{0x81}, key)), "version byte 0x81"},
		{"version 0x00 (an address)", b58check(payload([]byte{0x00}, key[:20])), "version byte 0x00"},
		{"payload 32 bytes", b58check(payload([]byte{0x80}, key[:31])), "payload is 32 bytes"},
		{"payload 35 bytes", b58check(payload([]byte{0x80}, key, []byte{1, 1})), "payload is 35 bytes"},
		{"compression flag 0x02", b58check(payload([]byte{0x80}, key, []byte{2})), "compression flag is 0x02"},
		{"zero key", b58check(payload([]byte{0x80}, make([]byte, 32))), "zero"},
		{"key above the order", b58check(payload([]byte{0x80}, mustHex(t, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"))), "not below"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := keyformat.ParseWIF([]byte(tc.in))
			if k != nil {
				t.Fatal("got a key")
			}
			wantError(t, err, keyformat.WIF, tc.want, wikiKey)
		})
	}
}

func TestEncodeWIFErrors(t *testing.T) {
	t.Parallel()
	k := newKey(t, keys.Ed25519, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	defer k.Destroy()
	_, err := keyformat.EncodeWIF(k, true, false)
	wantError(t, err, keyformat.WIF, "only secp256k1")
	_, err = keyformat.EncodeWIF(nil, true, false)
	wantError(t, err, keyformat.WIF, "nil key")
}
