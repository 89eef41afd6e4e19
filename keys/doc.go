// Package keys builds Dfns key-import requests and recovers key exports
// offline, exactly as the public source of Dfns's reference client does
// (docs/protocol.md §2–5).
//
// Import: [NewPrivateKey] (or [NewEd25519PrivateKeyFromScalar]) holds the
// secret; dfnskeys.ImportTarget.Plan orders the cluster's signers, splits
// the key into Shamir shares, encrypts each share to its signer and returns
// the POST /keys/import body. The whole key never leaves the process.
//
// Export: [NewExportContext] makes a one-time envelope key pair;
// [ExportContext.Request] is the POST /keys/{keyId}/export body, and
// [ExportContext.Recover] decrypts the signers' shares, recombines them and
// checks the result against the key's public key. The response's public
// key is the API's word: [ExportContext.Recover] with an [Expectation]
// (from [ParseExpectedPublicKey], [ExpectIdentity] or package address)
// binds the recovery to the key the user knows, returning an
// [*UnexpectedKeyError] and no key for another one (docs/threat-model.md
// §2); with the cluster's signer IDs it refuses shares from any other
// signer (§7).
//
// Supported protocol/curve pairs: CGGMP24 and CGGMP21 on secp256k1 and stark,
// FROST_BITCOIN/secp256k1 and FROST/ed25519. CGGMP24 is the default for ECDSA
// keys, as in Dfns's own client; both CGGMP protocols carry the same shares
// (docs/protocol.md §2). Other pairs, and master keys, are rejected, never
// guessed.
//
// # Constant time
//
// Secrets are held as fixed-size byte arrays and compared with
// crypto/subtle. Splitting, encryption and recombination inherit the timing
// properties documented in internal/sharding and the encryption package: scalar
// arithmetic is constant time on every curve; point multiplications are
// variable time on secp256k1 and stark.
package keys
