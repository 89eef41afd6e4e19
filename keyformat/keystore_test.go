package keyformat_test

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/slowtest"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

// The Web3 Secret Storage Definition's test vectors: password
// "testpassword", this private key, whose address is
// 0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b.
const (
	web3Key      = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d"
	web3Password = "testpassword"
	web3Address  = "008aeeda4d805471df9b2a5b0f38a0c3bcba786b"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// edit returns the keystore JSON with the value at the dotted path
// replaced (or removed when v is nil).
func edit(t testing.TB, data []byte, path string, v any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(path, ".")
	cur := m
	for _, p := range parts[:len(parts)-1] {
		cur = cur[p].(map[string]any)
	}
	if v == nil {
		delete(cur, parts[len(parts)-1])
	} else {
		cur[parts[len(parts)-1]] = v
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestKeystoreVectors(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"testdata/web3-pbkdf2.json", "testdata/web3-scrypt.json"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			if strings.Contains(file, "scrypt") {
				slowtest.SkipUnderRace(t, "scrypt at n = 2^18 (~7 s per derivation race-built)")
			}
			data := readFile(t, file)
			k, err := keyformat.ParseKeystore(data, []byte(web3Password))
			if err != nil {
				t.Fatal(err)
			}
			if got := keyHex(t, k); got != web3Key {
				t.Errorf("key %s, want %s", got, web3Key)
			}
			if strings.Contains(file, "scrypt") {
				return // n = 2^18, p = 8 is slow; the checks below need one KDF only
			}
			// The same file with its address field, as geth writes it.
			for _, addr := range []string{web3Address, "0x" + web3Address, "0x008AeEda4D805471dF9b2A5B0f38A0C3bCBA786b"} {
				k, err := keyformat.ParseKeystore(edit(t, data, "address", addr), []byte(web3Password))
				if err != nil {
					t.Fatalf("with address %s: %v", addr, err)
				}
				k.Destroy()
			}
			_, err = keyformat.ParseKeystore(data, []byte("testpassword "))
			if !errors.Is(err, keyformat.ErrWrongPassword) {
				t.Errorf("wrong password: %v", err)
			}
			wantError(t, err, keyformat.Keystore, "wrong password or corrupted keystore", web3Key)
		})
	}
}

func lightKeystore(t testing.TB, k *keys.PrivateKey, password string, kdf string) []byte {
	t.Helper()
	opts := keyformat.KeystoreOptions{KDF: kdf, ScryptN: 1 << 10, ScryptR: 8, ScryptP: 1}
	if kdf == "pbkdf2" {
		opts = keyformat.KeystoreOptions{KDF: kdf, PBKDF2Iterations: 1000}
	}
	data, err := keyformat.EncryptKeystore(k, []byte(password), opts)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestEncryptKeystoreRoundTrip(t *testing.T) {
	t.Parallel()
	uuid4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, kdf := range []string{"scrypt", "pbkdf2"} {
		t.Run(kdf, func(t *testing.T) {
			t.Parallel()
			k := newKey(t, keys.Secp256k1, web3Key)
			defer k.Destroy()
			data := lightKeystore(t, k, "correct horse", kdf)
			if strings.Contains(string(data), web3Key) {
				t.Fatal("keystore contains the key in clear")
			}
			var ks struct {
				Address string `json:"address"`
				ID      string `json:"id"`
				Version int    `json:"version"`
				Crypto  struct {
					Cipher    string         `json:"cipher"`
					KDF       string         `json:"kdf"`
					KDFParams map[string]any `json:"kdfparams"`
				} `json:"crypto"`
			}
			if err := json.Unmarshal(data, &ks); err != nil {
				t.Fatal(err)
			}
			if ks.Address != web3Address || ks.Version != 3 || !uuid4.MatchString(ks.ID) ||
				ks.Crypto.Cipher != "aes-128-ctr" || ks.Crypto.KDF != kdf || ks.Crypto.KDFParams["dklen"] != 32.0 {
				t.Errorf("unexpected keystore %s", data)
			}
			got, err := keyformat.ParseKeystore(data, []byte("correct horse"))
			if err != nil {
				t.Fatal(err)
			}
			defer got.Destroy()
			if !got.Equal(k) {
				t.Error("round trip changed the key")
			}
			if _, err := keyformat.ParseKeystore(data, []byte("correct horse!")); !errors.Is(err, keyformat.ErrWrongPassword) {
				t.Errorf("wrong password: %v", err)
			}
			other := lightKeystore(t, k, "correct horse", kdf)
			if string(other) == string(data) {
				t.Error("two keystores of the same key are identical: salt, IV and id are not random")
			}
		})
	}
}

func TestEncryptKeystoreDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("scrypt with n = 2^18, r = 8 takes 256 MiB and a second or more")
	}
	t.Parallel()
	slowtest.SkipUnderRace(t, "scrypt at n = 2^18 (~7 s per derivation race-built)")
	k := newKey(t, keys.Secp256k1, web3Key)
	defer k.Destroy()
	data, err := keyformat.EncryptKeystore(k, []byte("pw"), keyformat.KeystoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ks struct {
		Crypto struct {
			KDF       string         `json:"kdf"`
			KDFParams map[string]any `json:"kdfparams"`
		} `json:"crypto"`
	}
	if err := json.Unmarshal(data, &ks); err != nil {
		t.Fatal(err)
	}
	p := ks.Crypto.KDFParams
	if ks.Crypto.KDF != "scrypt" || p["n"] != 262144.0 || p["r"] != 8.0 || p["p"] != 1.0 || p["dklen"] != 32.0 || len(p["salt"].(string)) != 64 {
		t.Errorf("default parameters: %s", data)
	}
}

func TestParseKeystoreErrors(t *testing.T) {
	t.Parallel()
	k := newKey(t, keys.Secp256k1, web3Key)
	defer k.Destroy()
	base := lightKeystore(t, k, web3Password, "pbkdf2")
	sbase := lightKeystore(t, k, web3Password, "scrypt")
	flipHex := func(data []byte, field string) []byte {
		var m map[string]any
		_ = json.Unmarshal(data, &m)
		s := m["crypto"].(map[string]any)[field].(string)
		c := "0"
		if s[0] == '0' {
			c = "1"
		}
		return edit(t, data, "crypto."+field, c+s[1:])
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"tampered MAC", flipHex(base, "mac"), "wrong password or corrupted keystore"},
		{"tampered ciphertext", flipHex(base, "ciphertext"), "wrong password or corrupted keystore"},
		{"tampered salt", edit(t, base, "crypto.kdfparams.salt", strings.Repeat("00", 32)), "wrong password"},
		{"tampered iterations", edit(t, base, "crypto.kdfparams.c", 1001), "wrong password"},
		{"address of another key", edit(t, base, "address", "7e5f4552091a69125d5dfcb7b8c2659029395bdf"), `address field "7e5f4552091a69125d5dfcb7b8c2659029395bdf" is not the decrypted key's address ` + web3Address},
		{"unsupported cipher", edit(t, base, "crypto.cipher", "aes-128-cbc"), `unsupported cipher "aes-128-cbc"`},
		{"unsupported kdf", edit(t, base, "crypto.kdf", "argon2id"), `unsupported kdf "argon2id"`},
		{"unsupported prf", edit(t, base, "crypto.kdfparams.prf", "hmac-sha512"), `unsupported pbkdf2 prf "hmac-sha512"`},
		{"version 1", edit(t, base, "version", 1), "version is 1"},
		{"version 4", edit(t, base, "version", 4), "version is 4"},
		{"no version", edit(t, base, "version", nil), "version is 0"},
		{"version as string", edit(t, base, "version", "3"), "invalid JSON"},
		{"not JSON", []byte("not json"), "invalid JSON: syntax error at byte offset 2"},
		// The character found is never quoted: it may be part of a secret.
		{"key pasted as keystore", []byte("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"), "invalid JSON: syntax error at byte offset 2"},
		{"truncated", base[:40], "invalid JSON: syntax error at byte offset 40"},
		{"ciphertext as number", []byte(`{"version":3,"crypto":{"ciphertext":4c0883}}`), "invalid JSON: syntax error at byte offset 38"},
		{"version as string exact", edit(t, base, "version", "3"), `invalid JSON: field "version" is a JSON string, want int`},
		{"no crypto", edit(t, base, "crypto", nil), "no crypto section"},
		{"JSON array", []byte("[]"), "invalid JSON"},
		{"empty", nil, "invalid JSON"},
		{"too large", append(append([]byte(nil), base...), make([]byte, 1<<20)...), "more than the 1048576"},
		{"iv not hex", edit(t, base, "crypto.cipherparams.iv", "xyz"), "crypto.cipherparams.iv is not hex"},
		{"iv 8 bytes", edit(t, base, "crypto.cipherparams.iv", "0001020304050607"), "crypto.cipherparams.iv is 8 bytes, want 16"},
		{"ciphertext 31 bytes", edit(t, base, "crypto.ciphertext", strings.Repeat("ab", 31)), "crypto.ciphertext is 31 bytes, want 32"},
		{"mac 20 bytes", edit(t, base, "crypto.mac", strings.Repeat("ab", 20)), "crypto.mac is 20 bytes"},
		{"no kdfparams", edit(t, base, "crypto.kdfparams", nil), "crypto.kdfparams is missing"},
		{"kdfparams not an object", edit(t, base, "crypto.kdfparams", "x"), "invalid pbkdf2 parameters"},
		{"salt not hex", edit(t, base, "crypto.kdfparams.salt", "zz"), "crypto.kdfparams.salt is not hex"},
		{"salt too long", edit(t, base, "crypto.kdfparams.salt", strings.Repeat("00", 1025)), "salt is longer than 1024 bytes"},
		// Hostile KDF parameters are refused before any work is done.
		{"pbkdf2 c too large", edit(t, base, "crypto.kdfparams.c", 10_000_001), "pbkdf2 iteration count 10000001 is outside 1..10000000"},
		{"pbkdf2 c zero", edit(t, base, "crypto.kdfparams.c", 0), "pbkdf2 iteration count 0"},
		{"pbkdf2 c negative", edit(t, base, "crypto.kdfparams.c", -5), "pbkdf2 iteration count -5"},
		{"pbkdf2 c huge", edit(t, base, "crypto.kdfparams.c", 1e30), "invalid pbkdf2 parameters"},
		{"pbkdf2 dklen 16", edit(t, base, "crypto.kdfparams.dklen", 16), "dklen is 16, want 32"},
		{"scrypt dklen 64", edit(t, sbase, "crypto.kdfparams.dklen", 64), "dklen is 64, want 32"},
		{"scrypt n 2^21", edit(t, sbase, "crypto.kdfparams.n", 1<<21), "scrypt n = 2097152 is above the limit of 1048576"},
		{"scrypt n 2^62", edit(t, sbase, "crypto.kdfparams.n", 1<<62), "scrypt n = 4611686018427387904 is above"},
		{"scrypt n not a power of two", edit(t, sbase, "crypto.kdfparams.n", 1000), "power of two"},
		{"scrypt n 1", edit(t, sbase, "crypto.kdfparams.n", 1), "power of two"},
		{"scrypt n negative", edit(t, sbase, "crypto.kdfparams.n", -1024), "power of two"},
		{"scrypt r 0", edit(t, sbase, "crypto.kdfparams.r", 0), "scrypt r = 0 is outside 1..32"},
		{"scrypt r 1000", edit(t, sbase, "crypto.kdfparams.r", 1000), "scrypt r = 1000"},
		{"scrypt p 0", edit(t, sbase, "crypto.kdfparams.p", 0), "scrypt p = 0 is outside 1..16"},
		{"scrypt p 1000", edit(t, sbase, "crypto.kdfparams.p", 1000), "scrypt p = 1000"},
		{"scrypt memory", edit(t, edit(t, sbase, "crypto.kdfparams.n", 1<<20), "crypto.kdfparams.r", 16), "scrypt n = 1048576, r = 16 need 2048 MiB of memory, above the limit of 512 MiB; the file was refused before any key derivation. Keystores from standard wallets are well within the limits (geth's default is scrypt n = 262144, r = 8, p = 1, 256 MiB), so this one was written with unusual settings or made to exhaust this machine: if it is yours, open it with the wallet that wrote it and save it again with standard settings"},
		{"scrypt memory 1 GiB", edit(t, edit(t, sbase, "crypto.kdfparams.n", 1<<20), "crypto.kdfparams.r", 8), "need 1024 MiB of memory, above the limit of 512 MiB"},
		{"scrypt work", edit(t, edit(t, edit(t, sbase, "crypto.kdfparams.n", 1<<19), "crypto.kdfparams.r", 8), "crypto.kdfparams.p", 8), "n·r·p = 33554432 is above the limit of 16777216"},
		{"scrypt n as float", edit(t, sbase, "crypto.kdfparams.n", 1024.5), "invalid scrypt parameters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := keyformat.ParseKeystore(tc.data, []byte(web3Password))
			if k != nil {
				t.Fatal("got a key")
			}
			wantError(t, err, keyformat.Keystore, tc.want, web3Key, web3Password)
			if strings.Contains(err.Error(), "invalid character") {
				t.Fatalf("the error quotes the input: %v", err)
			}
		})
	}
}

// encoding/json matches field names case-insensitively, so the "Crypto"
// key that some old clients write is read too.
func TestParseKeystoreCapitalCrypto(t *testing.T) {
	t.Parallel()
	k := newKey(t, keys.Secp256k1, web3Key)
	defer k.Destroy()
	data := lightKeystore(t, k, "pw", "pbkdf2")
	data = []byte(strings.Replace(string(data), `"crypto"`, `"Crypto"`, 1))
	got, err := keyformat.ParseKeystore(data, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	got.Destroy()
}

func TestEncryptKeystoreErrors(t *testing.T) {
	t.Parallel()
	k := newKey(t, keys.Secp256k1, web3Key)
	defer k.Destroy()
	ed := newKey(t, keys.Ed25519, rfcSeed)
	defer ed.Destroy()
	for _, tc := range []struct {
		name string
		key  *keys.PrivateKey
		opts keyformat.KeystoreOptions
		want string
	}{
		{"nil key", nil, keyformat.KeystoreOptions{}, "nil key"},
		{"ed25519 key", ed, keyformat.KeystoreOptions{}, "only secp256k1 keys"},
		{"unknown kdf", k, keyformat.KeystoreOptions{KDF: "argon2"}, `unsupported kdf "argon2"`},
		{"scrypt n not a power of two", k, keyformat.KeystoreOptions{ScryptN: 1000}, "power of two"},
		{"scrypt n too large", k, keyformat.KeystoreOptions{ScryptN: 1 << 21}, "above the limit"},
		{"scrypt r negative", k, keyformat.KeystoreOptions{ScryptN: 1024, ScryptR: -1}, "scrypt r = -1"},
		{"iterations with scrypt", k, keyformat.KeystoreOptions{PBKDF2Iterations: 5}, "PBKDF2Iterations is set"},
		{"scrypt params with pbkdf2", k, keyformat.KeystoreOptions{KDF: "pbkdf2", ScryptN: 1024}, "scrypt parameters are set"},
		{"pbkdf2 too many iterations", k, keyformat.KeystoreOptions{KDF: "pbkdf2", PBKDF2Iterations: 20_000_000}, "outside 1..10000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := keyformat.EncryptKeystore(tc.key, []byte("pw"), tc.opts)
			if data != nil {
				t.Fatal("got a keystore")
			}
			wantError(t, err, keyformat.Keystore, tc.want)
		})
	}
}
