package secp

import (
	"crypto/rand"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"
)

func TestBatchToAffineMatchesToAffine(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2, 5, 17} {
		batch := make([]*secp256k1.JacobianPoint, n)
		want := make([]secp256k1.JacobianPoint, n)
		for i := range batch {
			var buf [32]byte
			_, _ = rand.Read(buf[:])
			var k secp256k1.ModNScalar
			k.SetBytes(&buf)
			var p secp256k1.JacobianPoint
			secp256k1.ScalarBaseMultNonConst(&k, &p)
			// Double once so that Z is not 1.
			secp256k1.DoubleNonConst(&p, &p)
			cp := p
			batch[i] = &cp
			want[i] = p
			want[i].ToAffine()
		}
		var inf secp256k1.JacobianPoint // identity in the middle
		if n > 2 {
			batch[1] = &inf
		}
		BatchToAffine(batch)
		for i := range batch {
			if n > 2 && i == 1 {
				require.True(t, batch[i].Z.IsZero(), "infinity stays infinity")
				continue
			}
			require.True(t, batch[i].X.Equals(&want[i].X), "x %d of %d", i, n)
			require.True(t, batch[i].Y.Equals(&want[i].Y), "y %d of %d", i, n)
			require.True(t, batch[i].Z.IsOneBit() == 1)
		}
	}
	BatchToAffine(nil)
}
