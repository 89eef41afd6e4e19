// Package auth signs Dfns user-action challenges with a Key credential, so that
// mutating calls such as key import and export can carry an X-DFNS-USERACTION token.
//
// The flow is the one in the project's protocol notes (docs/protocol.md §6,
// "User action signing"): the client posts the exact body, method and path
// of the call to authorize to POST /auth/action/init, and Dfns answers with a
// [UserActionChallenge]; a [UserActionSigner] turns the challenge into an [Assertion];
// the client posts it to POST /auth/action and receives a token good for one
// request. [KeySigner] signs locally with a private key: it signs the compact
// JSON {"type":"key.get","challenge":"…"} and encodes the client data and
// signature as base64url without padding. Another [UserActionSigner] (a person's
// passkey, a signing service) can answer the same challenge.
//
// This package only signs; sending the messages is the job of the client
// (package dfnskeys); checking assertions is the server's (and the
// simulator's, package dfnstest).
//
// # Key types
//
// [NewKeySigner] reads a PEM private key and detects its type: Ed25519
// (PKCS#8), ECDSA P-256 (PKCS#8 or SEC1), ECDSA secp256k1 (PKCS#8 or SEC1) and
// RSA (PKCS#1 or PKCS#8, at least 2048 bits). Encrypted PEM is refused with
// [ErrEncryptedKey]. Go's crypto/x509 cannot read secp256k1 (OID
// 1.3.132.0.10), so this package parses those structures itself and checks that
// the scalar is in [1, n−1] and that an embedded public key, if present,
// belongs to the private key.
//
// A [KeySigner] never prints key material: String and Format (every fmt verb) show
// only the credential ID and the algorithm.
//
// # Timing
//
// What is known about side channels, by key type:
//
//   - Ed25519 signing uses crypto/ed25519, which is constant time.
//   - ECDSA P-256 signing uses crypto/ecdsa, whose P-256 implementation is
//     constant time. Nonces are random (hedged with the key), so signatures
//     are not deterministic.
//   - RSA signing uses crypto/rsa, whose private-key operation is constant time
//     (since Go 1.20). Parsing an RSA key goes through math/big, which is not.
//   - ECDSA secp256k1 signing uses github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa
//     (RFC 6979 nonces, low-S signatures). Its scalar and field arithmetic is
//     constant time, but signing computes k·G with ScalarBaseMultNonConst and
//     k⁻¹ with InverseValNonConst, and deriving the public key from the
//     private scalar also uses ScalarBaseMultNonConst: these are variable time
//     in secret values. Treat secp256k1 signing as not constant time. A
//     user-action signature is made once per API call, which limits how many
//     timing samples an observer can collect, but a process that signs on
//     demand for others should prefer Ed25519 or P-256.
//   - Parsing (PEM, ASN.1, base64, JSON) is variable time in the length and
//     structure of its input. The secp256k1 range check uses dcrd's
//     ModNScalar.SetByteSlice, which is constant time.
package auth
