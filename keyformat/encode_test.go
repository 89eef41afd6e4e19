package keyformat_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

// TestEncodeRoundTrip writes a key in every format Encode supports, on every
// curve the format allows, and reads it back with Parse.
func TestEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	const secret = "0428fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d"
	light := keyformat.KeystoreOptions{KDF: "pbkdf2", PBKDF2Iterations: 1000}
	for _, f := range []keyformat.Format{keyformat.JSON, keyformat.Hex, keyformat.WIF, keyformat.Keystore} {
		for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
			t.Run(string(f)+"/"+string(c), func(t *testing.T) {
				t.Parallel()
				k := newKey(t, c, secret)
				defer k.Destroy()
				opts := keyformat.EncodeOptions{KeyID: "key-1", Keystore: light}
				if f == keyformat.Keystore {
					opts.Password = []byte("pw")
				}
				data, err := keyformat.Encode(f, k, opts)
				refused := (f == keyformat.WIF || f == keyformat.Keystore) && c != keys.Secp256k1 ||
					f == keyformat.Hex && c == keys.Ed25519
				if refused {
					var fe *keyformat.Error
					if !errors.As(err, &fe) || fe.Format != f {
						t.Fatalf("Encode(%s, %s) = %v, want a *keyformat.Error for %s", f, c, err, f)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasSuffix(data, []byte("\n")) {
					t.Errorf("output does not end with a newline: %q", data[len(data)-1:])
				}
				if f == keyformat.Hex && string(data) != secret+"\n" {
					t.Errorf("hex = %q, want %q", data, secret+"\n")
				}
				s := keyformat.Secrets{Password: opts.Password}
				pc := c
				if f == keyformat.JSON || f.Curve() != "" {
					pc = ""
				}
				back, err := keyformat.Parse(f, pc, data, s)
				if err != nil {
					t.Fatal(err)
				}
				if !back.Equal(k) {
					t.Fatal("the key read back differs")
				}
				back.Destroy()
				if f == keyformat.JSON || f == keyformat.Keystore {
					if id := keyformat.RecordedKeyID(data); id != "key-1" {
						t.Errorf("RecordedKeyID = %q, want key-1", id)
					}
				}
			})
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	t.Parallel()
	k := newKey(t, keys.Secp256k1, "0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d")
	defer k.Destroy()
	for name, tc := range map[string]struct {
		f    keyformat.Format
		k    *keys.PrivateKey
		opts keyformat.EncodeOptions
		want string
	}{
		"unknown format":            {"pem", k, keyformat.EncodeOptions{}, "unknown format"},
		"read-only format":          {keyformat.Mnemonic, k, keyformat.EncodeOptions{}, "not written"},
		"raw is read-only":          {keyformat.Raw, k, keyformat.EncodeOptions{}, "not written"},
		"nil key":                   {keyformat.JSON, nil, keyformat.EncodeOptions{}, "nil key"},
		"keystore needs a password": {keyformat.Keystore, k, keyformat.EncodeOptions{}, "needs a password"},
		"password given to json":    {keyformat.JSON, k, keyformat.EncodeOptions{Password: []byte("pw")}, "only used by the keystore"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := keyformat.Encode(tc.f, tc.k, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestEncodeHexDigits checks the branch-free hex encoder on every byte value.
func TestEncodeHexDigits(t *testing.T) {
	t.Parallel()
	for b := 1; b < 256; b++ {
		raw := make([]byte, 32)
		raw[31], raw[0] = byte(b), 0
		k, err := keys.NewPrivateKey(keys.Secp256k1, raw)
		if err != nil {
			t.Fatal(err)
		}
		got, err := keyformat.Encode(keyformat.Hex, k, keyformat.EncodeOptions{})
		k.Destroy()
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Repeat("00", 31) + string("0123456789abcdef"[b>>4]) + string("0123456789abcdef"[b&15]) + "\n"
		if string(got) != want {
			t.Fatalf("byte %#x: got %q, want %q", b, got, want)
		}
	}
}

// TestCheckEncode checks the pre-flight format check against Encode: it
// refuses exactly what Encode refuses for the curve, with an error that
// wraps keys.ErrInvalidOption.
func TestCheckEncode(t *testing.T) {
	t.Parallel()
	for _, f := range []keyformat.Format{keyformat.JSON, keyformat.Hex, keyformat.WIF, keyformat.Keystore} {
		for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
			err := keyformat.CheckEncode(f, c)
			refused := (f == keyformat.WIF || f == keyformat.Keystore) && c != keys.Secp256k1 ||
				f == keyformat.Hex && c == keys.Ed25519
			if refused != (err != nil) {
				t.Fatalf("CheckEncode(%s, %s) = %v, want refused %v", f, c, err, refused)
			}
			if refused && (!errors.Is(err, keys.ErrInvalidOption) || !strings.Contains(err.Error(), "format json")) {
				t.Fatalf("CheckEncode(%s, %s) = %v, want an invalid option error naming format json", f, c, err)
			}
		}
	}
}
