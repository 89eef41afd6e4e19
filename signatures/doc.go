// Package signatures checks signatures that Dfns makes with a key, so that a
// caller can prove, with its own code, that Dfns signs with the key whose
// public key it computed (docs/protocol.md §7).
//
// [Verify] checks a signature in the wire form Dfns reports, over a 32-byte
// hash that Dfns signs as it is, choosing the check by scheme: ECDSA on
// secp256k1 (CGGMP21 and CGGMP24), StarkNet's ECDSA on stark (CGGMP21 and
// CGGMP24), BIP-340 under the BIP-341 output key with no script tree
// (FROST_BITCOIN) and RFC 8032 Ed25519 (FROST). [ProofHash] derives the hash
// a proof signs from the proof's externalId (so that a retried or rerun
// proof asks Dfns for the same request), and [NewProofHash] makes a fresh
// random one; every kind can sign either.
//
// The package also holds the wire types of Dfns's signature requests:
// [NewSignRequest] builds the POST /keys/{keyId}/signatures body for a
// scheme ([SchemeOf] reads a key's), [Request] is Dfns's answer and
// [IsSigned] says whether its status carries a signature.
//
// Verification handles only public data, so its variable-time arithmetic
// leaks nothing secret.
package signatures
