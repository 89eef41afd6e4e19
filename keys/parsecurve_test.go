package keys_test

import (
	"testing"

	"github.com/dfnskeys/dfnskeys/keys"
)

func TestParseCurveIgnoresCase(t *testing.T) {
	for in, want := range map[string]keys.Curve{
		"secp256k1": keys.Secp256k1, "Secp256k1": keys.Secp256k1, "SECP256K1": keys.Secp256k1,
		"ed25519": keys.Ed25519, "ED25519": keys.Ed25519, "Stark": keys.Stark,
	} {
		got, err := keys.ParseCurve(in)
		if err != nil || got != want {
			t.Errorf("ParseCurve(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "p256", "secp256k1 ", "ed448"} {
		if _, err := keys.ParseCurve(in); err == nil {
			t.Errorf("ParseCurve(%q) succeeded", in)
		}
	}
}
