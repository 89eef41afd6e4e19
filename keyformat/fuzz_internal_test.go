package keyformat

import (
	"os"
	"testing"

	"github.com/dfnskeys/dfnskeys/keys"
)

// fuzzKDFLimits keeps each fuzzed keystore under a few milliseconds of KDF
// work; the real limits are tested in TestParseKeystoreErrors.
var fuzzKDFLimits = kdfLimits{
	scryptN:          1 << 10,
	scryptR:          8,
	scryptP:          2,
	scryptMemory:     1 << 20,
	scryptWork:       1 << 14,
	pbkdf2Iterations: 1 << 12,
}

const fuzzPassword = "pw"

func FuzzParseKeystore(f *testing.F) {
	for _, name := range []string{"testdata/web3-pbkdf2.json", "testdata/web3-scrypt.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data) // above fuzzKDFLimits: exercises the limit checks
	}
	k, err := keys.NewPrivateKey(keys.Secp256k1, append(make([]byte, 31), 1))
	if err != nil {
		f.Fatal(err)
	}
	for _, opts := range []KeystoreOptions{
		{KDF: "scrypt", ScryptN: 1 << 10, ScryptR: 8, ScryptP: 1},
		{KDF: "scrypt", ScryptN: 16, ScryptR: 1, ScryptP: 1},
		{KDF: "pbkdf2", PBKDF2Iterations: 1000},
		{KDF: "pbkdf2", PBKDF2Iterations: 1},
	} {
		data, err := encryptKeystore(k, []byte(fuzzPassword), opts)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	k.Destroy()
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := parseKeystore(data, []byte(fuzzPassword), fuzzKDFLimits)
		if err != nil {
			if k != nil {
				t.Fatal("key and error")
			}
			return
		}
		defer k.Destroy()
		if k.Curve() != keys.Secp256k1 {
			t.Fatalf("curve %s", k.Curve())
		}
		// Whatever was accepted can be written and read back.
		out, err := encryptKeystore(k, []byte(fuzzPassword), KeystoreOptions{KDF: "pbkdf2", PBKDF2Iterations: 1})
		if err != nil {
			t.Fatal(err)
		}
		k2, err := parseKeystore(out, []byte(fuzzPassword), fuzzKDFLimits)
		if err != nil {
			t.Fatal(err)
		}
		defer k2.Destroy()
		if !k.Equal(k2) {
			t.Fatal("round trip changed the key")
		}
	})
}
