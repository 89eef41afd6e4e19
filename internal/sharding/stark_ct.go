package sharding

import (
	"encoding/binary"
	"math/bits"

	"github.com/consensys/gnark-crypto/ecc/stark-curve/fr"
)

// gnark-crypto's fr.Element Add and Sub finish with a branch on whether
// the result needs reducing, which depends on the (secret) operands. These
// replacements compute both candidates and select one with a mask. They
// work on the Montgomery form directly: x·R + y·R = (x+y)·R, so addition
// and subtraction are the same as on plain residues.

// starkQ is the stark scalar field modulus as little-endian 64-bit limbs.
var starkQ fr.Element

func init() {
	var b [32]byte
	fr.Modulus().FillBytes(b[:])
	for i := range starkQ {
		starkQ[i] = binary.BigEndian.Uint64(b[24-8*i:])
	}
}

// starkAddCT sets z = x + y mod q, for canonical x and y, without
// branching on their values.
//
//go:noinline
func starkAddCT(z, x, y *fr.Element) {
	var s, t [4]uint64
	var c, b uint64
	s[0], c = bits.Add64(x[0], y[0], 0)
	s[1], c = bits.Add64(x[1], y[1], c)
	s[2], c = bits.Add64(x[2], y[2], c)
	s[3], c = bits.Add64(x[3], y[3], c)
	t[0], b = bits.Sub64(s[0], starkQ[0], 0)
	t[1], b = bits.Sub64(s[1], starkQ[1], b)
	t[2], b = bits.Sub64(s[2], starkQ[2], b)
	t[3], b = bits.Sub64(s[3], starkQ[3], b)
	// s ≥ q exactly when the addition carried or the subtraction did not
	// borrow; then t = s − q is the result.
	mask := -(c | (b ^ 1)) // all ones to take t
	// Unrolled, so that the only branches a disassembly could show would
	// be on data (the test checks there are none).
	z[0] = (t[0] & mask) | (s[0] &^ mask)
	z[1] = (t[1] & mask) | (s[1] &^ mask)
	z[2] = (t[2] & mask) | (s[2] &^ mask)
	z[3] = (t[3] & mask) | (s[3] &^ mask)
}

// starkSubCT sets z = x − y mod q, for canonical x and y, without
// branching on their values.
//
//go:noinline
func starkSubCT(z, x, y *fr.Element) {
	var d, t [4]uint64
	var b, c uint64
	d[0], b = bits.Sub64(x[0], y[0], 0)
	d[1], b = bits.Sub64(x[1], y[1], b)
	d[2], b = bits.Sub64(x[2], y[2], b)
	d[3], b = bits.Sub64(x[3], y[3], b)
	t[0], c = bits.Add64(d[0], starkQ[0], 0)
	t[1], c = bits.Add64(d[1], starkQ[1], c)
	t[2], c = bits.Add64(d[2], starkQ[2], c)
	t[3], _ = bits.Add64(d[3], starkQ[3], c)
	mask := -b // all ones when x < y: add q back
	z[0] = (t[0] & mask) | (d[0] &^ mask)
	z[1] = (t[1] & mask) | (d[1] &^ mask)
	z[2] = (t[2] & mask) | (d[2] &^ mask)
	z[3] = (t[3] & mask) | (d[3] &^ mask)
}
