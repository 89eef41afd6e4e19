package sharding

import (
	"errors"
	"fmt"
	"io"
)

// ScalarSize is the length of every encoded scalar: 32 bytes, big-endian.
const ScalarSize = 32

// Curve is one of the elliptic curves a key can live on. The three values
// are [Secp256k1], [Stark] and [Ed25519]; the interface is sealed.
type Curve interface {
	// Name returns the curve's name as used on the wire: "secp256k1",
	// "stark" or "ed25519".
	Name() string
	// ParseScalar parses a canonical (below the group order), non-zero
	// 32-byte big-endian scalar.
	ParseScalar(b []byte) (Scalar, error)
	// ParsePoint parses a point in the share-plaintext encoding of docs/protocol.md §4
	// (uncompressed 04‖X‖Y on secp256k1 and stark, 32 bytes on ed25519),
	// rejecting malformed, off-curve, small-order and identity points.
	ParsePoint(b []byte) (Point, error)
	// ParsePublicKey parses a public key in the encoding Dfns reports:
	// 33-byte SEC1 compressed on secp256k1 and stark, 32 bytes on ed25519.
	ParsePublicKey(b []byte) (Point, error)
	// BaseMul returns s·G for the curve's standard generator G.
	BaseMul(s Scalar) Point
	// Generator returns G.
	Generator() Point

	group
}

// Scalar is an element of a curve's scalar field. Scalars are immutable
// except for [Scalar.Zeroize]. They never print their value.
type Scalar interface {
	// Curve returns the curve the scalar belongs to.
	Curve() Curve
	// Bytes returns the 32-byte big-endian encoding. The caller owns the
	// copy and should clear it when it held a secret.
	Bytes() []byte
	// Equal reports in constant time whether two scalars of the same curve
	// are equal. Scalars of different curves are never equal.
	Equal(Scalar) bool
	// IsZero reports whether the scalar is zero.
	IsZero() bool
	// Zeroize overwrites the scalar's value with zero.
	Zeroize()
	// String returns a redacted description.
	String() string

	scalarOps
}

// Point is an element of a curve's prime-order group.
type Point interface {
	// Curve returns the curve the point belongs to.
	Curve() Curve
	// Bytes returns the share-plaintext encoding of docs/protocol.md §4.
	Bytes() []byte
	// PublicKeyBytes returns the encoding Dfns uses for public keys.
	PublicKeyBytes() []byte
	// Equal reports whether two points are equal.
	Equal(Point) bool
	// IsIdentity reports whether the point is the group identity.
	IsIdentity() bool

	pointOps
}

// group holds the unexported operations every curve implements.
type group interface {
	scalarFromUint32(v uint32) Scalar
	// scalarFromBytesReduce interprets up to 64 big-endian bytes as an
	// integer and reduces it modulo the group order.
	scalarFromBytesReduce(b []byte) Scalar
	randomScalar(r io.Reader) (Scalar, error)
	identity() Point
	// baseMulMany returns s·G for every s, sharing work between them
	// where the curve allows (one field inversion on secp256k1 and stark).
	baseMulMany(s []Scalar) []Point
}

type scalarOps interface {
	add(Scalar) Scalar
	sub(Scalar) Scalar
	mul(Scalar) Scalar
	// invert returns 1/s, or an error when s is zero.
	invert() (Scalar, error)
}

type pointOps interface {
	add(Point) Point
	mul(Scalar) Point
}

// Curves lists the supported curves.
func Curves() []Curve { return []Curve{Secp256k1, Stark, Ed25519} }

// CurveByName returns the curve with the given wire name.
func CurveByName(name string) (Curve, error) {
	for _, c := range Curves() {
		if c.Name() == name {
			return c, nil
		}
	}
	return nil, fmt.Errorf("unsupported curve %q (supported: secp256k1, stark, ed25519)", name)
}

// ScalarFromInt returns the scalar v on curve c. It is meant for evaluation
// points (share indices), which are public.
func ScalarFromInt(c Curve, v uint32) Scalar { return c.scalarFromUint32(v) }

// ErrZeroScalar is returned (wrapped) when a scalar that must be non-zero is zero.
var ErrZeroScalar = errors.New("scalar is zero")

// ErrScalarOutOfRange is returned (wrapped) when a scalar is not below the group order.
var ErrScalarOutOfRange = errors.New("scalar is not below the group order")

// parseScalarBytes validates the shape shared by every curve's ParseScalar.
func checkScalarLength(c string, b []byte) error {
	if len(b) != ScalarSize {
		return fmt.Errorf("%s scalar is %d bytes, want %d", c, len(b), ScalarSize)
	}
	return nil
}

func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}

func redactedScalar(c string) string { return "sharding.Scalar{" + c + ", REDACTED}" }
