// Package signatures checks signatures that Dfns makes with a key, so that a
// caller can prove, with its own code, that Dfns signs with the key whose
// public key it computed (docs/protocol.md §7).
//
// Each kind of key has its own check, all over a 32-byte hash that Dfns
// signs as it is: [VerifySecp256k1ECDSA] (CGGMP21 and CGGMP24 on
// secp256k1), [VerifyStarkECDSA] (CGGMP21 and CGGMP24 on stark, StarkNet's
// ECDSA), [VerifyTaproot] (FROST_BITCOIN: BIP-340 under the BIP-341 output
// key with no script tree) and [VerifyEd25519] (FROST: RFC 8032). [Verify]
// chooses by scheme and reads the wire form of a signature; [ProofHash]
// derives the hash a proof signs from the proof's externalId (so that a
// retried or rerun proof asks Dfns for the same request), and
// [NewProofHash] makes a fresh random one; every kind can sign either.
// [VerifyBIP340] checks a BIP-340 signature under an x-only key.
//
// The package also holds the wire types of Dfns's signature requests:
// [NewSignRequest] builds the POST /keys/{keyId}/signatures body for a
// scheme ([SchemeOf] reads a key's), [Request] is Dfns's answer and
// [IsSigned] says whether its status carries a signature.
//
// Verification handles only public data, so its variable-time arithmetic
// leaks nothing secret.
package signatures
