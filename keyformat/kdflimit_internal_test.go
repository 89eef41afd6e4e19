package keyformat

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strings"
	"testing"
)

// A keystore whose KDF parameters are above a bound is refused before any
// derivation runs, with an error that says what was found, the limit and
// what to do. Not parallel: it replaces scryptKey and pbkdf2Key.
func TestHostileKeystoreRefusedBeforeDerivation(t *testing.T) {
	derivations := 0
	scryptKey = func(password, salt []byte, n, r, p, keyLen int) ([]byte, error) {
		derivations++
		return make([]byte, keyLen), nil
	}
	pbkdf2Key = func(password, salt []byte, iter, keyLen int, h func() hash.Hash) []byte {
		derivations++
		return make([]byte, keyLen)
	}
	t.Cleanup(func() {
		scryptKey, pbkdf2Key = realScryptKey, realPBKDF2Key
	})

	salt := strings.Repeat("ab", 32)
	keystore := func(kdf string, params map[string]any) []byte {
		params["dklen"], params["salt"] = 32, salt
		raw, _ := json.Marshal(params)
		return fmt.Appendf(nil, `{"version":3,"id":"x","crypto":{"cipher":"aes-128-ctr","ciphertext":%q,"cipherparams":{"iv":%q},"kdf":%q,"kdfparams":%s,"mac":%q}}`,
			strings.Repeat("00", 32), strings.Repeat("00", 16), kdf, raw, strings.Repeat("00", 32))
	}
	for _, tc := range []struct {
		name, kdf string
		params    map[string]any
		found     string
	}{
		{"scrypt 1 GiB (n = 2^20, r = 8)", "scrypt", map[string]any{"n": 1 << 20, "r": 8, "p": 1}, "scrypt n = 1048576, r = 8 need 1024 MiB of memory, above the limit of 512 MiB"},
		{"scrypt 64 GiB (n = 2^26)", "scrypt", map[string]any{"n": 1 << 26, "r": 8, "p": 1}, "scrypt n = 67108864 is above the limit of 1048576"},
		{"scrypt r = 1024", "scrypt", map[string]any{"n": 1 << 10, "r": 1024, "p": 1}, "scrypt r = 1024 is outside 1..32"},
		{"scrypt p = 64", "scrypt", map[string]any{"n": 1 << 10, "r": 8, "p": 64}, "scrypt p = 64 is outside 1..16"},
		{"scrypt work", "scrypt", map[string]any{"n": 1 << 19, "r": 8, "p": 16}, "scrypt n·r·p = 67108864 is above the limit of 16777216"},
		{"pbkdf2 2^31 iterations", "pbkdf2", map[string]any{"c": 1<<31 - 1, "prf": "hmac-sha256"}, "pbkdf2 iteration count 2147483647 is outside 1..10000000"},
	} {
		_, err := parseKeystore(keystore(tc.kdf, tc.params), []byte("pw"), defaultKDFLimits)
		if err == nil {
			t.Fatalf("%s: accepted", tc.name)
		}
		if !errors.Is(err, ErrKDFLimit) {
			t.Errorf("%s: %v does not wrap ErrKDFLimit", tc.name, err)
		}
		for _, want := range []string{"keystore: " + tc.found, "refused before any key derivation", "geth's default is scrypt n = 262144, r = 8, p = 1", "save it again with standard settings"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not say %q", tc.name, err, want)
			}
		}
		if derivations != 0 {
			t.Fatalf("%s: %d key derivation(s) ran before the refusal", tc.name, derivations)
		}
	}
	// Invalid (not costly) parameters are not called costly.
	_, err := parseKeystore(keystore("scrypt", map[string]any{"n": 1000, "r": 8, "p": 1}), []byte("pw"), defaultKDFLimits)
	if err == nil || errors.Is(err, ErrKDFLimit) || strings.Contains(err.Error(), "standard settings") {
		t.Errorf("n = 1000: %v", err)
	}
	// The limits themselves, and the heaviest allowed, are derived.
	for _, params := range []map[string]any{{"n": 1 << 19, "r": 8, "p": 1}, {"n": 1 << 20, "r": 4, "p": 4}} {
		_, err := parseKeystore(keystore("scrypt", params), []byte("pw"), defaultKDFLimits)
		if !errors.Is(err, ErrWrongPassword) { // the zero MAC does not match
			t.Errorf("%v: %v", params, err)
		}
	}
	if derivations != 2 {
		t.Errorf("%d derivations for the two allowed files", derivations)
	}
}

var realScryptKey, realPBKDF2Key = scryptKey, pbkdf2Key

// Every keystore a standard wallet writes is within the limits (see
// defaultKDFLimits for where these come from), and so is each with one
// setting doubled.
func TestStandardWalletKDFsAdmitted(t *testing.T) {
	t.Parallel()
	for _, s := range []struct {
		name    string
		n, r, p int
	}{
		{"geth/clef standard", 1 << 18, 8, 1},
		{"geth/clef light", 1 << 12, 8, 6},
		{"ethers.js", 1 << 17, 8, 1},
		{"web3.js", 1 << 13, 8, 1},
		{"eth-keyfile", 1 << 18, 1, 8},
		{"geth standard, n doubled", 1 << 19, 8, 1},
		{"geth standard, p doubled", 1 << 18, 8, 2},
		{"eth-keyfile, p doubled", 1 << 18, 1, 16},
	} {
		if err := checkScrypt(s.n, s.r, s.p, defaultKDFLimits); err != nil {
			t.Errorf("%s: %v", s.name, err)
		}
	}
	for _, c := range []int{10_240, 262_144, 1_000_000, 2_000_000} {
		if err := checkPBKDF2(c, defaultKDFLimits); err != nil {
			t.Errorf("pbkdf2 c = %d: %v", c, err)
		}
	}
}
