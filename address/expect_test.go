package address_test

import (
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/keys"
)

// Every address kind inspect prints (and the testnet forms Match knows)
// makes an expectation that matches its key and no other.
func TestExpect(t *testing.T) {
	t.Parallel()
	eth, err := keys.NewPrivateKey(keys.Secp256k1, mustHex(t, "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"))
	if err != nil {
		t.Fatal(err)
	}
	defer eth.Destroy()
	other, err := keys.GeneratePrivateKey(keys.Secp256k1)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Destroy()
	ed, err := keys.GeneratePrivateKey(keys.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	defer ed.Destroy()
	a, err := address.ForKey(keys.Secp256k1, eth.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	edA, err := address.ForKey(keys.Ed25519, ed.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		addr  string
		curve keys.Curve
		pub   []byte
	}{
		{strings.ToLower(a.Ethereum), keys.Secp256k1, eth.PublicKey()},
		{a.Ethereum, keys.Secp256k1, eth.PublicKey()},
		{a.BitcoinP2WPKH, keys.Secp256k1, eth.PublicKey()},
		{strings.ToUpper(a.BitcoinP2TR), keys.Secp256k1, eth.PublicKey()},
		{a.BitcoinP2PKH, keys.Secp256k1, eth.PublicKey()},
		{a.BitcoinP2SHP2WPKH, keys.Secp256k1, eth.PublicKey()},
		{edA.Solana, keys.Ed25519, ed.PublicKey()},
	}
	for _, c := range cases {
		exp, err := address.Expect(" " + c.addr + "\n")
		if err != nil {
			t.Fatalf("Expect(%s): %v", c.addr, err)
		}
		if err := exp.CheckCurve(c.curve); err != nil {
			t.Errorf("%s: CheckCurve(%s): %v", c.addr, c.curve, err)
		}
		if !exp.Matches(c.curve, c.pub) {
			t.Errorf("%s does not match its own key", c.addr)
		}
		if c.curve == keys.Secp256k1 && exp.Matches(c.curve, other.PublicKey()) {
			t.Errorf("%s matches another key", c.addr)
		}
		if exp.Matches(keys.Stark, c.pub) || exp.CheckCurve(keys.Stark) == nil {
			t.Errorf("%s accepted for a stark key", c.addr)
		}
		if !strings.Contains(exp.String(), strings.TrimSpace(c.addr)) {
			t.Errorf("String() = %q", exp.String())
		}
	}
	exp, _ := address.Expect(a.Ethereum)
	if err := exp.CheckCurve(keys.Ed25519); err == nil || err.Error() != "the expected address is of a secp256k1 key, not ed25519" {
		t.Errorf("CheckCurve(ed25519) = %v", err)
	}
}

// What is not an address is refused, and never printed back: it may be a
// private key pasted by mistake.
func TestExpectRefuses(t *testing.T) {
	t.Parallel()
	secret := "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
	eth := "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
	for _, bad := range []string{
		"",
		secret,
		"0x" + secret,
		"0x2c7536E3605D9C16a7a3D7b1898e529396a65c24",                     // EIP-55 wrong
		strings.Replace(eth, "E", "e", 1),                                // EIP-55 wrong
		"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",                     // bad checksum
		"bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", // P2WSH
		"5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ",            // WIF
		"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",                             // checksum off
		strings.Repeat("z", 200),
	} {
		_, err := address.Expect(bad)
		if err == nil {
			t.Errorf("Expect(%q) accepted", bad)
			continue
		}
		if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("Expect's error prints the value: %v", err)
		}
	}
}

// Expect reads flags: it never panics and never prints its input back.
func FuzzExpect(f *testing.F) {
	for _, s := range []string{"", "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", "bc1qnduq8yy8h4nr7g9vuuglzklqatmaquq9ac42k2", "BC1QNDUQ8YY8H4NR7G9VUUGLZKLQATMAQUQ9AC42K2", "tb1q", "1FB3WSwtExGLQUmNp4AQF66tAwAQp6igW3", "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z", "0x" + strings.Repeat("g", 40), "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		exp, err := address.Expect(s)
		if err != nil {
			if len(strings.TrimSpace(s)) >= 8 && strings.Contains(err.Error(), strings.TrimSpace(s)) {
				t.Fatalf("the error prints the input: %v", err)
			}
			return
		}
		for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
			_ = exp.CheckCurve(c)
			_ = exp.Matches(c, make([]byte, 33))
		}
	})
}
