package keyformat_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/base58"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

func FuzzParseWIF(f *testing.F) {
	for _, v := range wifVectors {
		f.Add([]byte(v.wif))
	}
	f.Add([]byte("KyZpNDKnfs94vbrwhJneDi77V6jF64PWPF8x5cdJb8ifgg2DUc9d\n"))
	f.Add([]byte(b58check(append([]byte{0x80}, make([]byte, 32)...))))
	f.Add([]byte(b58check(append(append([]byte{0xef}, bytes.Repeat([]byte{7}, 32)...), 2))))
	f.Fuzz(func(t *testing.T, text []byte) {
		k, err := keyformat.ParseWIF(text)
		if err != nil {
			if k != nil {
				t.Fatal("key and error")
			}
			return
		}
		defer k.Destroy()
		// Some encoding of the key must give the input back.
		in := string(bytes.TrimSpace(text))
		for _, compressed := range []bool{false, true} {
			for _, testnet := range []bool{false, true} {
				w, err := keyformat.EncodeWIF(k, compressed, testnet)
				if err != nil {
					t.Fatal(err)
				}
				if string(w) == in {
					return
				}
			}
		}
		t.Fatalf("no WIF encoding of the parsed key is %q", in)
	})
}

func FuzzParseHex(f *testing.F) {
	f.Add([]byte(ethKey), uint8(0))
	f.Add([]byte("0x"+wikiKey+"\n"), uint8(1))
	f.Add([]byte(" 0X "+strings.ToUpper(rfcSeed)), uint8(2))
	f.Add([]byte("0x3c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3cc"), uint8(1))
	f.Add([]byte("0x0"), uint8(3))
	f.Fuzz(func(t *testing.T, text []byte, mode uint8) {
		curves := []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519, keys.Ed25519}
		c := curves[mode%4]
		scalar := mode%4 == 3
		k, err := keyformat.ParseHex(c, text, scalar)
		if err != nil {
			if k != nil {
				t.Fatal("key and error")
			}
			return
		}
		defer k.Destroy()
		if k.Curve() != c {
			t.Fatalf("curve %s, want %s", k.Curve(), c)
		}
		if c == keys.Ed25519 && !scalar {
			return // the key is derived from the seed
		}
		// The key's bytes are the digits read: exactly 64 of them, never
		// padded.
		var digits []byte
		for _, b := range bytes.ToLower(text) {
			if !bytes.ContainsRune([]byte(" \t\n\r\v\f"), rune(b)) {
				digits = append(digits, b)
			}
		}
		digits = bytes.TrimPrefix(digits, []byte("0x"))
		if len(digits) != 64 {
			t.Fatalf("%d digits accepted from %q", len(digits), text)
		}
		want := string(digits)
		got := k.Bytes()
		defer clear(got)
		if hex.EncodeToString(got) != want {
			t.Fatalf("key %x from %q", got, text)
		}
	})
}

func FuzzParseSolanaKeypair(f *testing.F) {
	kp := mustHex(f, rfcSeed+rfcPub)
	f.Add([]byte(jsonArray(kp)))
	f.Add([]byte(base58.Encode(kp)))
	f.Add([]byte(" [0, 1,255 ,07, 1.5, -1, 256]\n"))
	f.Add([]byte("[]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := keyformat.ParseSolanaKeypair(data)
		if err != nil {
			if k != nil {
				t.Fatal("key and error")
			}
			return
		}
		defer k.Destroy()
		if k.Curve() != keys.Ed25519 {
			t.Fatalf("curve %s", k.Curve())
		}
		// The public half of the input is the key's public key.
		pub := k.PublicKey()
		in := bytes.TrimSpace(data)
		if in[0] != '[' {
			raw, err := base58.Decode(in)
			if err != nil || !bytes.Equal(raw[32:], pub) {
				t.Fatalf("public key %x, input %q", pub, in)
			}
		}
	})
}

func FuzzParseMnemonic(f *testing.F) {
	f.Add([]byte(abandonAbout), []byte(""), "", false)
	f.Add([]byte("legal winner thank year wave sausage worth useful legal winner thank yellow"), []byte("TREZOR"), "m/84'/0'/0'/0/0", false)
	f.Add([]byte(strings.Repeat("zoo ", 23)+"vote"), []byte("TREZOR"), "", true)
	f.Add([]byte(strings.Repeat("abandon ", 17)+"agent"), []byte(""), "m/0'", true)
	f.Add([]byte("ZOO zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo WRONG"), []byte("x"), "m", false)
	f.Add([]byte(abandonAbout+"\x00"), []byte(""), "", false)
	f.Fuzz(func(t *testing.T, mnemonic, passphrase []byte, path string, ed bool) {
		c := keys.Secp256k1
		if ed {
			c = keys.Ed25519
		}
		k, err := keyformat.ParseMnemonic(c, mnemonic, passphrase, path)
		if err != nil {
			if k != nil {
				t.Fatal("key and error")
			}
			return
		}
		defer k.Destroy()
		// Normalisation: the canonical form gives the same key.
		canon := []byte(strings.ToLower(strings.Join(strings.Fields(string(mnemonic)), " ")))
		k2, err := keyformat.ParseMnemonic(c, canon, passphrase, path)
		if err != nil {
			t.Fatalf("canonical form %q rejected: %v", canon, err)
		}
		defer k2.Destroy()
		if !k.Equal(k2) {
			t.Fatalf("%q and %q give different keys", mnemonic, canon)
		}
	})
}
