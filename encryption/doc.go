// Package encryption implements the ECIES envelope Dfns uses to carry key
// shares between a client and the signers of a cluster (docs/protocol.md §3).
//
// An [EncryptionKey] is a version byte (1) followed by a SEC1-compressed
// secp256k1 point; a [DecryptionKey] is a version byte followed by a 32-byte
// big-endian scalar. [Encrypt] draws a fresh ephemeral scalar k, derives
// S = compressed(k·EK) (all 33 bytes), expands it with
// HKDF-SHA256(salt "DFNS_KEY_IMPORT", info "ENCRYPTION_KEY") into an AES-256
// key, seals with AES-256-GCM under an all-zero nonce and no associated data,
// and appends the compressed ephemeral point k·G to the ciphertext and tag.
// The zero nonce is safe only because every message uses a fresh k.
//
// # Constant time
//
// Scalar parsing and comparison use dcrd's constant-time ModNScalar, and
// decryption keys are compared in constant time. The elliptic-curve
// multiplications (k·G, k·EK and d·E) use dcrd's ScalarBaseMultNonConst and
// ScalarMultNonConst, which are variable time: dcrd offers no constant-time
// scalar multiplication. The timing of those operations may leak information
// about the ephemeral scalar or the decryption key to an attacker who can
// measure it precisely on the same machine. AES-GCM and HKDF come from the
// Go standard library and are constant time on platforms with AES-NI.
package encryption
