// Package sharding splits a private key into Shamir shares and recombines
// them, over the three curves Dfns signers use: secp256k1, the StarkNet curve
// ("stark") and ed25519 (docs/protocol.md §4–5).
//
// A (t, n) split draws a random polynomial f of degree t−1 with f(0) = s and
// gives the signer at position i (1-based, in the order of docs/protocol.md §5) the share
// f(i); any t shares recover s by Lagrange interpolation at 0, fewer reveal
// nothing about it (Shamir, "How to share a secret", 1979). Recombination
// takes each share's own evaluation point, which need not be 1..n, and
// returns an error, never a panic, on zero or duplicate points.
//
// The package also marshals and parses the two share plaintexts of docs/protocol.md §4
// byte for byte as Dfns's reference client does: compact JSON, fields in a
// fixed order, scalars as 32-byte big-endian hex, points uncompressed
// (04‖X‖Y) on secp256k1 and stark and in the standard 32-byte form on
// ed25519. Parsing is strict: exact field names, no unknown or repeated
// fields, version 1, the expected curve tag, canonical non-zero scalars and
// valid non-identity points.
//
// # Constant time
//
//   - secp256k1 (github.com/decred/dcrd/dcrec/secp256k1/v4): scalar addition,
//     multiplication, parsing and comparison are constant time. Scalar inversion
//     (used only on public evaluation points) and every point multiplication are
//     variable time (dcrd's …NonConst functions); dcrd has no constant-time
//     point multiplication, so computing public shares f(i)·G may leak timing
//     about the shares.
//   - ed25519 (filippo.io/edwards25519): scalar arithmetic and both fixed- and
//     variable-base multiplication are constant time.
//   - stark (github.com/consensys/gnark-crypto/ecc/stark-curve): field and
//     scalar addition and multiplication are constant time; inversion and point
//     multiplication are variable time (a windowed double-and-add over a
//     big.Int), as gnark-crypto documents. The big.Int copies of scalars are
//     cleared after use.
//
// Comparisons of secret scalars use constant-time equality on every curve.
package sharding
