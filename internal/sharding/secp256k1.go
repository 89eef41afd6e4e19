package sharding

import (
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/dfnskeys/dfnskeys/internal/secp"
)

// Secp256k1 is the secp256k1 curve (SEC 2), used by CGGMP24, CGGMP21 and FROST_BITCOIN keys.
var Secp256k1 Curve = secpCurve{}

type secpCurve struct{}

type secpScalar struct{ s secp256k1.ModNScalar }

// secpPoint holds an affine point; inf marks the identity.
type secpPoint struct {
	x, y secp256k1.FieldVal
	inf  bool
}

func (secpCurve) Name() string { return "secp256k1" }

func (c secpCurve) ParseScalar(b []byte) (Scalar, error) {
	if err := checkScalarLength("secp256k1", b); err != nil {
		return nil, err
	}
	var s secpScalar
	if s.s.SetByteSlice(b) {
		s.s.Zero()
		return nil, fmt.Errorf("secp256k1 %w", ErrScalarOutOfRange)
	}
	if s.s.IsZero() {
		return nil, fmt.Errorf("secp256k1 %w", ErrZeroScalar)
	}
	return &s, nil
}

func (secpCurve) scalarFromUint32(v uint32) Scalar {
	var s secpScalar
	s.s.SetInt(v)
	return &s
}

var secpOrder = secp256k1.Params().N

func (secpCurve) scalarFromBytesReduce(b []byte) Scalar {
	var s secpScalar
	if len(b) <= 32 {
		s.s.SetByteSlice(b) // reduces when ≥ N
		return &s
	}
	// Wider inputs are only used for uniformly random polynomial
	// coefficients in tests; big.Int is acceptable there.
	n := new(big.Int).SetBytes(b)
	n.Mod(n, secpOrder)
	var buf [32]byte
	n.FillBytes(buf[:])
	s.s.SetBytes(&buf)
	clear(buf[:])
	clear(n.Bits())
	return &s
}

func (c secpCurve) randomScalar(r io.Reader) (Scalar, error) {
	var buf [32]byte
	defer clear(buf[:])
	for range 100 {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return nil, fmt.Errorf("reading randomness: %w", err)
		}
		var s secpScalar
		if !s.s.SetByteSlice(buf[:]) && !s.s.IsZero() {
			return &s, nil
		}
	}
	return nil, errors.New("randomness source returned no valid secp256k1 scalar in 100 tries")
}

func (secpCurve) identity() Point { return &secpPoint{inf: true} }

// secpG is the generator, from the curve's published coordinates: not
// computed as 1·G, because the first base-point multiplication decodes
// the library's precomputed tables (~200 ms in a race-built process), a
// cost every process importing this package would otherwise pay at start.
var secpG = func() *secpPoint {
	var p secpPoint
	p.x.SetByteSlice(secp256k1.Params().Gx.Bytes())
	p.y.SetByteSlice(secp256k1.Params().Gy.Bytes())
	return &p
}()

func (secpCurve) Generator() Point { p := *secpG; return &p }

func secpBase(s *secp256k1.ModNScalar) *secp256k1.JacobianPoint {
	var r secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(s, &r)
	return &r
}

func secpFromJacobian(j *secp256k1.JacobianPoint) *secpPoint {
	if (j.X.IsZero() && j.Y.IsZero()) || j.Z.IsZero() {
		return &secpPoint{inf: true}
	}
	j.ToAffine()
	return &secpPoint{x: j.X, y: j.Y}
}

func (p *secpPoint) jacobian() secp256k1.JacobianPoint {
	if p.inf {
		return secp256k1.JacobianPoint{}
	}
	var j secp256k1.JacobianPoint
	j.X.Set(&p.x)
	j.Y.Set(&p.y)
	j.Z.SetInt(1)
	return j
}

func (secpCurve) baseMulMany(s []Scalar) []Point {
	jac := make([]secp256k1.JacobianPoint, len(s))
	ptrs := make([]*secp256k1.JacobianPoint, len(s))
	for i := range s {
		secp256k1.ScalarBaseMultNonConst(&s[i].(*secpScalar).s, &jac[i])
		ptrs[i] = &jac[i]
	}
	secp.BatchToAffine(ptrs)
	out := make([]Point, len(s))
	for i := range jac {
		if jac[i].Z.IsZero() {
			out[i] = &secpPoint{inf: true}
		} else {
			out[i] = &secpPoint{x: jac[i].X, y: jac[i].Y}
		}
	}
	return out
}

func (c secpCurve) BaseMul(s Scalar) Point {
	return secpFromJacobian(secpBase(&s.(*secpScalar).s))
}

func (c secpCurve) ParsePoint(b []byte) (Point, error) {
	if len(b) != 65 || b[0] != 0x04 {
		return nil, fmt.Errorf("secp256k1 point must be 65 bytes starting with 04 (uncompressed), got %d bytes", len(b))
	}
	pk, err := secp256k1.ParsePubKey(b)
	if err != nil {
		return nil, fmt.Errorf("invalid secp256k1 point: %w", err)
	}
	return secpFromPubKey(pk), nil
}

func (c secpCurve) ParsePublicKey(b []byte) (Point, error) {
	if len(b) != 33 || (b[0] != 0x02 && b[0] != 0x03) {
		return nil, fmt.Errorf("secp256k1 public key must be 33 bytes in compressed form (02 or 03 prefix), got %d bytes", len(b))
	}
	pk, err := secp256k1.ParsePubKey(b)
	if err != nil {
		return nil, fmt.Errorf("invalid secp256k1 public key: %w", err)
	}
	return secpFromPubKey(pk), nil
}

func secpFromPubKey(pk *secp256k1.PublicKey) *secpPoint {
	var j secp256k1.JacobianPoint
	pk.AsJacobian(&j)
	return &secpPoint{x: j.X, y: j.Y}
}

// Scalar methods.

func (*secpScalar) Curve() Curve { return Secp256k1 }

func (s *secpScalar) Bytes() []byte {
	out := make([]byte, 32)
	s.s.PutBytesUnchecked(out)
	return out
}

func (s *secpScalar) Equal(o Scalar) bool {
	t, ok := o.(*secpScalar)
	return ok && s.s.Equals(&t.s)
}

func (s *secpScalar) IsZero() bool     { return s.s.IsZero() }
func (s *secpScalar) Zeroize()         { s.s.Zero() }
func (s *secpScalar) String() string   { return redactedScalar("secp256k1") }
func (s *secpScalar) GoString() string { return s.String() }

// Format prints the redacted form for every verb.
func (s *secpScalar) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

func (s *secpScalar) add(o Scalar) Scalar {
	r := &secpScalar{}
	r.s.Add2(&s.s, &o.(*secpScalar).s)
	return r
}

func (s *secpScalar) sub(o Scalar) Scalar {
	r := &secpScalar{}
	r.s.NegateVal(&o.(*secpScalar).s).Add(&s.s)
	return r
}

func (s *secpScalar) mul(o Scalar) Scalar {
	r := &secpScalar{}
	r.s.Mul2(&s.s, &o.(*secpScalar).s)
	return r
}

func (s *secpScalar) invert() (Scalar, error) {
	if s.s.IsZero() {
		return nil, ErrZeroScalar
	}
	r := &secpScalar{}
	r.s.InverseValNonConst(&s.s)
	return r, nil
}

// Point methods.

func (*secpPoint) Curve() Curve { return Secp256k1 }

func (p *secpPoint) Bytes() []byte {
	if p.inf {
		return []byte{0}
	}
	return secp256k1.NewPublicKey(&p.x, &p.y).SerializeUncompressed()
}

func (p *secpPoint) PublicKeyBytes() []byte {
	if p.inf {
		return []byte{0}
	}
	return secp256k1.NewPublicKey(&p.x, &p.y).SerializeCompressed()
}

func (p *secpPoint) Equal(o Point) bool {
	q, ok := o.(*secpPoint)
	if !ok {
		return false
	}
	if p.inf || q.inf {
		return p.inf == q.inf
	}
	return p.x.Equals(&q.x) && p.y.Equals(&q.y)
}

func (p *secpPoint) IsIdentity() bool { return p.inf }

func (p *secpPoint) add(o Point) Point {
	a, b := p.jacobian(), o.(*secpPoint).jacobian()
	var r secp256k1.JacobianPoint
	secp256k1.AddNonConst(&a, &b, &r)
	return secpFromJacobian(&r)
}

func (p *secpPoint) mul(s Scalar) Point {
	if p.inf {
		return &secpPoint{inf: true}
	}
	a := p.jacobian()
	var r secp256k1.JacobianPoint
	secp256k1.ScalarMultNonConst(&s.(*secpScalar).s, &a, &r)
	return secpFromJacobian(&r)
}
