// Package identfp fingerprints Dfns key identities: the one hash the
// client's index of imported keys and bulk's on-disk index both key by.
package identfp

import (
	"crypto/sha256"

	"github.com/dfnskeys/dfnskeys/keys"
)

// FP is a key identity's fingerprint.
type FP [16]byte

// Of is the fingerprint of a Dfns key's identity (see [keys.Identity]):
// the first 16 bytes of a SHA-256 over its curve, scheme name and public
// key. Collisions among even billions of keys are out of reach (about
// 2^-65 for 2^32 keys); it is never stored, only rebuilt.
func Of(id keys.Identity) FP {
	h := sha256.New()
	h.Write([]byte(id.Curve))
	h.Write([]byte{0})
	h.Write([]byte(id.SchemeName))
	h.Write([]byte{0})
	h.Write([]byte(id.PublicKey))
	var fp FP
	copy(fp[:], h.Sum(nil))
	return fp
}
