package keyformat_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/base58"

	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

// samples returns a key in every format, as a user's file would hold it.
func samples(t *testing.T) map[keyformat.Format][]byte {
	t.Helper()
	secp := newKey(t, keys.Secp256k1, wikiKey)
	t.Cleanup(secp.Destroy)
	enc := func(f keyformat.Format) []byte {
		b, err := keyformat.Encode(f, secp, keyformat.EncodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return map[keyformat.Format][]byte{
		keyformat.Hex:      enc(keyformat.Hex),
		keyformat.Raw:      mustHex(t, wikiKey),
		keyformat.WIF:      enc(keyformat.WIF),
		keyformat.JSON:     enc(keyformat.JSON),
		keyformat.Keystore: lightKeystore(t, secp, "pw", "pbkdf2"),
		keyformat.Solana:   []byte(base58.Encode(mustHex(t, rfcSeed+rfcPub)) + "\n"),
		keyformat.Mnemonic: []byte(abandonAbout + "\n"),
		keyformat.XPRV:     []byte("xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi\n"),
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	for want, data := range samples(t) {
		if got := keyformat.Detect(data); got != want {
			t.Errorf("Detect(%s sample) = %q", want, got)
		}
	}
	for in, want := range map[string]keyformat.Format{
		"0x" + wikiKey:                        keyformat.Hex,
		"\xef\xbb\xbf " + wikiKey[:62] + "\n": keyformat.Hex, // short: hex says how short
		"[1, 2, 3]":                           keyformat.Solana,
		`{"version": 3}`:                      "",
		"hello world":                         "",
		"":                                    "",
		"  \n":                                "",
		"zzzz not base58 0OIl":                "",
	} {
		if got := keyformat.Detect([]byte(in)); got != want {
			t.Errorf("Detect(%q) = %q, want %q", in, got, want)
		}
	}
}

// A key read in the wrong named format is told which format it is in,
// without its bytes in the message.
func TestParseNamesTheFormatTheKeyIsIn(t *testing.T) {
	t.Parallel()
	s := samples(t)
	for _, tc := range []struct {
		named, is keyformat.Format
	}{
		{keyformat.Hex, keyformat.WIF},
		{keyformat.Hex, keyformat.Keystore}, // not json: a keystore is no export document
		{keyformat.Hex, keyformat.JSON},
		{keyformat.Hex, keyformat.Mnemonic},
		{keyformat.WIF, keyformat.Hex},
		{keyformat.Raw, keyformat.Hex},
		{keyformat.Keystore, keyformat.Solana},
		{keyformat.Mnemonic, keyformat.XPRV},
	} {
		var sec keyformat.Secrets
		if tc.named == keyformat.Mnemonic {
			sec.Passphrase = []byte("p")
		}
		if tc.named == keyformat.Keystore {
			sec.Password = []byte("p")
		}
		k, err := keyformat.Parse(tc.named, curveOf(tc.named), s[tc.is], sec)
		if k != nil || err == nil {
			t.Fatalf("%s read as %s: no error", tc.is, tc.named)
		}
		want := "use format " + string(tc.is) + " (--format " + string(tc.is) + ")"
		if !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), string(tc.named)+": ") {
			t.Errorf("%s read as %s: %q, want it to say %q", tc.is, tc.named, err, want)
		}
		for _, line := range bytes.Fields(s[tc.is]) {
			if len(line) >= 8 && strings.Contains(err.Error(), string(line)) {
				t.Errorf("%s read as %s: the error %q echoes the input", tc.is, tc.named, err)
			}
		}
	}
	// A wrong password is not a wrong format.
	_, err := keyformat.Parse(keyformat.Keystore, "", s[keyformat.Keystore], keyformat.Secrets{Password: []byte("wrong")})
	if !errors.Is(err, keyformat.ErrWrongPassword) {
		t.Errorf("wrong password: %v", err)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	s := samples(t)
	asked := []keyformat.Format{}
	secret := func(f keyformat.Format) ([]byte, error) {
		asked = append(asked, f)
		if f == keyformat.Keystore {
			return []byte("pw"), nil
		}
		return []byte{}, nil
	}
	for _, f := range []keyformat.Format{keyformat.Hex, keyformat.Raw, keyformat.WIF, keyformat.JSON, keyformat.Keystore} {
		asked = asked[:0]
		k, err := keyformat.Load(s[f], keyformat.LoadOptions{Curve: keys.Secp256k1, Secret: secret})
		if err != nil {
			t.Fatalf("%s detected: %v", f, err)
		}
		if got := keyHex(t, k); got != wikiKey {
			t.Errorf("%s detected: key %s", f, got)
		}
		k.Destroy()
		if want := f == keyformat.Keystore; want != (len(asked) == 1) {
			t.Errorf("%s: secret asked for %v", f, asked)
		}
	}
	// A format that implies its curve needs none; a named curve that
	// contradicts it is an error.
	k, err := keyformat.Load(s[keyformat.Solana], keyformat.LoadOptions{})
	if err != nil || k.Curve() != keys.Ed25519 {
		t.Fatalf("solana detected: %v", err)
	}
	k.Destroy()
	if _, err := keyformat.Load(s[keyformat.Solana], keyformat.LoadOptions{Curve: keys.Stark}); err == nil {
		t.Error("solana as stark: no error")
	}
	if _, err := keyformat.Load(s[keyformat.Hex], keyformat.LoadOptions{}); err == nil || !strings.Contains(err.Error(), "curve") {
		t.Errorf("hex without a curve: %v", err)
	}
	if _, err := keyformat.Load([]byte("what is this"), keyformat.LoadOptions{Curve: keys.Secp256k1}); err == nil || !strings.Contains(err.Error(), "could not be recognised") || strings.Contains(err.Error(), "what is this") {
		t.Errorf("unrecognisable: %v", err)
	}
	if _, err := keyformat.Load(s[keyformat.Keystore], keyformat.LoadOptions{}); err == nil || !strings.Contains(err.Error(), "keystore password") {
		t.Errorf("keystore without Secret: %v", err)
	}
	// DefaultCurve is the curve of a key whose format implies none and
	// names none, detected or named; it never overrides a format's own
	// curve or the curve a json file names.
	for _, f := range []keyformat.Format{"", keyformat.Hex} {
		k, err := keyformat.Load(s[keyformat.Hex], keyformat.LoadOptions{Format: f, DefaultCurve: keys.Ed25519})
		if err != nil || k.Curve() != keys.Ed25519 {
			t.Fatalf("hex (format %q) with DefaultCurve ed25519: %v", f, err)
		}
		k.Destroy()
	}
	for _, f := range []keyformat.Format{keyformat.Solana, keyformat.JSON} {
		k, err := keyformat.Load(s[f], keyformat.LoadOptions{DefaultCurve: keys.Stark})
		if err != nil || k.Curve() == keys.Stark {
			t.Fatalf("%s with DefaultCurve stark: %v", f, err)
		}
		k.Destroy()
	}
	// Options that do not fit the detected format are refused before the
	// key is parsed, as Check words them, not as a format's error.
	_, err = keyformat.Load(s[keyformat.Hex], keyformat.LoadOptions{DefaultCurve: keys.Secp256k1, Path: "m/0"})
	var fe *keyformat.Error
	if !errors.Is(err, keys.ErrInvalidOption) || errors.As(err, &fe) || err.Error() != "a derivation path (--path) is only for formats mnemonic and xprv" {
		t.Errorf("hex detected with a path: %v", err)
	}
	failing := errors.New("no terminal")
	if _, err := keyformat.Load(s[keyformat.Mnemonic], keyformat.LoadOptions{Curve: keys.Secp256k1, Secret: func(keyformat.Format) ([]byte, error) { return nil, failing }}); !errors.Is(err, failing) {
		t.Errorf("failing Secret: %v", err)
	}
}

func FuzzDetect(f *testing.F) {
	f.Add([]byte(wikiKey))
	f.Add([]byte("0x" + wikiKey))
	f.Add([]byte(abandonAbout))
	f.Add([]byte(`{"type":"dfnskeys-exported-key"}`))
	f.Add([]byte(`{"Crypto":{}}`))
	f.Add([]byte("[1,2]"))
	f.Add([]byte("KyZpNDKnfs94vbrwhJneDi77V6jF64PWPF8x5cdJb8ifgg2DUc9d"))
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := bytes.Clone(data)
		d := keyformat.Detect(data)
		if !bytes.Equal(in, data) {
			t.Fatal("Detect changed its input")
		}
		if d != "" {
			if _, err := keyformat.ParseFormat(string(d)); err != nil {
				t.Fatalf("Detect returned %q", d)
			}
		}
		if keyformat.Detect(data) != d {
			t.Fatal("Detect is not deterministic")
		}
		// Parse in any named format never panics and never returns both.
		for _, f := range keyformat.Formats() {
			if f == keyformat.Keystore || f == keyformat.Mnemonic || f == keyformat.XPRV {
				continue // a KDF, a seed derivation, a required path: covered by their own fuzzers
			}
			k, err := keyformat.Parse(f, curveOf(f), data, keyformat.Secrets{})
			if (k == nil) == (err == nil) {
				t.Fatalf("Parse(%s): key %v, error %v", f, k != nil, err)
			}
			if k != nil {
				k.Destroy()
			}
		}
	})
}

// curveOf is the curve to name with format f: none when the format implies
// one or names it, secp256k1 otherwise.
func curveOf(f keyformat.Format) keys.Curve {
	if f.Curve() != "" || f == keyformat.JSON {
		return ""
	}
	return keys.Secp256k1
}

// TestLoadOptionsCheck checks the options alone, before any key is read:
// what no key could satisfy is refused with an invalid option error, the
// same one Parse returns once it has the key; what needs the format waits
// for it when the format is to be detected.
func TestLoadOptionsCheck(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		opts keyformat.LoadOptions
		want string // "" for no error
	}{
		"hex on secp256k1":          {keyformat.LoadOptions{Format: keyformat.Hex, Curve: keys.Secp256k1}, ""},
		"wif implies its curve":     {keyformat.LoadOptions{Format: keyformat.WIF}, ""},
		"json says its curve":       {keyformat.LoadOptions{Format: keyformat.JSON}, ""},
		"detected, nothing given":   {keyformat.LoadOptions{}, ""},
		"detected, scalar ed25519":  {keyformat.LoadOptions{Curve: keys.Ed25519, Ed25519Scalar: true}, ""},
		"detected, path":            {keyformat.LoadOptions{Curve: keys.Secp256k1, Path: "m/0"}, ""},
		"wif as ed25519":            {keyformat.LoadOptions{Format: keyformat.WIF, Curve: keys.Ed25519}, "format wif keys are secp256k1 keys, not ed25519 (--format, --curve)"},
		"hex without a curve":       {keyformat.LoadOptions{Format: keyformat.Hex}, "a curve is required (--curve): a hex key can be on secp256k1, stark or ed25519"},
		"hex with a default curve":  {keyformat.LoadOptions{Format: keyformat.Hex, DefaultCurve: keys.Secp256k1}, ""},
		"default scalar secp256k1":  {keyformat.LoadOptions{Format: keyformat.Hex, DefaultCurve: keys.Secp256k1, Ed25519Scalar: true}, "the ed25519 scalar form (--ed25519-scalar) is only for ed25519 keys, not secp256k1"},
		"wif ignores the default":   {keyformat.LoadOptions{Format: keyformat.WIF, DefaultCurve: keys.Ed25519}, ""},
		"detected, scalar on stark": {keyformat.LoadOptions{Curve: keys.Stark, Ed25519Scalar: true}, "the ed25519 scalar form (--ed25519-scalar) is only for ed25519 keys, not stark"},
		"scalar on secp256k1 hex":   {keyformat.LoadOptions{Format: keyformat.Hex, Curve: keys.Secp256k1, Ed25519Scalar: true}, "the ed25519 scalar form (--ed25519-scalar) is only for ed25519 keys, not secp256k1"},
		"scalar for a mnemonic":     {keyformat.LoadOptions{Format: keyformat.Mnemonic, Curve: keys.Ed25519, Ed25519Scalar: true}, "the ed25519 scalar form (--ed25519-scalar) is only for formats hex and raw"},
		"scalar for json":           {keyformat.LoadOptions{Format: keyformat.JSON, Ed25519Scalar: true}, "the ed25519 scalar form (--ed25519-scalar) is not needed with format json"},
		"path for hex":              {keyformat.LoadOptions{Format: keyformat.Hex, Curve: keys.Secp256k1, Path: "m/0"}, "a derivation path (--path) is only for formats mnemonic and xprv"},
		"xprv without a path":       {keyformat.LoadOptions{Format: keyformat.XPRV}, "format xprv needs a derivation path (--path)"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := tc.opts.Check()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, keys.ErrInvalidOption) {
				t.Fatalf("Check() = %v, want an invalid option error containing %q", err, tc.want)
			}
			if tc.opts.Format == "" {
				return
			}
			// Load, given a key, refuses the same options the same way.
			_, err = keyformat.Load([]byte("x"), tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, keys.ErrInvalidOption) {
				t.Fatalf("Load() = %v, want an invalid option error containing %q", err, tc.want)
			}
		})
	}
}
