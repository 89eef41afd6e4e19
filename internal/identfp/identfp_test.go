package identfp

import (
	"testing"

	"github.com/dfnskeys/dfnskeys/keys"
)

// Every part of an identity counts, and the separators keep one part
// from running into the next.
func TestOf(t *testing.T) {
	base := keys.Identity{Curve: keys.Secp256k1, SchemeName: "ecdsa", PublicKey: "02ab"}
	seen := map[FP]keys.Identity{Of(base): base}
	for _, id := range []keys.Identity{
		{Curve: keys.Secp256k1, SchemeName: "schnorr", PublicKey: "02ab"},
		{Curve: keys.Stark, SchemeName: "ecdsa", PublicKey: "02ab"},
		{Curve: keys.Secp256k1, SchemeName: "ecdsa", PublicKey: "02ac"},
		{Curve: keys.Secp256k1, SchemeName: "ecdsa02", PublicKey: "ab"},
		keys.Identity{PublicKey: base.PublicKey},
	} {
		if prev, ok := seen[Of(id)]; ok {
			t.Fatalf("%+v and %+v have one fingerprint", id, prev)
		}
		seen[Of(id)] = id
	}
	if Of(base) != Of(keys.Identity{Curve: keys.Secp256k1, SchemeName: "ecdsa", PublicKey: "02ab"}) {
		t.Fatal("not deterministic")
	}
}
