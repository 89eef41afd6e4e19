// Package keys builds Dfns key-import requests and recovers key exports
// offline, exactly as Dfns's reference client does (WIRE §2–5).
//
// Import: [NewPrivateKey] (or [NewEd25519PrivateKeyFromScalar]) holds the
// secret; [BuildImportRequest] orders the cluster's signers, splits the key
// into Shamir shares, encrypts each share to its signer and returns the
// POST /keys/import body. The whole key never leaves the process.
//
// Export: [NewExportContext] makes a one-time envelope key pair;
// [ExportContext.Request] is the POST /keys/{keyId}/export body, and
// [ExportContext.Recover] decrypts the signers' shares, recombines them and
// checks the result against the key's public key.
//
// Supported protocol/curve pairs: CGGMP21/secp256k1, FROST_BITCOIN/secp256k1,
// CGGMP21/stark and FROST/ed25519. Other pairs are rejected, never guessed.
//
// # Constant time
//
// Secrets are held as fixed-size byte arrays and compared with
// crypto/subtle. Splitting, encryption and recombination inherit the timing
// properties documented in the sharding and encryption packages: scalar
// arithmetic is constant time on every curve; point multiplications are
// variable time on secp256k1 and stark.
package keys
