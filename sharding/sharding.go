package sharding

import (
	"context"

	"github.com/dfnskeys/dfnskeys/internal/sharding"
)

// MaxShares bounds n in a split and the number of shares a recombination
// accepts, so that hostile input cannot make the quadratic work unbounded.
const MaxShares = sharding.MaxShares

// ScalarSize is the length of every encoded scalar: 32 bytes, big-endian.
const ScalarSize = sharding.ScalarSize

// PlaintextVersion is the only share-plaintext version (docs/protocol.md §4).
const PlaintextVersion = sharding.PlaintextVersion

// Curve is one of the elliptic curves a key can live on. The three values
// are [Secp256k1], [Stark] and [Ed25519]; the interface is sealed.
type Curve = sharding.Curve

// Scalar is an element of a curve's scalar field. Scalars are immutable
// except for Zeroize. They never print their value.
type Scalar = sharding.Scalar

// Point is an element of a curve's prime-order group.
type Point = sharding.Point

// Share is one evaluation (Index, Value) of a sharing polynomial; Value is
// secret.
type Share = sharding.Share

// Sharing is the result of [Split]: the secret shares f(1), …, f(n) in signer
// order and the public shares f(i)·G that every signer receives.
type Sharing = sharding.Sharing

// ExportShare is the plaintext a signer returns for an export
// (docs/protocol.md §4).
type ExportShare = sharding.ExportShare

// The supported curves.
var (
	// Secp256k1 is the curve of Bitcoin and Ethereum keys.
	Secp256k1 Curve = sharding.Secp256k1
	// Stark is the StarkNet curve.
	Stark Curve = sharding.Stark
	// Ed25519 is the group of Ed25519 keys.
	Ed25519 Curve = sharding.Ed25519
)

// Errors returned (wrapped); match them with errors.Is.
var (
	// ErrZeroScalar is returned when a scalar that must be non-zero is zero.
	ErrZeroScalar = sharding.ErrZeroScalar
	// ErrScalarOutOfRange is returned when a scalar is not below the group order.
	ErrScalarOutOfRange = sharding.ErrScalarOutOfRange
	// ErrDuplicateIndex is returned when two shares have the same index.
	ErrDuplicateIndex = sharding.ErrDuplicateIndex
	// ErrMalformedPlaintext is returned when a share plaintext does not parse.
	ErrMalformedPlaintext = sharding.ErrMalformedPlaintext
	// ErrUncorrectable is returned by [Decode] when the shares disagree and
	// too many are wrong to tell which.
	ErrUncorrectable = sharding.ErrUncorrectable
)

// Curves lists the supported curves.
func Curves() []Curve { return sharding.Curves() }

// CurveByName returns the curve with the given wire name: "secp256k1",
// "stark" or "ed25519".
func CurveByName(name string) (Curve, error) { return sharding.CurveByName(name) }

// ScalarFromInt returns the scalar v on curve c. It is meant for evaluation
// points (share indices), which are public.
func ScalarFromInt(c Curve, v uint32) Scalar { return sharding.ScalarFromInt(c, v) }

// Ed25519ScalarFromSeed returns the Ed25519 secret scalar of a 32-byte
// RFC 8032 seed (SHA-512, clamped, reduced).
func Ed25519ScalarFromSeed(seed []byte) (Scalar, error) { return sharding.Ed25519ScalarFromSeed(seed) }

// Split shares secret among n signers so that any t of them can recover it,
// with a fresh random polynomial of degree t−1. It requires 2 ≤ t ≤ n ≤
// [MaxShares] and a non-zero secret.
func Split(secret Scalar, t, n int) (*Sharing, error) { return sharding.Split(secret, t, n) }

// Recombine recovers f(0) from shares by Lagrange interpolation at 0, using
// each share's own index. Every share must be on the same curve with a
// distinct non-zero index. The caller must check the result against the
// expected public key: a wrong share gives a wrong secret, not an error.
func Recombine(shares []Share) (Scalar, error) { return sharding.Recombine(shares) }

// Decode recovers f(0) from shares of a polynomial of degree t−1 when some
// shares may be wrong: it decodes them as a Reed–Solomon codeword
// (Berlekamp–Welch) and returns the secret and the positions in shares of the
// wrong ones. With n shares it corrects up to ⌊(n−t)/2⌋ errors; beyond that
// it returns an error wrapping [ErrUncorrectable].
func Decode(ctx context.Context, shares []Share, t int) (Scalar, []int, error) {
	return sharding.Decode(ctx, shares, t)
}

// ImportPlaintexts returns the import share plaintext of every signer, in
// signer order (docs/protocol.md §4). Each holds a secret share: clear them
// after use.
func ImportPlaintexts(s *Sharing) [][]byte { return sharding.ImportPlaintexts(s) }

// ParseExportShare parses an export share plaintext on curve c strictly.
func ParseExportShare(c Curve, b []byte) (*ExportShare, error) {
	return sharding.ParseExportShare(c, b)
}
