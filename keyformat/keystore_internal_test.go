package keyformat

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/dfnskeys/dfnskeys/keys"
)

// With the Web3 PBKDF2 vector's salt and IV as "randomness",
// encryptKeystore must reproduce the vector's ciphertext and MAC exactly.
// Not parallel: it replaces randReader.
func TestEncryptKeystoreReproducesWeb3Vector(t *testing.T) {
	want, err := os.ReadFile("testdata/web3-pbkdf2.json")
	if err != nil {
		t.Fatal(err)
	}
	var vec keystoreJSON
	if err := json.Unmarshal(want, &vec); err != nil {
		t.Fatal(err)
	}
	var p pbkdf2Params
	if err := json.Unmarshal(vec.Crypto.KDFParams, &p); err != nil {
		t.Fatal(err)
	}
	salt, _ := hex.DecodeString(p.Salt)
	iv, _ := hex.DecodeString(vec.Crypto.CipherParams.IV)
	id, _ := hex.DecodeString("3198bc9c66725ab3d9954942343ae5b6")
	randReader = bytes.NewReader(append(append(salt, iv...), id...))
	t.Cleanup(func() { randReader = rand.Reader })

	raw, _ := hex.DecodeString("7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d")
	k, err := keys.NewPrivateKey(keys.Secp256k1, raw)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Destroy()
	out, err := encryptKeystore(k, []byte("testpassword"), KeystoreOptions{KDF: "pbkdf2", PBKDF2Iterations: p.C})
	if err != nil {
		t.Fatal(err)
	}
	var got keystoreJSON
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.Crypto.CipherText != vec.Crypto.CipherText || got.Crypto.MAC != vec.Crypto.MAC {
		t.Errorf("ciphertext %s mac %s; want %s %s", got.Crypto.CipherText, got.Crypto.MAC, vec.Crypto.CipherText, vec.Crypto.MAC)
	}
	// The vector's id is not a version 4 UUID; ours has the version and variant bits set.
	if want := "3198bc9c-6672-4ab3-9995-4942343ae5b6"; got.ID != want {
		t.Errorf("id %s, want %s", got.ID, want)
	}
	if _, err := encryptKeystore(k, []byte("testpassword"), KeystoreOptions{KDF: "pbkdf2", PBKDF2Iterations: 1}); err == nil {
		t.Error("encryptKeystore succeeded with exhausted randomness")
	}
}
