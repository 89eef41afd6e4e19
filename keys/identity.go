package keys

import "strings"

// Identity is what tells one Dfns key from another for the same secret:
// its curve, its signature scheme as Dfns names it (ECDSA, Schnorr, EdDSA)
// and its public key. It is the one definition of "the Dfns key for this
// secret": Client.ImportKey (package dfnskeys) and
// bulk runs all match keys by it. The same secp256k1 key imported for
// ECDSA (CGGMP21 or CGGMP24) and for Schnorr (FROST_BITCOIN) is two Dfns
// keys, and both may be wanted; the protocol within a signature scheme
// does not make another key.
//
// Identities are comparable with ==, and usable as map keys. The zero
// Curve and SchemeName mean unknown (an identity by public key only, as a
// record written before schemes were kept names it).
type Identity struct {
	// Curve is the key's curve.
	Curve Curve
	// SchemeName is the signature scheme, lower-case: ecdsa, schnorr or
	// eddsa.
	SchemeName string
	// PublicKey is the public key, lower-case hex, in Dfns's encoding.
	PublicKey string
}

// Identity returns the key's identity, from the curve, scheme and public
// key Dfns reports (compared case-insensitively).
func (k *Key) Identity() Identity {
	return Identity{Curve: k.Curve, SchemeName: strings.ToLower(k.Scheme), PublicKey: strings.ToLower(strings.TrimSpace(k.PublicKey))}
}
