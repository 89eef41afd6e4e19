package sharding

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"math/big"

	starkcurve "github.com/consensys/gnark-crypto/ecc/stark-curve"
	"github.com/consensys/gnark-crypto/ecc/stark-curve/fp"
	"github.com/consensys/gnark-crypto/ecc/stark-curve/fr"
)

// Stark is the StarkNet curve y² = x³ + x + β over p = 2^251 + 17·2^192 + 1,
// with prime order (cofactor 1), used by CGGMP24 and CGGMP21 stark keys. Arithmetic comes
// from gnark-crypto; see the package documentation for its timing.
var Stark Curve = starkCurveT{}

type starkCurveT struct{}

type starkScalar struct{ s fr.Element }

type starkPoint struct{ p starkcurve.G1Affine } // (0,0) is the identity, as in gnark

func (starkCurveT) Name() string { return "stark" }

func (starkCurveT) ParseScalar(b []byte) (Scalar, error) {
	if err := checkScalarLength("stark", b); err != nil {
		return nil, err
	}
	var s starkScalar
	if err := s.s.SetBytesCanonical(b); err != nil {
		return nil, fmt.Errorf("stark %w", ErrScalarOutOfRange)
	}
	if s.s.IsZero() {
		return nil, fmt.Errorf("stark %w", ErrZeroScalar)
	}
	return &s, nil
}

func (starkCurveT) scalarFromUint32(v uint32) Scalar {
	var s starkScalar
	s.s.SetUint64(uint64(v))
	return &s
}

func (starkCurveT) scalarFromBytesReduce(b []byte) Scalar {
	var s starkScalar
	n := new(big.Int).SetBytes(b)
	s.s.SetBigInt(n) // reduces modulo the order
	clear(n.Bits())
	return &s
}

func (c starkCurveT) randomScalar(r io.Reader) (Scalar, error) {
	var buf [32]byte
	defer clear(buf[:])
	for range 1000 {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return nil, fmt.Errorf("reading randomness: %w", err)
		}
		buf[0] &= 0x0f // the order is just above 2^251: keep 252 bits, reject the rest
		var s starkScalar
		if s.s.SetBytesCanonical(buf[:]) == nil && !s.s.IsZero() {
			return &s, nil
		}
	}
	return nil, errors.New("randomness source returned no valid stark scalar in 1000 tries")
}

func (starkCurveT) identity() Point { return &starkPoint{} }

func (starkCurveT) Generator() Point {
	_, g := starkcurve.Generators()
	return &starkPoint{p: g}
}

func (starkCurveT) BaseMul(s Scalar) Point {
	k := s.(*starkScalar).bigInt()
	defer clear(k.Bits())
	r := &starkPoint{}
	r.p.ScalarMultiplicationBase(k)
	return r
}

func (starkCurveT) baseMulMany(s []Scalar) []Point {
	g, _ := starkcurve.Generators()
	jac := make([]starkcurve.G1Jac, len(s))
	for i := range s {
		k := s[i].(*starkScalar).bigInt()
		jac[i].ScalarMultiplication(&g, k)
		clear(k.Bits())
	}
	aff := starkcurve.BatchJacobianToAffineG1(jac)
	out := make([]Point, len(s))
	for i := range aff {
		out[i] = &starkPoint{p: aff[i]}
	}
	return out
}

func (starkCurveT) ParsePoint(b []byte) (Point, error) {
	if len(b) != 65 || b[0] != 0x04 {
		return nil, fmt.Errorf("stark point must be 65 bytes starting with 04 (uncompressed), got %d bytes", len(b))
	}
	var p starkPoint
	if p.p.X.SetBytesCanonical(b[1:33]) != nil || p.p.Y.SetBytesCanonical(b[33:]) != nil {
		return nil, errors.New("stark point coordinate is not below the field modulus")
	}
	if p.p.IsInfinity() {
		return nil, errors.New("stark point is the identity")
	}
	if !p.p.IsOnCurve() {
		return nil, errors.New("stark point is not on the curve")
	}
	return &p, nil
}

var starkB = func() fp.Element { _, b := starkcurve.CurveCoefficients(); return b }()

func (starkCurveT) ParsePublicKey(b []byte) (Point, error) {
	if len(b) != 33 || (b[0] != 0x02 && b[0] != 0x03) {
		return nil, fmt.Errorf("stark public key must be 33 bytes in compressed form (02 or 03 prefix), got %d bytes", len(b))
	}
	var p starkPoint
	if p.p.X.SetBytesCanonical(b[1:]) != nil {
		return nil, errors.New("stark public key x-coordinate is not below the field modulus")
	}
	// y² = x³ + x + β
	var rhs, y fp.Element
	rhs.Square(&p.p.X).Mul(&rhs, &p.p.X).Add(&rhs, &p.p.X).Add(&rhs, &starkB)
	if y.Sqrt(&rhs) == nil {
		return nil, errors.New("stark public key is not on the curve")
	}
	if starkYOdd(&y) != (b[0] == 0x03) {
		y.Neg(&y)
	}
	p.p.Y = y
	if p.p.IsInfinity() {
		return nil, errors.New("stark public key is the identity")
	}
	return &p, nil
}

func starkYOdd(y *fp.Element) bool {
	b := y.Bytes()
	return b[31]&1 == 1
}

// Scalar methods.

func (*starkScalar) Curve() Curve { return Stark }

func (s *starkScalar) bigInt() *big.Int { return s.s.BigInt(new(big.Int)) }

func (s *starkScalar) Bytes() []byte {
	b := s.s.Bytes()
	out := make([]byte, 32)
	copy(out, b[:])
	clear(b[:])
	return out
}

func (s *starkScalar) Equal(o Scalar) bool {
	t, ok := o.(*starkScalar)
	if !ok {
		return false
	}
	a, b := s.s.Bytes(), t.s.Bytes()
	defer clear(a[:])
	defer clear(b[:])
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func (s *starkScalar) IsZero() bool     { return s.s.IsZero() }
func (s *starkScalar) Zeroize()         { s.s.SetZero() }
func (s *starkScalar) String() string   { return redactedScalar("stark") }
func (s *starkScalar) GoString() string { return s.String() }

// Format prints the redacted form for every verb.
func (s *starkScalar) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

func (s *starkScalar) add(o Scalar) Scalar {
	r := &starkScalar{}
	starkAddCT(&r.s, &s.s, &o.(*starkScalar).s) // gnark's Add branches on the values
	return r
}

func (s *starkScalar) sub(o Scalar) Scalar {
	r := &starkScalar{}
	starkSubCT(&r.s, &s.s, &o.(*starkScalar).s) // gnark's Sub branches on the values
	return r
}

func (s *starkScalar) mul(o Scalar) Scalar {
	r := &starkScalar{}
	r.s.Mul(&s.s, &o.(*starkScalar).s)
	return r
}

func (s *starkScalar) invert() (Scalar, error) {
	if s.s.IsZero() {
		return nil, ErrZeroScalar
	}
	r := &starkScalar{}
	r.s.Inverse(&s.s)
	return r, nil
}

// Point methods.

func (*starkPoint) Curve() Curve { return Stark }

func (p *starkPoint) Bytes() []byte {
	if p.p.IsInfinity() {
		return []byte{0}
	}
	out := make([]byte, 65)
	out[0] = 0x04
	x, y := p.p.X.Bytes(), p.p.Y.Bytes()
	copy(out[1:], x[:])
	copy(out[33:], y[:])
	return out
}

func (p *starkPoint) PublicKeyBytes() []byte {
	if p.p.IsInfinity() {
		return []byte{0}
	}
	out := make([]byte, 33)
	out[0] = 0x02
	if starkYOdd(&p.p.Y) {
		out[0] = 0x03
	}
	x := p.p.X.Bytes()
	copy(out[1:], x[:])
	return out
}

func (p *starkPoint) Equal(o Point) bool {
	q, ok := o.(*starkPoint)
	return ok && p.p.Equal(&q.p)
}

func (p *starkPoint) IsIdentity() bool { return p.p.IsInfinity() }

func (p *starkPoint) add(o Point) Point {
	q := o.(*starkPoint)
	r := &starkPoint{}
	switch {
	case p.p.IsInfinity():
		r.p = q.p
	case q.p.IsInfinity():
		r.p = p.p
	default:
		var j starkcurve.G1Jac
		j.FromAffine(&p.p)
		j.AddMixed(&q.p)
		r.p.FromJacobian(&j)
	}
	return r
}

func (p *starkPoint) mul(s Scalar) Point {
	k := s.(*starkScalar).bigInt()
	defer clear(k.Bits())
	r := &starkPoint{}
	r.p.ScalarMultiplication(&p.p, k)
	return r
}
