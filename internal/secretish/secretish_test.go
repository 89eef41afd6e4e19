package secretish

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func TestLooksSecret(t *testing.T) {
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", true},
		{"0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", true},
		{"4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f36231", true}, // 63 digits
		{"-----BEGIN PRIVATE KEY-----\nMC4CAQ\n-----END PRIVATE KEY-----", true},
		{"MC4CAQAwBQYDK2VwBCIEIBx7m0Zr4AQlk8Rb4l9Jc8uWY", true},
		{"L1aW4aubDFB7yfras2S1mN3bqg9nwySY8nkoLmJebSLD5BWv3ENZ", true}, // WIF
		{"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.sig", true},
		{"legal winner thank year wave sausage worth useful legal winner thank yellow", true},
		{"AXMgwf7J9LooFC4tHjymA+l2h5IKdMFgiLLLa5GDkeG0", true}, // a decryption key
		// Paths and ordinary values are shown.
		{"key.hex", false},
		{"/home/alice/keys/treasury.hex", false},
		{"./wallets/2024-migration/batch-0001.jsonl", false},
		{"C:/Users/Alice/Desktop/keys.json", false},
		{"key-01j8w-2abcd-efghijklmnop", false},
		{"3", false},
		{"secp256k1", false},
		{"", false},
		{"deadbeef", false},
		{"my keys/with spaces.json", false},
		{"0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", false}, // an Ethereum address is public
		{"2c7536E3605D9C16a7a3D7b1898e529396a65c23", true},    // bare 40 digits: key material
		{`{"version":3,"crypto":{"ciphertext":"ab"}}`, true},  // a keystore
		{"[12,34,56]", true},                                  // a keypair's JSON array
		{"xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi", true},
	} {
		if got := Looks(c.s); got != c.want {
			t.Errorf("Looks(%q) = %v, want %v", c.s, got, c.want)
		}
	}
}

// Paths are not secrets, however many digits and capitals they have: the
// path flags refuse secret-looking values before opening anything, so a
// false positive would refuse a real file.
func TestPathsAreNotSecrets(t *testing.T) {
	for _, p := range []string{
		"/tmp/TestBulkImportSurvivesSIGKILL3727676719/001/input.jsonl",
		"/tmp/TestBulkImportSurvivesSIGKILL3727676719/001/journal",
		"/tmp/TestBulkImportSurvivesSIGKILL3727676719/001",
		"/var/folders/3k/xn2c5p5d1_9bm3h9zkt1qcf80000gn/T/TestPathFlags123/001/out",
		"var/folders/3k/xn2c5p5d1_9bm3h9zkt1qcf80000gn/T/TestPathFlags123/001/out",
		"TestBulkImportSurvivesSIGKILL3727676719",
		"/Users/Alice/2024/Q3/keys.json",
		"out/Batch2024Q3/Exports",
		"C:/Users/Alice/AppData/Local/Temp/dfnskeys-8F2A/report",
		"./backups/Ledger2023-11-05T10-22-31Z/ETH_Main_0001",
		"/home/bob/.config/dfnskeys/pins-cl-3f9a2b7c1d8e4f60.json",
		"~/Wallets/Treasury2024/keystore-UTC--2024-01-02T03-04-05.678Z--2c7536e3605d9c16",
		"/mnt/Data/Migration_Run_20241207_153000/Report_Final_v2",
		"dfnskeys-rescued-key-01j8w2abcdEFGH-20261207T150405Z.json",
		"/tmp/sim.XXXXXX/credential.pem",
		"/tmp/tmp.Ab3dE5fG7h",
		"Backup2024Q3Run17Part4Final",
		"exports/Backup2024Q3Run17Part4Final",
		"ETH2024Q3Batch07Run12Final",
		"Migration2024Q3Batch07Run12FinalExportETH",
		"Treasury_Wallets-2024Q3-Batch07-Ledger4Nano",
	} {
		if Looks(p) {
			t.Errorf("Looks(%q) = true: a path is refused", p)
		}
	}
}

// Random secrets are caught: 32-byte keys and tokens in base64, base64url
// and base58, and WIF keys.
func TestRandomSecretsAreCaught(t *testing.T) {
	const n = 2000
	b58 := "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	missed := map[string]int{}
	for i := 0; i < n; i++ {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		var s58 strings.Builder // as long as a WIF key
		s58.WriteByte('K')
		for j := 0; j < 51; j++ {
			c := make([]byte, 1)
			_, _ = rand.Read(c)
			s58.WriteByte(b58[int(c[0])%len(b58)])
		}
		for kind, s := range map[string]string{
			"base64":    base64.StdEncoding.EncodeToString(b),
			"base64url": base64.RawURLEncoding.EncodeToString(b),
			"base58":    s58.String(),
			"hex":       hex.EncodeToString(b),
		} {
			if !Looks(s) {
				missed[kind]++
			}
		}
	}
	for kind, m := range missed {
		// The heuristic lets through the few random strings that look
		// like names (about 2.5% of base64, under 1% of base58 and
		// base64url: a base64 string that starts with "/", or changes
		// between digits and letter cases unusually rarely); it must
		// catch at least 95%.
		if m*100 > n*5 {
			t.Errorf("%s: %d of %d random 32-byte secrets not caught", kind, m, n)
		}
	}
	t.Logf("missed of %d: %v", n, missed)
}
