// Package secp holds secp256k1 helpers shared by the encryption, sharding,
// address and signatures packages: batch affine conversion, strict public-key
// parsing and the BIP-86 Taproot output key.
package secp

import "github.com/decred/dcrd/dcrec/secp256k1/v4"

// BatchToAffine converts every point to affine coordinates (Z = 1) with a
// single field inversion (Montgomery's trick) instead of one per point.
// Points at infinity (Z = 0) are left as they are. The timing depends only
// on the number of points, not on their values, apart from infinity checks.
func BatchToAffine(points []*secp256k1.JacobianPoint) {
	if len(points) == 0 {
		return
	}
	// prefix[i] = Z_0 · … · Z_i over the finite points.
	prefix := make([]secp256k1.FieldVal, len(points))
	var acc secp256k1.FieldVal
	acc.SetInt(1)
	for i, p := range points {
		if !p.Z.Normalize().IsZero() {
			acc.Mul(&p.Z)
		}
		prefix[i].Set(&acc)
	}
	var inv secp256k1.FieldVal
	inv.Set(&acc).Inverse() // 1 / (Z_0 · … · Z_{n−1})
	for i := len(points) - 1; i >= 0; i-- {
		p := points[i]
		if p.Z.IsZero() {
			continue
		}
		var zInv secp256k1.FieldVal
		if i > 0 {
			zInv.Mul2(&inv, &prefix[i-1])
		} else {
			zInv.Set(&inv)
		}
		inv.Mul(&p.Z)
		var zInv2, zInv3 secp256k1.FieldVal
		zInv2.SquareVal(&zInv)
		zInv3.Mul2(&zInv2, &zInv)
		p.X.Mul(&zInv2).Normalize()
		p.Y.Mul(&zInv3).Normalize()
		p.Z.SetInt(1)
	}
}
