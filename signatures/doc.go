// Package signatures checks signatures that Dfns makes with a key, so that a
// caller can prove, with its own code, that Dfns signs with the key whose
// public key it computed (docs/protocol.md §7).
//
// [Verify] checks a signature in the wire form Dfns reports, over a 32-byte
// hash that Dfns signs as it is, choosing the check by scheme: ECDSA on
// secp256k1 (CGGMP21 and CGGMP24), StarkNet's ECDSA on stark (CGGMP21 and
// CGGMP24), BIP-340 under the BIP-341 output key with no script tree
// (FROST_BITCOIN) and RFC 8032 Ed25519 (FROST).
//
// The package also holds the wire types of Dfns's signature requests:
// [NewSignRequest] builds the POST /keys/{keyId}/signatures body for a
// scheme and [Request] is Dfns's answer, which carries its [Signature]
// once its status is Signed or Confirmed.
//
// Verification handles only public data, so its variable-time arithmetic
// leaks nothing secret.
package signatures
