package sharding

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/slowtest"

	"github.com/stretchr/testify/require"
)

// randomIndices returns n distinct non-zero random indices: Dfns signers
// hold shares at arbitrary points after a key refresh.
func randomIndices(t testing.TB, c Curve, n int) []Scalar {
	out := make([]Scalar, 0, n)
	for len(out) < n {
		x, err := c.randomScalar(rand.Reader)
		require.NoError(t, err)
		out = append(out, x)
	}
	return out
}

// corrupt replaces the values at the chosen positions with random ones.
func corrupt(t testing.TB, shares []Share, positions []int) []Share {
	out := slices.Clone(shares)
	for _, p := range positions {
		v, err := out[p].Value.Curve().randomScalar(rand.Reader)
		require.NoError(t, err)
		out[p].Value = v
	}
	return out
}

func TestDecodeCorrectsUpToHalfTheRedundancy(t *testing.T) {
	t.Parallel()
	for _, c := range Curves() {
		for _, tn := range [][2]int{{2, 3}, {3, 5}, {3, 6}, {2, 7}, {5, 12}, {10, 30}, {29, 30}, {20, 64}} {
			th, n := tn[0], tn[1]
			e := (n - th) / 2
			t.Run(fmt.Sprintf("%s/t=%d/n=%d", c.Name(), th, n), func(t *testing.T) {
				t.Parallel()
				if n > 30 {
					slowtest.SkipUnderRace(t, "decoding 64 shares (7 s race-built)")
				}
				rng := mrand.New(mrand.NewPCG(uint64(th), uint64(n)))
				secret, err := c.randomScalar(rand.Reader)
				require.NoError(t, err)
				shares, err := SplitAt(secret, th, randomIndices(t, c, n))
				require.NoError(t, err)
				counts := []int{0, 1, 2, e, e + 1, n - th}
				for _, k := range counts {
					if k > n {
						continue
					}
					positions := rng.Perm(n)[:k]
					slices.Sort(positions)
					got, wrong, err := Decode(context.Background(), corrupt(t, shares, positions), th)
					if k <= e {
						require.NoError(t, err, "%d wrong", k)
						require.True(t, got.Equal(secret), "%d wrong: the secret", k)
						if k == 0 {
							require.Empty(t, wrong)
						} else {
							require.Equal(t, positions, wrong, "%d wrong: named", k)
						}
						continue
					}
					require.ErrorIs(t, err, ErrUncorrectable, "%d wrong of %d, e=%d", k, n, e)
				}
			})
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	c := Secp256k1
	secret := ScalarFromInt(c, 7)
	shares, err := SplitAt(secret, 2, randomIndices(t, c, 4))
	require.NoError(t, err)
	dup := slices.Clone(shares)
	dup[3].Index = dup[1].Index
	_, _, err = Decode(context.Background(), dup, 2)
	require.ErrorIs(t, err, ErrDuplicateIndex)

	_, _, err = Decode(context.Background(), shares, 5)
	require.ErrorContains(t, err, "threshold t=5 is invalid for 4 shares")

	mixed := slices.Clone(shares)
	mixed[2].Value = ScalarFromInt(Stark, 1)
	_, _, err = Decode(context.Background(), mixed, 2)
	require.ErrorContains(t, err, "another curve")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = Decode(ctx, shares, 2)
	require.ErrorIs(t, err, context.Canceled)
}

func TestInvertSecret(t *testing.T) {
	t.Parallel()
	for _, c := range Curves() {
		for range 20 {
			s, err := c.randomScalar(rand.Reader)
			require.NoError(t, err)
			inv := invertSecret(s)
			require.True(t, inv.mul(s).Equal(c.scalarFromUint32(1)), c.Name())
			ref, err := s.invert()
			require.NoError(t, err)
			require.True(t, inv.Equal(ref), c.Name())
		}
	}
}

// FuzzDecode decodes sharings with fuzzer-chosen corruption: at most
// ⌊(n−t)/2⌋ wrong values must be corrected and named; more must never
// return the original secret with a wrong list of bad shares, nor panic.
func FuzzDecode(f *testing.F) {
	f.Add(uint8(0), uint8(3), uint8(5), uint64(1), []byte{2, 9})
	f.Add(uint8(1), uint8(2), uint8(9), uint64(2), []byte{0, 1, 2, 3, 4})
	f.Add(uint8(2), uint8(4), uint8(4), uint64(3), []byte{})
	f.Add(uint8(0), uint8(10), uint8(30), uint64(4), []byte{5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Fuzz(func(t *testing.T, curve, th, n uint8, seed uint64, edits []byte) {
		c := fuzzCurve(curve)
		nn := 2 + int(n)%40
		tt := 1 + int(th)%nn
		rng := mrand.New(mrand.NewPCG(seed, 0))
		var buf [8]byte
		idx := make([]Scalar, 0, nn)
		for len(idx) < nn {
			binary.BigEndian.PutUint64(buf[:], rng.Uint64()|1)
			x := c.scalarFromBytesReduce(buf[:])
			if x.IsZero() || slices.ContainsFunc(idx, x.Equal) {
				continue
			}
			idx = append(idx, x)
		}
		secret := c.scalarFromBytesReduce(binary.BigEndian.AppendUint64(nil, seed|1))
		coeffs := []Scalar{secret}
		for range tt - 1 {
			coeffs = append(coeffs, c.scalarFromBytesReduce(binary.BigEndian.AppendUint64(nil, rng.Uint64())))
		}
		shares := make([]Share, nn)
		for i, x := range idx {
			shares[i] = Share{Index: x, Value: evaluate(coeffs, x)}
		}
		bad := map[int]bool{}
		for k, b := range edits {
			p := int(b) % nn
			delta := c.scalarFromUint32(uint32(k) + 1)
			shares[p].Value = shares[p].Value.add(delta)
			bad[p] = true
		}
		// Several edits of one share can cancel out only if their deltas
		// sum to zero, which positive small deltas never do.
		want := make([]int, 0, len(bad))
		for p := range bad {
			want = append(want, p)
		}
		slices.Sort(want)
		got, wrong, err := Decode(context.Background(), shares, tt)
		if len(want) <= (nn-tt)/2 {
			if err != nil {
				t.Fatalf("t=%d n=%d, %d wrong: %v", tt, nn, len(want), err)
			}
			if !got.Equal(secret) || !slices.Equal(wrong, want) {
				t.Fatalf("t=%d n=%d: decoded another secret or named %v, want %v", tt, nn, wrong, want)
			}
			return
		}
		if err != nil {
			if !errors.Is(err, ErrUncorrectable) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if len(wrong) > (nn-tt)/2 {
			t.Fatalf("named %d wrong shares, more than the %d correctable", len(wrong), (nn-tt)/2)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	for _, c := range Curves() {
		for _, n := range []int{5, 10, 30, 64} {
			th := (n + 1) / 2
			e := (n - th) / 2
			secret, _ := c.randomScalar(rand.Reader)
			shares, err := SplitAt(secret, th, randomIndices(b, c, n))
			require.NoError(b, err)
			for _, k := range []int{0, e} {
				bad := corrupt(b, shares, mrand.Perm(n)[:k])
				b.Run(fmt.Sprintf("%s/n=%d/t=%d/wrong=%d", c.Name(), n, th, k), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if _, _, err := Decode(context.Background(), bad, th); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
