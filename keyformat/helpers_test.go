package keyformat_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/base58"
	"github.com/dfnskeys/dfnskeys/keyformat"
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

// keyHex returns the key's 32-byte scalar as hex and destroys the key.
func keyHex(t testing.TB, k *keys.PrivateKey) string {
	t.Helper()
	defer k.Destroy()
	b := k.Bytes()
	defer clear(b)
	return hex.EncodeToString(b)
}

// newKey returns the key with the given hex encoding.
func newKey(t testing.TB, c keys.Curve, h string) *keys.PrivateKey {
	t.Helper()
	k, err := keys.NewPrivateKey(c, mustHex(t, h))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// b58check is base58check, written here independently of the package.
func b58check(payload []byte) string {
	h1 := sha256.Sum256(payload)
	h2 := sha256.Sum256(h1[:])
	return base58.Encode(append(append([]byte(nil), payload...), h2[:4]...))
}

// wantError checks that err is a *keyformat.Error for format f whose
// message contains substr and none of the secrets.
func wantError(t testing.TB, err error, f keyformat.Format, substr string, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", substr)
	}
	var e *keyformat.Error
	if !errors.As(err, &e) || e.Format != f {
		t.Fatalf("error %q (%T) is not a *keyformat.Error for %s", err, err, f)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, string(f)+": ") || !strings.Contains(msg, substr) {
		t.Fatalf("error %q does not start with %q or does not contain %q", msg, ""+string(f)+": ", substr)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(strings.ToLower(msg), strings.ToLower(s)) {
			t.Fatalf("error %q contains the secret %q", msg, s)
		}
	}
}
