package keyformat_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/base58"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for _, f := range keyformat.Formats() {
		for _, name := range []string{string(f), strings.ToUpper(string(f))} {
			if got, err := keyformat.ParseFormat(name); err != nil || got != f {
				t.Errorf("ParseFormat(%q) = %q, %v", name, got, err)
			}
		}
	}
	for _, name := range []string{"", "pem", "xpub", "hex "} {
		_, err := keyformat.ParseFormat(name)
		if err == nil || !strings.Contains(err.Error(), "supported formats are hex, raw, ") {
			t.Errorf("ParseFormat(%q) error = %v", name, err)
			continue
		}
		for _, f := range keyformat.Formats() {
			if !strings.Contains(err.Error(), string(f)) {
				t.Errorf("ParseFormat(%q) error %q does not list %s", name, err, f)
			}
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	secp := newKey(t, keys.Secp256k1, wikiKey)
	defer secp.Destroy()
	ed := newKey(t, keys.Ed25519, rfcSeed)
	defer ed.Destroy()
	ks := lightKeystore(t, secp, "pw", "pbkdf2")
	kp := base58.Encode(mustHex(t, rfcSeed+rfcPub))
	mn, err := keyformat.ParseMnemonic(keys.Ed25519, []byte(abandonAbout), []byte("x"), "m/0'")
	if err != nil {
		t.Fatal(err)
	}
	defer mn.Destroy()

	for _, tc := range []struct {
		name   string
		format keyformat.Format
		curve  keys.Curve
		data   string
		s      keyformat.Secrets
		want   *keys.PrivateKey
	}{
		{"hex", keyformat.Hex, keys.Secp256k1, "0x" + wikiKey, keyformat.Secrets{}, secp},
		{"hex upper-case format name", "HEX", keys.Secp256k1, wikiKey, keyformat.Secrets{}, secp},
		{"raw", keyformat.Raw, keys.Ed25519, string(mustHex(t, rfcSeed)), keyformat.Secrets{}, ed},
		{"raw scalar", keyformat.Raw, keys.Ed25519, string(ed.Bytes()), keyformat.Secrets{Ed25519Scalar: true}, ed},
		{"wif", keyformat.WIF, "", wifVectors[1].wif, keyformat.Secrets{}, secp},
		{"wif with curve", keyformat.WIF, keys.Secp256k1, wifVectors[1].wif, keyformat.Secrets{}, secp},
		{"keystore", keyformat.Keystore, "", string(ks), keyformat.Secrets{Password: []byte("pw")}, secp},
		{"solana", keyformat.Solana, "", kp, keyformat.Secrets{}, ed},
		{"solana with curve", keyformat.Solana, keys.Ed25519, kp, keyformat.Secrets{}, ed},
		{"mnemonic", keyformat.Mnemonic, keys.Ed25519, abandonAbout, keyformat.Secrets{Passphrase: []byte("x"), Path: "m/0'"}, mn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := keyformat.Parse(tc.format, tc.curve, []byte(tc.data), tc.s)
			if err != nil {
				t.Fatal(err)
			}
			defer k.Destroy()
			if !k.Equal(tc.want) {
				t.Error("wrong key")
			}
		})
	}

	for _, tc := range []struct {
		name   string
		format keyformat.Format
		curve  keys.Curve
		s      keyformat.Secrets
		want   string
	}{
		{"wif as ed25519", keyformat.WIF, keys.Ed25519, keyformat.Secrets{}, "format wif keys are secp256k1 keys, not ed25519 (--format, --curve)"},
		{"keystore as stark", keyformat.Keystore, keys.Stark, keyformat.Secrets{}, "secp256k1 keys, not stark (--format, --curve)"},
		{"solana as secp256k1", keyformat.Solana, keys.Secp256k1, keyformat.Secrets{}, "ed25519 keys, not secp256k1 (--format, --curve)"},
		{"hex without curve", keyformat.Hex, "", keyformat.Secrets{}, "a curve is required"},
		{"mnemonic without curve", keyformat.Mnemonic, "", keyformat.Secrets{}, "a curve is required"},
		{"password for hex", keyformat.Hex, keys.Secp256k1, keyformat.Secrets{Password: []byte("pw")}, "a password is only used by the keystore format"},
		{"passphrase for wif", keyformat.WIF, "", keyformat.Secrets{Passphrase: []byte("pw")}, "a passphrase is only used by the mnemonic format"},
		{"path for keystore", keyformat.Keystore, "", keyformat.Secrets{Path: "m/0"}, "a derivation path (--path) is only for formats mnemonic and xprv"},
		{"scalar for mnemonic", keyformat.Mnemonic, keys.Ed25519, keyformat.Secrets{Ed25519Scalar: true}, "the ed25519 scalar form (--ed25519-scalar) is only for formats hex and raw"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := keyformat.Parse(tc.format, tc.curve, []byte("x"), tc.s)
			wantError(t, err, tc.format, tc.want, "pw")
		})
	}
	if _, err := keyformat.Parse("pem", keys.Secp256k1, nil, keyformat.Secrets{}); err == nil || !strings.Contains(err.Error(), `unknown format "pem"`) {
		t.Errorf("unknown format: %v", err)
	}
}

func TestSecretsRedacted(t *testing.T) {
	t.Parallel()
	s := keyformat.Secrets{Password: []byte("hunter2"), Passphrase: []byte("correct horse"), Path: "m/0'", Ed25519Scalar: true}
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		fmt.Fprintf(&out, verb+"\n", s)
		fmt.Fprintf(&out, verb+"\n", &s)
		fmt.Fprintf(&out, verb+"\n", struct{ S keyformat.Secrets }{s})
	}
	js, err := json.Marshal(struct{ S keyformat.Secrets }{s})
	if err != nil {
		t.Fatal(err)
	}
	out.Write(js)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("secrets", "s", s)
	slog.New(slog.NewTextHandler(&out, nil)).Info("secrets", "s", s)
	for _, secret := range []string{"hunter2", "correct horse", "68756e74657232", "[104 117"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("output reveals %q:\n%s", secret, out.String())
		}
	}
}

func TestErrorUnwrap(t *testing.T) {
	t.Parallel()
	_, err := keyformat.ParseKeystore(readFile(t, "testdata/web3-pbkdf2.json"), []byte("wrong"))
	var e *keyformat.Error
	if !errors.As(err, &e) || e.Format != keyformat.Keystore || !errors.Is(err, keyformat.ErrWrongPassword) || e.Unwrap() != keyformat.ErrWrongPassword {
		t.Errorf("error %v does not unwrap to ErrWrongPassword", err)
	}
	if got, want := err.Error(), "keystore: wrong password or corrupted keystore"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
}

func TestSecretsClear(t *testing.T) {
	t.Parallel()
	pw, pp := []byte("hunter2"), []byte("correct horse")
	s := keyformat.Secrets{Password: pw, Passphrase: pp}
	s.Clear()
	if !bytes.Equal(pw, make([]byte, len(pw))) || !bytes.Equal(pp, make([]byte, len(pp))) {
		t.Error("Clear left secret bytes")
	}
}
