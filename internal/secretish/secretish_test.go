package secretish

import "testing"

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
	} {
		if got := Looks(c.s); got != c.want {
			t.Errorf("Looks(%q) = %v, want %v", c.s, got, c.want)
		}
	}
}
