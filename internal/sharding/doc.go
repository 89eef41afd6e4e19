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
// The package also writes the import share plaintexts and reads the export
// share plaintexts of docs/protocol.md §4 byte for byte as the public source
// of Dfns's reference client does: compact JSON, fields in a
// fixed order, scalars as 32-byte big-endian hex, points uncompressed
// (04‖X‖Y) on secp256k1 and stark and in the standard 32-byte form on
// ed25519. Parsing is strict: exact field names, no unknown or repeated
// fields, version 1, the expected curve tag, canonical non-zero scalars and
// valid non-identity points. It also holds what only a signer does
// (checking public shares, splitting at arbitrary evaluation points,
// interpolating in the exponent), for the simulator (internal/sim). It is
// used by package keys and is not part of the public API.
//
// # Constant time
//
// What follows is what the code does, checked against the libraries'
// source; none of these libraries promises more than that.
//
//   - secp256k1 (github.com/decred/dcrd/dcrec/secp256k1/v4): scalar addition,
//     negation, multiplication, parsing and comparison are constant time.
//     dcrd's scalar inversion is variable time (InverseValNonConst): it is
//     used only on public evaluation points; secret values are inverted by
//     Fermat's little theorem (a fixed exponent, multiplications only).
//     Every point multiplication is variable time (dcrd's …NonConst
//     functions; dcrd has none that is constant time), so computing public
//     shares f(i)·G and s·G may leak timing about the shares and the key.
//   - ed25519 (filippo.io/edwards25519): scalar arithmetic, inversion and
//     both fixed- and variable-base multiplication are constant time.
//   - stark (github.com/consensys/gnark-crypto/ecc/stark-curve, which
//     disclaims constant time): gnark-crypto's scalar Add and Sub branch on
//     whether the result needs reducing, so this package adds and subtracts
//     stark scalars with its own branch-free code (stark_ct.go; a test
//     disassembles it and fails on any conditional branch). Multiplication is
//     gnark-crypto's Montgomery multiplication: its amd64 and arm64
//     assembly reduces with conditional moves (CMOVQCS, CSEL), but with the
//     purego build tag or on other architectures it is Go code whose final
//     subtraction is a branch on the value. gnark-crypto's inversion
//     (binary GCD) is used only on public evaluation points; secret values
//     are inverted by Fermat. Point multiplication goes through math/big
//     and a windowed double-and-add: variable time. The big.Int copies of
//     scalars are cleared after use.
//
// Comparisons of secret scalars use constant-time equality on every curve.
// [Decode], when some shares disagree, branches on whether values derived
// from the shares are zero (pivot search in Gaussian elimination, the
// remainder of a polynomial division); when every share agrees, it inverts
// only public index differences and branches on nothing secret but the
// outcome.
package sharding
