package sharding

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
)

// MaxShares bounds n in a split and the number of shares a recombination
// accepts, so that hostile input cannot make the quadratic work unbounded.
const MaxShares = 256

// Sharing is the result of [Split]: the secret shares f(1), …, f(n) in signer
// order and the public shares f(i)·G that every signer receives.
type Sharing struct {
	// Threshold is t, the number of shares needed to recover the secret.
	Threshold int
	// Shares[i] is f(i+1), the share of the (i+1)-th signer. Secret.
	Shares []Scalar
	// PublicShares[i] is Shares[i]·G.
	PublicShares []Point
}

// Zeroize overwrites every secret share.
func (s *Sharing) Zeroize() {
	for _, x := range s.Shares {
		x.Zeroize()
	}
}

// Split shares secret among n signers so that any t of them can recover it,
// with a fresh random polynomial of degree t−1. It requires 2 ≤ t ≤ n ≤
// [MaxShares] and a non-zero secret.
func Split(secret Scalar, t, n int) (*Sharing, error) {
	return split(rand.Reader, secret, t, n)
}

func split(r io.Reader, secret Scalar, t, n int) (*Sharing, error) {
	if secret == nil || secret.IsZero() {
		return nil, fmt.Errorf("cannot split: secret %w", ErrZeroScalar)
	}
	if n < 2 || n > MaxShares {
		return nil, fmt.Errorf("cannot split among n=%d signers: need between 2 and %d", n, MaxShares)
	}
	if t < 2 || t > n {
		return nil, fmt.Errorf("threshold t=%d is invalid for n=%d signers: need 2 ≤ t ≤ n", t, n)
	}
	c := secret.Curve()
	coeffs := make([]Scalar, t)
	coeffs[0] = secret
	for i := 1; i < t; i++ {
		k, err := c.randomScalar(r)
		if err != nil {
			zeroizeAll(coeffs[1:i])
			return nil, err
		}
		coeffs[i] = k
	}
	defer zeroizeAll(coeffs[1:])
	return sharingFromPolynomial(coeffs, n), nil
}

// sharingFromPolynomial evaluates f at 1..n. coeffs[0] is f(0).
func sharingFromPolynomial(coeffs []Scalar, n int) *Sharing {
	c := coeffs[0].Curve()
	s := &Sharing{Threshold: len(coeffs), Shares: make([]Scalar, n)}
	for i := 1; i <= n; i++ {
		s.Shares[i-1] = evaluate(coeffs, c.scalarFromUint32(uint32(i)))
	}
	s.PublicShares = c.baseMulMany(s.Shares)
	return s
}

func zeroizeAll(xs []Scalar) {
	for _, x := range xs {
		if x != nil {
			x.Zeroize()
		}
	}
}

// Share is one evaluation (Index, Value) of a sharing polynomial.
type Share struct {
	// Index is the evaluation point x: non-zero, public.
	Index Scalar
	// Value is f(x). Secret.
	Value Scalar
}

// ErrDuplicateIndex is returned (wrapped) when two shares have the same index.
var ErrDuplicateIndex = errors.New("two shares have the same index")

// Recombine recovers f(0) from shares by Lagrange interpolation at 0, using
// each share's own index. Every share must be on the same curve with a
// distinct non-zero index. The caller must check the result against the
// expected public key: a wrong share gives a wrong secret, not an error.
func Recombine(shares []Share) (Scalar, error) {
	if len(shares) == 0 {
		return nil, errors.New("no shares to recombine")
	}
	idx := make([]Scalar, len(shares))
	c := shares[0].Index
	for i, s := range shares {
		if s.Index == nil || s.Value == nil {
			return nil, fmt.Errorf("share %d is incomplete", i)
		}
		if s.Value.Curve() != s.Index.Curve() || s.Index.Curve() != c.Curve() {
			return nil, fmt.Errorf("share %d is on another curve", i)
		}
		idx[i] = s.Index
	}
	lambdas, err := lagrangeAtZero(idx)
	if err != nil {
		return nil, err
	}
	var acc Scalar
	for i, s := range shares {
		term := lambdas[i].mul(s.Value)
		if acc == nil {
			acc = term
			continue
		}
		next := acc.add(term)
		acc.Zeroize()
		term.Zeroize()
		acc = next
	}
	return acc, nil
}

// InterpolatePoints returns F(0) for the polynomial in the exponent F whose
// value at indices[i] is points[i]: with public shares it gives the public
// key. Indices must be distinct and non-zero, all on one curve.
func InterpolatePoints(indices []Scalar, points []Point) (Point, error) {
	if len(indices) != len(points) || len(indices) == 0 {
		return nil, fmt.Errorf("need as many indices as points, at least one (got %d and %d)", len(indices), len(points))
	}
	for i := range indices {
		if indices[i] == nil || points[i] == nil || indices[i].Curve() != points[0].Curve() || points[i].Curve() != points[0].Curve() {
			return nil, fmt.Errorf("index or point %d is missing or on another curve", i)
		}
	}
	lambdas, err := lagrangeAtZero(indices)
	if err != nil {
		return nil, err
	}
	acc := points[0].Curve().identity()
	for i, p := range points {
		acc = acc.add(p.mul(lambdas[i]))
	}
	return acc, nil
}

// CheckPublicShares verifies that the public shares, at indices 1..n, lie on
// one polynomial of degree at most t−1, and returns its value at 0 (the
// public key). A signer receiving an import share uses it to check that all
// shares agree.
func CheckPublicShares(public []Point, t int) (Point, error) {
	n := len(public)
	if t < 2 || t > n || n > MaxShares {
		return nil, fmt.Errorf("threshold t=%d is invalid for n=%d public shares", t, n)
	}
	c := public[0].Curve()
	idx := make([]Scalar, n)
	for i := range idx {
		idx[i] = c.scalarFromUint32(uint32(i + 1))
	}
	// Interpolate through the first t points and check every other point.
	for j := t; j < n; j++ {
		lambdas, err := lagrangeAt(idx[:t], idx[j])
		if err != nil {
			return nil, err
		}
		acc := c.identity()
		for i := 0; i < t; i++ {
			acc = acc.add(public[i].mul(lambdas[i]))
		}
		if !acc.Equal(public[j]) {
			return nil, fmt.Errorf("public share %d does not lie on the polynomial of degree %d through shares 1..%d", j+1, t-1, t)
		}
	}
	return InterpolatePoints(idx[:t], public[:t])
}

// lagrangeAtZero returns λ_i = Π_{j≠i} x_j / (x_j − x_i).
func lagrangeAtZero(x []Scalar) ([]Scalar, error) {
	return lagrangeAt(x, x[0].Curve().scalarFromUint32(0))
}

// lagrangeAt returns λ_i = Π_{j≠i} (at − x_j) / (x_i − x_j), so that
// Σ λ_i·f(x_i) = f(at) for every polynomial f of degree < len(x).
func lagrangeAt(x []Scalar, at Scalar) ([]Scalar, error) {
	if len(x) > MaxShares {
		return nil, fmt.Errorf("%d shares is more than the %d supported", len(x), MaxShares)
	}
	for i := range x {
		if x[i].IsZero() {
			return nil, fmt.Errorf("share %d has index zero", i)
		}
		for j := 0; j < i; j++ {
			if x[i].Equal(x[j]) {
				return nil, fmt.Errorf("shares %d and %d: %w", j, i, ErrDuplicateIndex)
			}
		}
	}
	out := make([]Scalar, len(x))
	for i := range x {
		num := x[0].Curve().scalarFromUint32(1)
		den := x[0].Curve().scalarFromUint32(1)
		for j := range x {
			if i == j {
				continue
			}
			num = num.mul(at.sub(x[j]))
			den = den.mul(x[i].sub(x[j]))
		}
		inv, err := den.invert()
		if err != nil {
			return nil, err // unreachable: indices are distinct
		}
		out[i] = num.mul(inv)
	}
	return out, nil
}

// SplitAt shares secret with a fresh random polynomial of degree t−1 and
// evaluates it at the given distinct, non-zero indices. Dfns signers hold
// shares at such arbitrary points after a key refresh; clients only need
// [Split], which uses 1..n.
func SplitAt(secret Scalar, t int, indices []Scalar) ([]Share, error) {
	if secret == nil || secret.IsZero() {
		return nil, fmt.Errorf("cannot split: secret %w", ErrZeroScalar)
	}
	if t < 2 || t > len(indices) || len(indices) > MaxShares {
		return nil, fmt.Errorf("threshold t=%d is invalid for n=%d indices", t, len(indices))
	}
	c := secret.Curve()
	if _, err := lagrangeAtZero(indices); err != nil { // distinct, non-zero
		return nil, err
	}
	coeffs := make([]Scalar, t)
	coeffs[0] = secret
	for i := 1; i < t; i++ {
		k, err := c.randomScalar(rand.Reader)
		if err != nil {
			return nil, err
		}
		coeffs[i] = k
	}
	defer zeroizeAll(coeffs[1:])
	out := make([]Share, len(indices))
	for i, x := range indices {
		if x.Curve() != c {
			return nil, fmt.Errorf("index %d is on another curve", i)
		}
		out[i] = Share{Index: x, Value: evaluate(coeffs, x)}
	}
	return out, nil
}

// evaluate returns f(x) by Horner's rule; coeffs[0] is f(0).
func evaluate(coeffs []Scalar, x Scalar) Scalar {
	y := coeffs[len(coeffs)-1]
	for k := len(coeffs) - 2; k >= 0; k-- {
		next := y.mul(x).add(coeffs[k])
		if k < len(coeffs)-2 {
			y.Zeroize()
		}
		y = next
	}
	return y
}
