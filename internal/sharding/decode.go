package sharding

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/stark-curve/fr"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// ErrUncorrectable is returned (wrapped) by [Decode] when the shares do not
// lie on one polynomial of degree below the threshold and too many of them
// are wrong to tell which.
var ErrUncorrectable = errors.New("the shares disagree and too many are wrong to tell which")

// Decode recovers f(0) from shares of a polynomial f of degree below t,
// even when some shares are wrong: n shares (at their own distinct, non-zero
// indices) are a Reed–Solomon codeword, and up to ⌊(n−t)/2⌋ wrong values
// are corrected. It returns the secret and the positions in shares of the
// values that are not on f, in increasing order.
//
// When every share lies on one polynomial of degree below t (the normal
// case), Decode costs O(n·t) scalar operations, with inversions only of
// public index differences. Otherwise it runs the Berlekamp–Welch decoder:
// Gaussian elimination over the scalar field on a system of n equations in
// n+1 or fewer unknowns, O(n³) operations (a few milliseconds at n = 64).
// That path branches on whether values derived from the shares are zero
// and inverts such values with a fixed-exponent (Fermat) inversion; see
// the package documentation on timing. When more than ⌊(n−t)/2⌋ values are
// wrong, Decode returns an error wrapping [ErrUncorrectable], or a
// polynomial that differs from f: the caller must check the result against
// the public key, as after [Recombine]. Decode checks ctx between steps.
func Decode(ctx context.Context, shares []Share, t int) (Scalar, []int, error) {
	n := len(shares)
	if t < 1 || t > n {
		return nil, nil, fmt.Errorf("threshold t=%d is invalid for %d shares", t, n)
	}
	if n > MaxShares {
		return nil, nil, fmt.Errorf("%d shares is more than the %d supported", n, MaxShares)
	}
	x := make([]Scalar, n)
	y := make([]Scalar, n)
	for i, s := range shares {
		if s.Index == nil || s.Value == nil {
			return nil, nil, fmt.Errorf("share %d is incomplete", i)
		}
		if s.Value.Curve() != s.Index.Curve() || s.Index.Curve() != shares[0].Index.Curve() {
			return nil, nil, fmt.Errorf("share %d is on another curve", i)
		}
		x[i], y[i] = s.Index, s.Value
	}
	w, err := baryWeights(x[:t]) // also checks the first t indices
	if err != nil {
		return nil, nil, err
	}
	if err := checkIndices(x); err != nil {
		return nil, nil, err
	}
	consistent := true
	for j := t; j < n; j++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		v := evalThrough(x[:t], y[:t], w, x[j])
		ok := v.Equal(y[j])
		v.Zeroize()
		if !ok {
			consistent = false
			break
		}
	}
	if consistent {
		s, err := Recombine(shares[:t])
		return s, nil, err
	}
	e := (n - t) / 2
	if e == 0 {
		return nil, nil, fmt.Errorf("%d shares for threshold %d: %w", n, t, ErrUncorrectable)
	}
	return berlekampWelch(ctx, x, y, t, e)
}

// checkIndices checks that the indices are non-zero and distinct.
func checkIndices(x []Scalar) error {
	for i := range x {
		if x[i].IsZero() {
			return fmt.Errorf("share %d has index zero", i)
		}
		for j := 0; j < i; j++ {
			if x[i].Equal(x[j]) {
				return fmt.Errorf("shares %d and %d: %w", j, i, ErrDuplicateIndex)
			}
		}
	}
	return nil
}

// baryWeights returns w_i = 1 / Π_{j≠i} (x_i − x_j) for public, distinct,
// non-zero indices.
func baryWeights(x []Scalar) ([]Scalar, error) {
	if err := checkIndices(x); err != nil {
		return nil, err
	}
	c := x[0].Curve()
	w := make([]Scalar, len(x))
	for i := range x {
		den := c.scalarFromUint32(1)
		for j := range x {
			if i != j {
				den = den.mul(x[i].sub(x[j]))
			}
		}
		inv, err := den.invert()
		if err != nil {
			return nil, err // unreachable: distinct indices
		}
		w[i] = inv
	}
	return w, nil
}

// evalThrough returns p(at) for the polynomial p of degree < len(x) through
// (x_i, y_i), given the weights of [baryWeights]: Σ y_i·w_i·Π_{j≠i}(at−x_j),
// with prefix and suffix products so that nothing secret is inverted.
func evalThrough(x, y, w []Scalar, at Scalar) Scalar {
	c := at.Curve()
	k := len(x)
	suffix := make([]Scalar, k+1)
	suffix[k] = c.scalarFromUint32(1)
	for i := k - 1; i >= 0; i-- {
		suffix[i] = suffix[i+1].mul(at.sub(x[i]))
	}
	prefix := c.scalarFromUint32(1)
	acc := c.scalarFromUint32(0)
	for i := range k {
		term := y[i].mul(w[i].mul(prefix.mul(suffix[i+1])))
		next := acc.add(term)
		acc.Zeroize()
		term.Zeroize()
		acc = next
		prefix = prefix.mul(at.sub(x[i]))
	}
	return acc
}

// berlekampWelch finds E (monic, degree e) and Q (degree < e+t) with
// Q(x_i) = y_i·E(x_i) for every i, then P = Q/E. With at most e wrong
// values, P is the sharing polynomial and E vanishes at the wrong ones.
//
// Unknowns are ordered Q_0..Q_{e+t−1}, then E_0..E_{e−1}: the Q columns
// hold powers of the public indices, and eliminating them first keeps
// every pivot of that phase public.
func berlekampWelch(ctx context.Context, x, y []Scalar, t, e int) (Scalar, []int, error) {
	n := len(x)
	c := x[0].Curve()
	nq := e + t
	m := nq + e // unknowns; column m is the right-hand side
	a := make([][]Scalar, n)
	defer func() {
		for _, row := range a {
			zeroizeAll(row)
		}
	}()
	for i := range n {
		row := make([]Scalar, m+1)
		p := c.scalarFromUint32(1) // x_i^k
		for k := range nq {
			row[k] = p
			if k < e {
				row[nq+k] = c.scalarFromUint32(0).sub(y[i].mul(p))
			}
			p = p.mul(x[i])
		}
		// p is now x_i^(e+t); the right-hand side is y_i·x_i^e.
		xe := c.scalarFromUint32(1)
		for range e {
			xe = xe.mul(x[i])
		}
		row[m] = y[i].mul(xe)
		a[i] = row
	}

	// Forward elimination to row echelon form.
	pivotCol := make([]int, 0, m)
	r := 0
	for col := 0; col < m && r < n; col++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		p := -1
		for i := r; i < n; i++ {
			if !a[i][col].IsZero() {
				p = i
				break
			}
		}
		if p < 0 {
			continue // a free unknown: fewer than e values are wrong
		}
		a[r], a[p] = a[p], a[r]
		var inv Scalar
		if col < nq {
			inv, _ = a[r][col].invert() // public: a combination of index powers
		} else {
			inv = invertSecret(a[r][col])
		}
		for k := col; k <= m; k++ {
			a[r][k] = a[r][k].mul(inv)
		}
		for i := r + 1; i < n; i++ {
			f := a[i][col]
			for k := col; k <= m; k++ {
				a[i][k] = a[i][k].sub(f.mul(a[r][k]))
			}
		}
		pivotCol = append(pivotCol, col)
		r++
	}
	// Rows below the last pivot are all zero on the left; their right-hand
	// side must be zero too, or no E of degree e explains the errors.
	for i := r; i < n; i++ {
		if !a[i][m].IsZero() {
			return nil, nil, fmt.Errorf("more than %d of %d shares are wrong: %w", e, n, ErrUncorrectable)
		}
	}
	// Back substitution; free unknowns are zero.
	sol := make([]Scalar, m)
	defer zeroizeAll(sol)
	for k := range sol {
		sol[k] = c.scalarFromUint32(0)
	}
	for i := r - 1; i >= 0; i-- {
		col := pivotCol[i]
		v := a[i][m]
		for k := col + 1; k < m; k++ {
			v = v.sub(a[i][k].mul(sol[k]))
		}
		sol[col] = v
	}

	// P = Q / E, exactly; E is monic, so no inversion is needed.
	rem := append([]Scalar(nil), sol[:nq]...)
	eCoef := append(append([]Scalar(nil), sol[nq:]...), c.scalarFromUint32(1))
	pCoef := make([]Scalar, t)
	defer zeroizeAll(pCoef)
	for d := nq - 1; d >= e; d-- {
		q := rem[d]
		pCoef[d-e] = q
		for k := 0; k <= e; k++ {
			rem[d-e+k] = rem[d-e+k].sub(q.mul(eCoef[k]))
		}
	}
	for k := range e {
		if !rem[k].IsZero() {
			return nil, nil, fmt.Errorf("more than %d of %d shares are wrong: %w", e, n, ErrUncorrectable)
		}
	}
	var wrong []int
	for i := range n {
		v := evaluate(pCoef, x[i])
		ok := v.Equal(y[i])
		if t > 1 { // with t = 1, v is pCoef[0] itself
			v.Zeroize()
		}
		if !ok {
			wrong = append(wrong, i)
		}
	}
	if len(wrong) > e {
		return nil, nil, fmt.Errorf("more than %d of %d shares are wrong: %w", e, n, ErrUncorrectable)
	}
	secret := pCoef[0].add(c.scalarFromUint32(0)) // a copy: pCoef is zeroized
	if secret.IsZero() {
		return nil, nil, fmt.Errorf("the shares decode to zero: %w", ErrUncorrectable)
	}
	return secret, wrong, nil
}

var (
	secpOrderMinus2  = new(big.Int).Sub(secp256k1.Params().N, big.NewInt(2)).Bytes()
	starkOrderMinus2 = new(big.Int).Sub(fr.Modulus(), big.NewInt(2)).Bytes()
)

// invertSecret returns 1/s for a non-zero s derived from secret values,
// in time independent of s (given constant-time multiplication): ed25519
// uses edwards25519's constant-time inversion, the other curves compute
// s^(order−2) with a fixed, public exponent.
func invertSecret(s Scalar) Scalar {
	var exp []byte
	switch s.Curve() {
	case Secp256k1:
		exp = secpOrderMinus2
	case Stark:
		exp = starkOrderMinus2
	default:
		inv, _ := s.invert() // constant time on ed25519; s is non-zero
		return inv
	}
	acc := s.Curve().scalarFromUint32(1)
	for _, b := range exp {
		for bit := 7; bit >= 0; bit-- {
			acc = acc.mul(acc)
			if b>>bit&1 == 1 { // the exponent is public
				acc = acc.mul(s)
			}
		}
	}
	return acc
}
