package signatures_test

import (
	"crypto/rand"
	"testing"

	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signatures"
)

// FuzzVerify feeds hostile signature fields (as a server could send them)
// and public keys to Verify for every scheme: it must never panic, and a
// signature made for one hash must never verify for another.
func FuzzVerify(f *testing.F) {
	f.Add(uint8(0), "0x01", "0x02", []byte{2, 1}, []byte("hash"))
	f.Add(uint8(3), "0x"+string(make([]byte, 64)), "zz", []byte{3}, []byte{})
	f.Add(uint8(5), "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "0x0", make([]byte, 32), make([]byte, 32))
	schemes := keys.SupportedSchemes()
	f.Fuzz(func(t *testing.T, which uint8, r, s string, pub, hash []byte) {
		scheme := schemes[int(which)%len(schemes)]
		sig := &signatures.Signature{R: r, S: s}
		_ = signatures.Verify(scheme, pub, hash, sig)
		// With a real key and a random hash, the fuzzed r and s must not
		// verify (a forgery would be a bug, or a miracle).
		k, err := keys.GeneratePrivateKey(scheme.Curve)
		if err != nil {
			t.Fatal(err)
		}
		random := make([]byte, 32)
		_, _ = rand.Read(random)
		random[0] &= 0x07 // below 2^251: a hash every curve can sign
		if signatures.Verify(scheme, k.PublicKey(), random, sig) == nil {
			t.Fatalf("%s: a fuzzed signature (r %q, s %q) verified under a fresh key", scheme, r, s)
		}
	})
}
