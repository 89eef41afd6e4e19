package sharding

import (
	"bytes"
	"crypto/sha512"
	"errors"
	"fmt"
	"io"

	"filippo.io/edwards25519"
)

// Ed25519 is the twisted Edwards curve of RFC 8032, used by FROST keys.
// Scalars travel big-endian like on the other curves, although ed25519
// conventionally writes them little-endian.
var Ed25519 Curve = edCurve{}

type edCurve struct{}

type edScalar struct{ s edwards25519.Scalar }

type edPoint struct{ p edwards25519.Point }

func (edCurve) Name() string { return "ed25519" }

func (edCurve) ParseScalar(b []byte) (Scalar, error) {
	if err := checkScalarLength("ed25519", b); err != nil {
		return nil, err
	}
	var le [32]byte
	copy(le[:], b)
	reverse(le[:])
	defer clear(le[:])
	var s edScalar
	if _, err := s.s.SetCanonicalBytes(le[:]); err != nil {
		return nil, fmt.Errorf("ed25519 %w", ErrScalarOutOfRange)
	}
	if s.IsZero() {
		return nil, fmt.Errorf("ed25519 %w", ErrZeroScalar)
	}
	return &s, nil
}

func (edCurve) scalarFromUint32(v uint32) Scalar {
	var le [32]byte
	le[0], le[1], le[2], le[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	var s edScalar
	if _, err := s.s.SetCanonicalBytes(le[:]); err != nil {
		panic("sharding: unreachable: small integer is canonical")
	}
	return &s
}

func (edCurve) scalarFromBytesReduce(b []byte) Scalar {
	var wide [64]byte
	copy(wide[64-len(b):], b) // b is at most 64 bytes
	reverse(wide[:])
	var s edScalar
	if _, err := s.s.SetUniformBytes(wide[:]); err != nil {
		panic("sharding: unreachable: 64-byte input")
	}
	clear(wide[:])
	return &s
}

func (c edCurve) randomScalar(r io.Reader) (Scalar, error) {
	var buf [64]byte
	defer clear(buf[:])
	for range 100 {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return nil, fmt.Errorf("reading randomness: %w", err)
		}
		s := c.scalarFromBytesReduce(buf[:])
		if !s.IsZero() {
			return s, nil
		}
	}
	return nil, errors.New("randomness source returned no valid ed25519 scalar in 100 tries")
}

func (edCurve) identity() Point { return &edPoint{p: *edwards25519.NewIdentityPoint()} }

func (edCurve) Generator() Point { return &edPoint{p: *edwards25519.NewGeneratorPoint()} }

func (c edCurve) baseMulMany(s []Scalar) []Point {
	out := make([]Point, len(s))
	for i := range s {
		out[i] = c.BaseMul(s[i])
	}
	return out
}

func (edCurve) BaseMul(s Scalar) Point {
	r := &edPoint{}
	r.p.ScalarBaseMult(&s.(*edScalar).s)
	return r
}

// edOrderMinusOne is ℓ−1, used to check that a point has prime order:
// P has order dividing ℓ exactly when (ℓ−1)·P + P is the identity.
var edOrderMinusOne = func() *edwards25519.Scalar {
	var one edwards25519.Scalar
	one.SetCanonicalBytes([]byte{1, 31: 0})
	var s edwards25519.Scalar
	return s.Negate(&one)
}()

func (edCurve) ParsePoint(b []byte) (Point, error) {
	if len(b) != 32 {
		return nil, fmt.Errorf("ed25519 point must be 32 bytes, got %d", len(b))
	}
	var p edPoint
	if _, err := p.p.SetBytes(b); err != nil {
		return nil, errors.New("ed25519 point is not a valid curve point")
	}
	if !bytes.Equal(p.p.Bytes(), b) {
		return nil, errors.New("ed25519 point encoding is not canonical")
	}
	if p.IsIdentity() {
		return nil, errors.New("ed25519 point is the identity")
	}
	var t edwards25519.Point
	t.ScalarMult(edOrderMinusOne, &p.p)
	t.Add(&t, &p.p)
	if t.Equal(edwards25519.NewIdentityPoint()) != 1 {
		return nil, errors.New("ed25519 point is not in the prime-order subgroup")
	}
	return &p, nil
}

func (c edCurve) ParsePublicKey(b []byte) (Point, error) { return c.ParsePoint(b) }

// Ed25519ScalarFromSeed turns a 32-byte RFC 8032 seed into the signing
// scalar as the standard does: SHA-512(seed), keep the first 32 bytes, clamp
// (clear the low 3 bits of byte 0, clear bit 7 and set bit 6 of byte 31),
// read little-endian and reduce modulo ℓ. The result is what Dfns stores and
// what an export returns; it cannot be turned back into the seed.
func Ed25519ScalarFromSeed(seed []byte) (Scalar, error) {
	if len(seed) != 32 {
		return nil, fmt.Errorf("ed25519 seed is %d bytes, want 32", len(seed))
	}
	h := sha512.Sum512(seed)
	defer clear(h[:])
	var s edScalar
	if _, err := s.s.SetBytesWithClamping(h[:32]); err != nil {
		return nil, fmt.Errorf("ed25519 seed: %w", err)
	}
	if s.IsZero() {
		return nil, fmt.Errorf("ed25519 seed gives a %w", ErrZeroScalar)
	}
	return &s, nil
}

// Scalar methods.

func (*edScalar) Curve() Curve { return Ed25519 }

func (s *edScalar) Bytes() []byte {
	b := s.s.Bytes()
	reverse(b)
	return b
}

func (s *edScalar) Equal(o Scalar) bool {
	t, ok := o.(*edScalar)
	return ok && s.s.Equal(&t.s) == 1
}

func (s *edScalar) IsZero() bool {
	return s.s.Equal(edwards25519.NewScalar()) == 1
}

func (s *edScalar) Zeroize()         { s.s.Set(edwards25519.NewScalar()) }
func (s *edScalar) String() string   { return redactedScalar("ed25519") }
func (s *edScalar) GoString() string { return s.String() }

// Format prints the redacted form for every verb.
func (s *edScalar) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

func (s *edScalar) add(o Scalar) Scalar {
	r := &edScalar{}
	r.s.Add(&s.s, &o.(*edScalar).s)
	return r
}

func (s *edScalar) sub(o Scalar) Scalar {
	r := &edScalar{}
	r.s.Subtract(&s.s, &o.(*edScalar).s)
	return r
}

func (s *edScalar) mul(o Scalar) Scalar {
	r := &edScalar{}
	r.s.Multiply(&s.s, &o.(*edScalar).s)
	return r
}

func (s *edScalar) invert() (Scalar, error) {
	if s.IsZero() {
		return nil, ErrZeroScalar
	}
	r := &edScalar{}
	r.s.Invert(&s.s)
	return r, nil
}

// Point methods.

func (*edPoint) Curve() Curve { return Ed25519 }

func (p *edPoint) Bytes() []byte          { return p.p.Bytes() }
func (p *edPoint) PublicKeyBytes() []byte { return p.p.Bytes() }

func (p *edPoint) Equal(o Point) bool {
	q, ok := o.(*edPoint)
	return ok && p.p.Equal(&q.p) == 1
}

func (p *edPoint) IsIdentity() bool { return p.p.Equal(edwards25519.NewIdentityPoint()) == 1 }

func (p *edPoint) add(o Point) Point {
	r := &edPoint{}
	r.p.Add(&p.p, &o.(*edPoint).p)
	return r
}

func (p *edPoint) mul(s Scalar) Point {
	r := &edPoint{}
	r.p.ScalarMult(&s.(*edScalar).s, &p.p)
	return r
}
