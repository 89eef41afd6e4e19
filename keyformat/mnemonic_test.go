package keyformat_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

const abandonAbout = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

// Addresses of the standard test mnemonic, from BIP-84, BIP-86 and the
// wallets that follow BIP-44 (MetaMask for Ethereum, Phantom and
// solana-keygen for Solana). Every one was recomputed with an independent
// Python implementation of BIP-39, BIP-32, SLIP-0010 and the address
// formats.
func TestParseMnemonicAddresses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		curve keys.Curve
		path  string
		addr  func([]byte) (string, error)
		want  string
	}{
		{"Ethereum default path", keys.Secp256k1, "", ethereumOf, "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"},
		{"Ethereum explicit path", keys.Secp256k1, "m/44'/60'/0'/0/0", ethereumOf, "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"},
		{"BIP-84", keys.Secp256k1, "m/84'/0'/0'/0/0", p2wpkhOf, "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"},
		{"BIP-84 h notation", keys.Secp256k1, "m/84h/0h/0H/0/0", p2wpkhOf, "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"},
		{"BIP-86", keys.Secp256k1, "m/86'/0'/0'/0/0", p2trOf, "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"},
		{"BIP-86 second address", keys.Secp256k1, "m/86'/0'/0'/0/1", p2trOf, "bc1p4qhjn9zdvkux4e44uhx8tc55attvtyu358kutcqkudyccelu0was9fqzwh"},
		{"BIP-86 change address", keys.Secp256k1, "m/86'/0'/0'/1/0", p2trOf, "bc1p3qkhfews2uk44qtvauqyr2ttdsw7svhkl9nkm9s9c3x4ax5h60wqwruhk7"},
		{"Solana default path", keys.Ed25519, "", solanaOf, "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, err := keyformat.ParseMnemonic(tc.curve, []byte(abandonAbout), nil, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer k.Destroy()
			got, err := tc.addr(k.PublicKey())
			if err != nil || got != tc.want {
				t.Errorf("address %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// BIP-84 lists the WIF of its first receiving key.
func TestParseMnemonicBIP84PrivateKey(t *testing.T) {
	t.Parallel()
	k, err := keyformat.ParseMnemonic(keys.Secp256k1, []byte(abandonAbout), nil, "m/84'/0'/0'/0/0")
	if err != nil {
		t.Fatal(err)
	}
	defer k.Destroy()
	w, err := keyformat.EncodeWIF(k, true, false)
	if err != nil || string(w) != "KyZpNDKnfs94vbrwhJneDi77V6jF64PWPF8x5cdJb8ifgg2DUc9d" {
		t.Errorf("WIF %q, %v", w, err)
	}
}

func TestParseMnemonicNormalisation(t *testing.T) {
	t.Parallel()
	want, err := keyformat.ParseMnemonic(keys.Secp256k1, []byte(abandonAbout), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer want.Destroy()
	for _, in := range []string{
		abandonAbout + "\n",
		"  ABANDON Abandon\tabandon\r\nabandon  abandon abandon abandon abandon abandon abandon abandon ABOUT  ",
	} {
		k, err := keyformat.ParseMnemonic(keys.Secp256k1, []byte(in), nil, "")
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if !k.Equal(want) {
			t.Errorf("%q gives a different key", in)
		}
		k.Destroy()
	}
	// A passphrase gives a different wallet.
	k, err := keyformat.ParseMnemonic(keys.Secp256k1, []byte(abandonAbout), []byte("TREZOR"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer k.Destroy()
	if k.Equal(want) {
		t.Error("the passphrase was ignored")
	}
}

// BIP-39 normalises the mnemonic and the passphrase to Unicode NFKD. The
// expected addresses were computed by testdata/crosscheck.py (Python's
// unicodedata, not golang.org/x/text).
func TestParseMnemonicNFKD(t *testing.T) {
	t.Parallel()
	const (
		wantEth    = "0x29d2895E333389de5Ec2B95Ae0a4015266dD5681"
		wantSolana = "492XWCthZL9hDEeV7z5pZutyHY1SLTtRUxCBHmRtmU9K"
	)
	passphrases := map[string]string{
		"composed (NFC)":                  "p\u00e4ssw\u00f6rd \ufb01",
		"decomposed (NFD)":                "pa\u0308sswo\u0308rd \ufb01",
		"compatibility-decomposed (NFKD)": "pa\u0308sswo\u0308rd fi",
	}
	for name, pw := range passphrases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				curve keys.Curve
				addr  func([]byte) (string, error)
				want  string
			}{
				{keys.Secp256k1, ethereumOf, wantEth},
				{keys.Ed25519, solanaOf, wantSolana},
			} {
				k, err := keyformat.ParseMnemonic(tc.curve, []byte(abandonAbout), []byte(pw), "")
				if err != nil {
					t.Fatal(err)
				}
				got, err := tc.addr(k.PublicKey())
				k.Destroy()
				if err != nil || got != tc.want {
					t.Errorf("%s: address %q, %v; want %q", tc.curve, got, err, tc.want)
				}
			}
		})
	}
	// Without normalisation the composed form would derive another wallet.
	// This guards against the test passing because the passphrase is ignored.
	k, err := keyformat.ParseMnemonic(keys.Secp256k1, []byte(abandonAbout), []byte("passwords fi"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer k.Destroy()
	if got, _ := ethereumOf(k.PublicKey()); got == wantEth {
		t.Fatal("a different passphrase derived the same wallet")
	}
}

// Spaces pasted from editors and chat apps (no-break, ideographic, thin)
// become plain spaces under NFKD, so the mnemonic still parses to the same
// wallet.
func TestParseMnemonicCompatibilitySpaces(t *testing.T) {
	t.Parallel()
	for _, sp := range []string{"\u00a0", "\u3000", "\u2009", " \u00a0 "} {
		m := strings.ReplaceAll(abandonAbout, " ", sp)
		k, err := keyformat.ParseMnemonic(keys.Secp256k1, []byte(m), nil, "")
		if err != nil {
			t.Fatalf("separator %+q: %v", sp, err)
		}
		got, _ := ethereumOf(k.PublicKey())
		k.Destroy()
		if got != "0x9858EfFD232B4033E47d90003D41EC34EcaEda94" {
			t.Errorf("separator %+q: address %s", sp, got)
		}
	}
}

func TestParseMnemonicErrors(t *testing.T) {
	t.Parallel()
	words := strings.Fields(abandonAbout)
	with := func(i int, w string) string {
		ws := slices.Clone(words)
		ws[i] = w
		return strings.Join(ws, " ")
	}
	for _, tc := range []struct {
		name       string
		curve      keys.Curve
		mnemonic   string
		passphrase string
		path       string
		want       string
	}{
		{"checksum", keys.Secp256k1, strings.Repeat("abandon ", 12), "", "", "checksum mismatch"},
		{"swapped words", keys.Secp256k1, "legal winner thank year wave sausage worth useful legal winner yellow thank", "", "", "checksum mismatch"},
		{"unknown word", keys.Secp256k1, with(11, "abou"), "", "", "word 12 is not in the BIP-39 English word list"},
		{"long unknown word", keys.Secp256k1, with(3, "abandonment"), "", "", "word 4 is not in"},
		{"digit", keys.Secp256k1, with(0, "abandon1"), "", "", "word 1 is not in"},
		{"11 words", keys.Secp256k1, strings.Join(words[:11], " "), "", "", "11 words; a BIP-39 mnemonic has 12, 15, 18, 21 or 24"},
		{"13 words", keys.Secp256k1, abandonAbout + " zoo", "", "", "13 words"},
		{"25 words", keys.Secp256k1, strings.Repeat("zoo ", 25), "", "", "25 words"},
		{"empty", keys.Secp256k1, " \n", "", "", "0 words"},
		{"non-ASCII mnemonic", keys.Secp256k1, with(0, "abandón"), "", "", "non-ASCII characters; only the English word list"},
		{"passphrase not UTF-8", keys.Secp256k1, abandonAbout, "p\xe4ssword", "", "passphrase is not valid UTF-8"},
		{"mnemonic not UTF-8", keys.Secp256k1, with(0, "\xffabandon"), "", "", "mnemonic is not valid UTF-8"},
		{"stark", keys.Stark, abandonAbout, "", "", "stark keys cannot be derived from a mnemonic"},
		{"unknown curve", "p256", abandonAbout, "", "", `unsupported curve "p256"`},
		{"ed25519 non-hardened step", keys.Ed25519, abandonAbout, "", "m/44'/501'/0'/0", "step 4 is not hardened"},
		{"bad path", keys.Secp256k1, abandonAbout, "", "44'/60'", "must start with \"m\""},
		{"path step too large", keys.Secp256k1, abandonAbout, "", "m/2147483648", "step 1 is not below 2^31"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := keyformat.ParseMnemonic(tc.curve, []byte(tc.mnemonic), []byte(tc.passphrase), tc.path)
			if k != nil {
				t.Fatal("got a key")
			}
			secrets := []string{"abandon", "zoo", "legal", "winner"}
			if tc.passphrase != "" {
				secrets = append(secrets, tc.passphrase)
			}
			wantError(t, err, keyformat.Mnemonic, tc.want, secrets...)
		})
	}
}

// The single-address derivations the tests compare, through
// [address.ForKey].
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

func solanaOf(pub []byte) (string, error) {
	a, err := address.ForKey(keys.Ed25519, pub)
	return a.Solana, err
}
