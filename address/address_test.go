package address_test

import (
	"encoding/hex"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/dfnskeys/dfnskeys/address"
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

func publicKey(t testing.TB, c keys.Curve, priv string) []byte {
	t.Helper()
	if len(priv) < 64 { // short test vectors: keys are 32 bytes
		priv = strings.Repeat("0", 64-len(priv)) + priv
	}
	k, err := keys.NewPrivateKey(c, mustHex(t, priv))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Destroy()
	return k.PublicKey()
}

func uncompressed(t testing.TB, pub []byte) []byte {
	t.Helper()
	p, err := secp256k1.ParsePubKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return p.SerializeUncompressed()
}

// Ethereum addresses of well-known keys: 1, and the example key of the
// web3.js and ethers documentation. Both were recomputed with an
// independent Python implementation (secp256k1 and keccak256 written from
// their specifications).
func TestEthereum(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ priv, want string }{
		{"01", "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"},
		{"4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"},
	} {
		pub := publicKey(t, keys.Secp256k1, tc.priv)
		for _, in := range [][]byte{pub, uncompressed(t, pub)} {
			got, err := ethereumOf(in)
			if err != nil || got != tc.want {
				t.Errorf("Ethereum(%x) = %q, %v; want %q", in, got, err, tc.want)
			}
		}
	}
}

// Bitcoin addresses of the BIP-84 and BIP-86 test vectors (mnemonic
// "abandon … about"; the public keys are the vectors' own).
func TestBitcoin(t *testing.T) {
	t.Parallel()
	t.Run("BIP-84 m/84'/0'/0'/0/0", func(t *testing.T) {
		pub := mustHex(t, "0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c")
		for _, in := range [][]byte{pub, uncompressed(t, pub)} {
			got, err := p2wpkhOf(in)
			if want := "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"; err != nil || got != want {
				t.Errorf("BitcoinP2WPKH(%x) = %q, %v; want %q", in, got, err, want)
			}
		}
	})
	for _, tc := range []struct{ name, pub, want string }{
		{"BIP-86 m/86'/0'/0'/0/0", "03cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115", "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"},
		{"BIP-86 m/86'/0'/0'/0/1", "0283dfe85a3151d2517290da461fe2815591ef69f2b18a2ce63f01697a8b313145", "bc1p4qhjn9zdvkux4e44uhx8tc55attvtyu358kutcqkudyccelu0was9fqzwh"},
		{"BIP-86 m/86'/0'/0'/1/0", "02399f1b2f4393f29a18c937859c5dd8a77350103157eb880f02e8c08214277cef", "bc1p3qkhfews2uk44qtvauqyr2ttdsw7svhkl9nkm9s9c3x4ax5h60wqwruhk7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pub := mustHex(t, tc.pub)
			// The output key depends on x(P) only: both parities give the same address.
			flipped := append([]byte{pub[0] ^ 1}, pub[1:]...)
			for _, in := range [][]byte{pub, uncompressed(t, pub), flipped} {
				got, err := p2trOf(in)
				if err != nil || got != tc.want {
					t.Errorf("BitcoinP2TR(%x) = %q, %v; want %q", in, got, err, tc.want)
				}
			}
		})
	}
}

// Solana address of RFC 8032's test 1 key (base58 cross-checked in Python).
func TestSolana(t *testing.T) {
	t.Parallel()
	pub := mustHex(t, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
	if got := publicKey(t, keys.Ed25519, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"); hex.EncodeToString(got) != hex.EncodeToString(pub) {
		t.Fatalf("RFC 8032 test 1 public key = %x", got)
	}
	got, err := solanaOf(pub)
	if want := "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z"; err != nil || got != want {
		t.Errorf("Solana = %q, %v; want %q", got, err, want)
	}
}

func TestForKey(t *testing.T) {
	t.Parallel()
	secp := publicKey(t, keys.Secp256k1, "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
	a, err := address.ForKey(keys.Secp256k1, secp)
	if err != nil {
		t.Fatal(err)
	}
	if a.Ethereum != "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23" ||
		!strings.HasPrefix(a.BitcoinP2WPKH, "bc1q") || !strings.HasPrefix(a.BitcoinP2TR, "bc1p") || a.Solana != "" {
		t.Errorf("ForKey(secp256k1) = %+v", a)
	}
	js, _ := json.Marshal(a)
	if want := `{"ethereum":"0x2c7536E3605D9C16a7a3D7b1898e529396a65c23","bitcoinP2wpkh":"` + a.BitcoinP2WPKH + `","bitcoinP2tr":"` + a.BitcoinP2TR +
		`","bitcoinP2pkh":"1FB3WSwtExGLQUmNp4AQF66tAwAQp6igW3","bitcoinP2shP2wpkh":"36WJjPWBv8vhG8Wd4eBZwXGtyVr1Gw7g77"}`; string(js) != want {
		t.Errorf("JSON = %s, want %s", js, want)
	}

	ed := publicKey(t, keys.Ed25519, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	a, err = address.ForKey(keys.Ed25519, ed)
	if err != nil || !reflect.DeepEqual(a, address.Addresses{Solana: "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z"}) {
		t.Errorf("ForKey(ed25519) = %+v, %v", a, err)
	}
	js, _ = json.Marshal(a)
	if want := `{"solana":"FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z"}`; string(js) != want {
		t.Errorf("JSON = %s, want %s", js, want)
	}

	stark := publicKey(t, keys.Stark, "01")
	if a, err := address.ForKey(keys.Stark, stark); err != nil || a != (address.Addresses{}) {
		t.Errorf("ForKey(stark) = %+v, %v; want no addresses", a, err)
	}
	if _, err := address.ForKey("p256", secp); err == nil {
		t.Error("ForKey accepted an unknown curve")
	}
	if _, err := address.ForKey(keys.Secp256k1, ed); err == nil {
		t.Error("ForKey(secp256k1) accepted a 32-byte key")
	}
	if _, err := address.ForKey(keys.Ed25519, secp); err == nil {
		t.Error("ForKey(ed25519) accepted a 33-byte key")
	}
}

func TestInvalidPublicKeys(t *testing.T) {
	t.Parallel()
	valid := publicKey(t, keys.Secp256k1, "01")
	u := uncompressed(t, valid)
	hybrid := append([]byte{6 + u[64]&1}, u[1:]...)
	offCurve := append([]byte{2}, make([]byte, 32)...) // x = 0: 7 is not a square mod p
	badY := append([]byte(nil), u...)
	badY[64] ^= 1
	for name, pub := range map[string][]byte{
		"empty":            nil,
		"32 bytes":         valid[1:],
		"34 bytes":         append(append([]byte(nil), valid...), 0),
		"prefix 04 on 33":  append([]byte{4}, valid[1:]...),
		"prefix 02 on 65":  append([]byte{2}, u[1:]...),
		"hybrid":           hybrid,
		"x not on curve":   offCurve,
		"y not on curve":   badY,
		"x above field":    append([]byte{2}, mustHex(t, "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0")...),
		"uncompressed x=0": append([]byte{4}, make([]byte, 64)...),
	} {
		for fn, f := range map[string]func([]byte) (string, error){
			"Ethereum": ethereumOf, "BitcoinP2WPKH": p2wpkhOf, "BitcoinP2TR": p2trOf,
		} {
			if a, err := f(pub); err == nil || !ownError(err) {
				t.Errorf("%s(%s) = %q, %v; want an address: error", fn, name, a, err)
			}
		}
	}
	for _, n := range []int{0, 31, 33, 64} {
		if _, err := solanaOf(make([]byte, n)); err == nil {
			t.Errorf("Solana accepted %d bytes", n)
		}
	}
}

func TestAddressesHas(t *testing.T) {
	t.Parallel()
	a, err := address.ForKey(keys.Secp256k1, publicKey(t, keys.Secp256k1, "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"))
	if err != nil {
		t.Fatal(err)
	}
	sol := address.Addresses{Solana: "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z"}
	for _, tc := range []struct {
		a    address.Addresses
		s    string
		want bool
	}{
		{a, "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", true},
		{a, " 0x2c7536E3605D9C16a7a3D7b1898e529396a65c23\n", true},
		{a, "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23", true},
		{a, "0x2C7536E3605D9C16A7A3D7B1898E529396A65C23", true},
		{a, "0X2C7536E3605D9C16A7A3D7B1898E529396A65C23", true},
		{a, "0x2c7536E3605D9C16a7a3D7b1898e529396a65C23", false}, // one letter's case wrong: bad EIP-55 checksum
		{a, "2c7536E3605D9C16a7a3D7b1898e529396a65c23", false},
		{a, "0x2c7536E3605D9C16a7a3D7b1898e529396a65c24", false},
		{a, "bc1qnduq8yy8h4nr7g9vuuglzklqatmaquq9ac42k2", true},
		{a, "BC1QNDUQ8YY8H4NR7G9VUUGLZKLQATMAQUQ9AC42K2", true},
		{a, "bc1QNDUQ8YY8H4NR7G9VUUGLZKLQATMAQUQ9AC42K2", false},
		{a, "bc1pv5t8d9dxy577s0vpq8u79qkvyrguursfkh5fhlcnckf5f26y647sgwjtq3", true},
		{a, "bc1pv5t8d9dxy577s0vpq8u79qkvyrguursfkh5fhlcnckf5f26y647sgwjtq4", false},
		{a, "", false},
		{a, "0x", false},
		{address.Addresses{}, "", false},
		{sol, "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z", true},
		{sol, "fven3x669xlzsi6n2v91doiyzhzg1uagqit8jz9ns96z", false},
		{sol, "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", false},
	} {
		if _, got := tc.a.Match(tc.s); got != tc.want {
			t.Errorf("%+v.Match(%q) = %v, want %v", tc.a, tc.s, got, tc.want)
		}
	}
}

func TestAddressesList(t *testing.T) {
	t.Parallel()
	a := address.Addresses{Ethereum: "e", BitcoinP2WPKH: "w", BitcoinP2TR: "t"}
	want := []address.Address{{Kind: "ethereum", Address: "e"}, {Kind: "bitcoinP2wpkh", Address: "w"}, {Kind: "bitcoinP2tr", Address: "t"}}
	if got := a.List(); !slices.Equal(got, want) {
		t.Errorf("List() = %v, want %v", got, want)
	}
	if got := (address.Addresses{Solana: "s"}).List(); !slices.Equal(got, []address.Address{{Kind: "solana", Address: "s"}}) {
		t.Errorf("List() = %v", got)
	}
	if got := (address.Addresses{}).List(); len(got) != 0 {
		t.Errorf("List() of no addresses = %v", got)
	}
	// Kinds are the JSON names of the fields.
	full := address.Addresses{Ethereum: "e", BitcoinP2WPKH: "w", BitcoinP2TR: "t", BitcoinP2PKH: "1", BitcoinP2SHP2WPKH: "3", Solana: "s"}
	if got := full.List(); len(got) != 6 || got[3].Kind != "bitcoinP2pkh" || got[4].Kind != "bitcoinP2shP2wpkh" {
		t.Errorf("List() = %v", got)
	}
	js, _ := json.Marshal(full)
	var m map[string]string
	_ = json.Unmarshal(js, &m)
	for _, x := range full.List() {
		if m[x.Kind] != x.Address {
			t.Errorf("kind %q is not the JSON name of %q", x.Kind, x.Address)
		}
	}
}

// Legacy and nested SegWit addresses against published wallet vectors
// (key 1; BIP-44's and BIP-49's first address of the "abandon … about"
// mnemonic), all recomputed by keyformat/testdata/crosscheck.py.
func TestLegacyAddresses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, pub, p2pkh, p2sh string
	}{
		{"key 1", "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH", "3JvL6Ymt8MVWiCNHC7oWU6nLeHNJKLZGLN"},
		{"BIP-44 m/44'/0'/0'/0/0", "03aaeb52dd7494c361049de67cc680e83ebcbbbdbeb13637d92cd845f70308af5e", "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA", ""},
		{"BIP-49 m/49'/0'/0'/0/0", "039b3b694b8fc5b5e07fb069c783cac754f5d38c3e08bed1960e31fdb1dda35c24", "", "37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pub := mustHex(t, tc.pub)
			for _, in := range [][]byte{pub, uncompressed(t, pub)} {
				if tc.p2pkh != "" {
					if got, err := p2pkhOf(in); err != nil || got != tc.p2pkh {
						t.Errorf("BitcoinP2PKH = %q, %v; want %q", got, err, tc.p2pkh)
					}
				}
				if tc.p2sh != "" {
					if got, err := p2shP2wpkhOf(in); err != nil || got != tc.p2sh {
						t.Errorf("BitcoinP2SHP2WPKH = %q, %v; want %q", got, err, tc.p2sh)
					}
				}
			}
		})
	}
}

// Match says which address matched, recognises the same key's testnet
// forms and its uncompressed-key legacy address, and nothing else.
func TestAddressesMatch(t *testing.T) {
	t.Parallel()
	one, err := address.ForKey(keys.Secp256k1, mustHex(t, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"))
	if err != nil {
		t.Fatal(err)
	}
	bip49, err := address.ForKey(keys.Secp256k1, mustHex(t, "03a1af804ac108a8a51782198c2d034b28bf90c8803f5a53f76276fa69a4eae77f"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		a        address.Addresses
		s, kind  string
		wantBool bool
	}{
		{one, "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", "ethereum", true},
		{one, "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH", "bitcoinP2pkh", true},
		{one, "3JvL6Ymt8MVWiCNHC7oWU6nLeHNJKLZGLN", "bitcoinP2shP2wpkh", true},
		{one, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "bitcoinP2wpkh", true},
		{one, "1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZm", "bitcoinP2pkhUncompressed", true},
		{one, "mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r", "bitcoinP2pkh (testnet)", true},
		{one, "2NAUYAHhujozruyzpsFRP63mbrdaU5wnEpN", "bitcoinP2shP2wpkh (testnet)", true},
		{one, "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "bitcoinP2wpkh (testnet)", true},
		{one, "TB1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KXPJZSX", "bitcoinP2wpkh (testnet)", true},
		// BIP-49's own testnet vector, for m/49'/1'/0'/0/0.
		{bip49, "2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2", "bitcoinP2shP2wpkh (testnet)", true},
		{one, "1bgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH", "", false},  // base58 is case-sensitive
		{one, "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMJ", "", false},  // checksum
		{one, "3JvL6Ymt8MVWiCNHC7oWU6nLeHNJKLZGLN1", "", false}, // extra character
		{one, "2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2", "", false}, // another key's
		{one, "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA", "", false},  // another key's
		{one, "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsy", "", false},
	} {
		kind, ok := tc.a.Match(tc.s)
		if ok != tc.wantBool || kind != tc.kind {
			t.Errorf("Match(%q) = %q, %v; want %q, %v", tc.s, kind, ok, tc.kind, tc.wantBool)
		}
	}
	for _, x := range one.List() {
		if x.Kind == "bitcoinP2pkhUncompressed" {
			t.Error("the uncompressed-key address is listed")
		}
	}
}

// FuzzMatch feeds arbitrary text, as a user could type it after
// --expect-address, to Match: it must never panic, and only the key's own
// addresses (or their testnet and uncompressed forms) may match.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH", "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "2NAUYAHhujozruyzpsFRP63mbrdaU5wnEpN", "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", "", "0x", "1", "bc1"} {
		f.Add(s)
	}
	pub, _ := hex.DecodeString("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
	a, err := address.ForKey(keys.Secp256k1, pub)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kind, ok := a.Match(s)
		if ok == (kind == "") {
			t.Fatalf("Match(%q) = %q, %v", s, kind, ok)
		}
	})
}

// ownError reports whether err reads as this package's own message rather
// than a library's passed through bare or one prefixed with a package name.
func ownError(err error) bool {
	msg := err.Error()
	return msg != "" && !strings.HasPrefix(msg, "address:") && !strings.HasPrefix(msg, "secp256k1:") && !strings.HasPrefix(msg, "malformed public key")
}

// The single-address derivations, through [address.ForKey], the one way.
func ethereumOf(pub []byte) (string, error) {
	a, err := address.ForKey(keys.Secp256k1, pub)
	return a.Ethereum, err
}

func p2wpkhOf(pub []byte) (string, error) {
	a, err := address.ForKey(keys.Secp256k1, pub)
	return a.BitcoinP2WPKH, err
}

func p2trOf(pub []byte) (string, error) {
	a, err := address.ForKey(keys.Secp256k1, pub)
	return a.BitcoinP2TR, err
}

func p2pkhOf(pub []byte) (string, error) {
	a, err := address.ForKey(keys.Secp256k1, pub)
	return a.BitcoinP2PKH, err
}

func p2shP2wpkhOf(pub []byte) (string, error) {
	a, err := address.ForKey(keys.Secp256k1, pub)
	return a.BitcoinP2SHP2WPKH, err
}

func solanaOf(pub []byte) (string, error) {
	a, err := address.ForKey(keys.Ed25519, pub)
	return a.Solana, err
}
