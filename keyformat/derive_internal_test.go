package keyformat

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/base58"
	"github.com/dfnskeys/dfnskeys/keys"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type pathVector struct{ path, key string }

// BIP-32's test vectors 1 and 2 (private keys), also recomputed with an
// independent Python implementation.
var bip32Vectors = []struct {
	seed  string
	chain []pathVector
}{
	{"000102030405060708090a0b0c0d0e0f", []pathVector{
		{"m", "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35"},
		{"m/0H", "edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea"},
		{"m/0H/1", "3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368"},
		{"m/0H/1/2H", "cbce0d719ecf7431d88e6a89fa1483e02e35092af60c042b1df2ff59fa424dca"},
		{"m/0H/1/2H/2", "0f479245fb19a38a1954c5c7c0ebab2f9bdfd96a17563ef28a6a4b1a2a764ef4"},
		{"m/0H/1/2H/2/1000000000", "471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8"},
	}},
	{"fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542", []pathVector{
		{"m", "4b03d6fc340455b363f51020ad3ecca4f0850280cf436c70c727923f6db46c3e"},
		{"m/0", "abe74a98f6c7eabee0428f53798f0ab8aa1bd37873999041703c742f15ac7e1e"},
		{"m/0/2147483647H", "877c779ad9687164e9c2f4f0f4ff0340814392330693ce95a58fe18fd52e6e93"},
		{"m/0/2147483647H/1", "704addf544a06e5ee4bea37098463c23613da32020d604506da8c0518e1da4b7"},
		{"m/0/2147483647H/1/2147483646H", "f1c7c871a54a804afe328b4c83a1c33b8e5ff48f5087273f04efa83b247d6a2d"},
		{"m/0/2147483647H/1/2147483646H/2", "bb7d39bdb83ecf58f2fd82b6d918341cbef428661ef01ab97c28a4842125ac23"},
	}},
}

func TestBIP32Vectors(t *testing.T) {
	t.Parallel()
	for _, v := range bip32Vectors {
		seed := mustHex(t, v.seed)
		for _, c := range v.chain {
			steps, err := parsePath(c.path)
			if err != nil {
				t.Fatal(err)
			}
			var key [32]byte
			if err := deriveBIP32(seed, steps, &key); err != nil {
				t.Fatalf("%s %s: %v", v.seed[:8], c.path, err)
			}
			if got := hex.EncodeToString(key[:]); got != c.key {
				t.Errorf("seed %s… %s: key %s, want %s", v.seed[:8], c.path, got, c.key)
			}
		}
	}
}

// SLIP-0010's ed25519 test vector 1: private keys and public keys (the
// vector writes public keys with a 0x00 prefix).
func TestSLIP10Ed25519Vector1(t *testing.T) {
	t.Parallel()
	seed := mustHex(t, "000102030405060708090a0b0c0d0e0f")
	for _, c := range []struct{ path, key, pub string }{
		{"m", "2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7", "00a4b2856bfec510abab89753fac1ac0e1112364e7d250545963f135f2a33188ed"},
		{"m/0H", "68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3", "008c8a13df77a28f3445213a0f432fde644acaa215fc72dcdf300d5efaa85d350c"},
		{"m/0H/1H", "b1d0bad404bf35da785a64ca1ac54b2617211d2777696fbffaf208f746ae84f2", "001932a5270f335bed617d5b935c80aedb1a35bd9fc1e31acafd5372c30f5c1187"},
		{"m/0H/1H/2H", "92a5b23c0b8a99e37d07df3fb9966917f5d06e02ddbd909c7e184371463e9fc9", "00ae98736566d30ed0e9d2f4486a64bc95740d89c7db33f52121f8ea8f76ff0fc1"},
		{"m/0H/1H/2H/2H", "30d1dc7e5fc04c31219ab25a27ae00b50f6fd66622f6e9c913253d6511d1e662", "008abae2d66361c879b900d204ad2cc4984fa2aa344dd7ddc46007329ac76c429c"},
		{"m/0H/1H/2H/2H/1000000000H", "8f94d394a8e8fd6b1bc2f3f49f5c47e385281d5c17e65324b0f62483e37e8793", "003c24da049451555d51a7014a37337aa4e12d41e485abccfa46b47dfb2af54b7a"},
	} {
		steps, err := parsePath(c.path)
		if err != nil {
			t.Fatal(err)
		}
		var key [32]byte
		deriveSLIP10Ed25519(seed, steps, &key)
		if got := hex.EncodeToString(key[:]); got != c.key {
			t.Errorf("%s: key %s, want %s", c.path, got, c.key)
		}
		k, err := keys.NewPrivateKey(keys.Ed25519, key[:])
		if err != nil {
			t.Fatal(err)
		}
		if got := "00" + k.PublicKeyHex(); got != c.pub {
			t.Errorf("%s: public key %s, want %s", c.path, got, c.pub)
		}
		k.Destroy()
	}
}

// The Trezor BIP-39 vectors: mnemonic to seed with passphrase "TREZOR",
// and, where the file lists it, the BIP-32 master key of the seed.
func TestBIP39TrezorVectors(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/bip39-trezor.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Passphrase string `json:"passphrase"`
		Vectors    []struct {
			Entropy, Mnemonic, Seed, Xprv string
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) < 6 {
		t.Fatalf("only %d vectors", len(file.Vectors))
	}
	for _, v := range file.Vectors {
		t.Run(v.Mnemonic, func(t *testing.T) {
			t.Parallel()
			seed, err := mnemonicSeed([]byte(v.Mnemonic), []byte(file.Passphrase))
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(seed); got != v.Seed {
				t.Errorf("seed %s, want %s", got, v.Seed)
			}
			// The entropy is what the words encode.
			if got := mnemonicEntropy(t, v.Mnemonic); got != v.Entropy {
				t.Errorf("entropy %s, want %s", got, v.Entropy)
			}
			if v.Xprv == "" {
				return
			}
			x, err := base58.Decode([]byte(v.Xprv))
			if err != nil || len(x) != 82 {
				t.Fatalf("xprv: %v", err)
			}
			if sum := doubleSHA256(x[:78]); !bytes.Equal(sum[:4], x[78:]) {
				t.Fatal("xprv checksum")
			}
			var key [32]byte
			if err := deriveBIP32(seed, nil, &key); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(key[:], x[46:78]) {
				t.Errorf("master key %x, xprv has %x", key, x[46:78])
			}
		})
	}
}

// mnemonicEntropy decodes the words' indices back to entropy bytes.
func mnemonicEntropy(t *testing.T, m string) string {
	t.Helper()
	norm, err := normalizeMnemonic([]byte(m))
	if err != nil {
		t.Fatal(err)
	}
	var bits []byte
	for _, w := range bytes.Fields(norm) {
		idx, ok := lookupWord(w)
		if !ok {
			t.Fatalf("word %q", w)
		}
		for b := 10; b >= 0; b-- {
			bits = append(bits, byte(idx>>b&1))
		}
	}
	ent := make([]byte, len(bits)*32/33/8)
	for i := range ent {
		for j := range 8 {
			ent[i] = ent[i]<<1 | bits[8*i+j]
		}
	}
	return hex.EncodeToString(ent)
}

func TestLookupWord(t *testing.T) {
	t.Parallel()
	for i, want := range []string{"abandon", "ability", "able"} {
		if idx, ok := lookupWord([]byte(want)); !ok || idx != i {
			t.Errorf("lookupWord(%q) = %d, %v", want, idx, ok)
		}
	}
	if idx, ok := lookupWord([]byte("zoo")); !ok || idx != 2047 {
		t.Errorf("lookupWord(zoo) = %d, %v", idx, ok)
	}
	for _, w := range []string{"", "a", "aban", "abandons", "abandonx", "Zoo", "zoo\x00"} {
		if _, ok := lookupWord([]byte(w)); ok {
			t.Errorf("lookupWord(%q) found it", w)
		}
	}
}
