package sharding

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/slowtest"

	"github.com/stretchr/testify/require"
)

func TestSplitRecombineEverySubset(t *testing.T) {
	t.Parallel()
	for _, c := range Curves() {
		for _, tn := range [][2]int{{2, 2}, {2, 3}, {3, 5}, {4, 7}, {5, 5}, {6, 9}} {
			th, n := tn[0], tn[1]
			t.Run(fmt.Sprintf("%s/t=%d/n=%d", c.Name(), th, n), func(t *testing.T) {
				t.Parallel()
				if n > 7 {
					slowtest.SkipUnderRace(t, "every subset of 9 shares (512)")
				}
				secret, err := c.randomScalar(rand.Reader)
				require.NoError(t, err)
				s, err := Split(secret, th, n)
				require.NoError(t, err)
				require.Len(t, s.Shares, n)
				publicKey := c.BaseMul(secret)
				for i := range s.Shares {
					require.True(t, s.PublicShares[i].Equal(c.BaseMul(s.Shares[i])), "public share %d", i+1)
				}
				pk, err := CheckPublicShares(s.PublicShares, th)
				require.NoError(t, err)
				require.True(t, pk.Equal(publicKey))

				forEachSubset(n, func(subset []int) {
					shares := make([]Share, len(subset))
					idx := make([]Scalar, len(subset))
					pts := make([]Point, len(subset))
					for i, j := range subset {
						idx[i] = ScalarFromInt(c, uint32(j+1))
						shares[i] = Share{Index: idx[i], Value: s.Shares[j]}
						pts[i] = s.PublicShares[j]
					}
					got, err := Recombine(shares)
					require.NoError(t, err)
					require.Equal(t, len(subset) >= th, got.Equal(secret), "subset %v", subset)
					gotPK, err := InterpolatePoints(idx, pts)
					require.NoError(t, err)
					require.Equal(t, len(subset) >= th, gotPK.Equal(publicKey), "points subset %v", subset)
				})
			})
		}
	}
}

func TestSplitIsRandomized(t *testing.T) {
	t.Parallel()
	for _, c := range Curves() {
		secret := ScalarFromInt(c, 42)
		a, err := Split(secret, 2, 3)
		require.NoError(t, err)
		b, err := Split(secret, 2, 3)
		require.NoError(t, err)
		require.False(t, a.Shares[0].Equal(b.Shares[0]), "%s: a fresh polynomial each time", c.Name())
		pa, err := CheckPublicShares(a.PublicShares, 2)
		require.NoError(t, err)
		pb, err := CheckPublicShares(b.PublicShares, 2)
		require.NoError(t, err)
		require.True(t, pa.Equal(pb))
	}
}

func TestSplitRejects(t *testing.T) {
	t.Parallel()
	one := ScalarFromInt(Secp256k1, 1)
	cases := map[string]struct {
		secret Scalar
		t, n   int
		want   string
	}{
		"zero secret":    {ScalarFromInt(Secp256k1, 0), 2, 3, "zero"},
		"nil secret":     {nil, 2, 3, "zero"},
		"t=1":            {one, 1, 3, "t=1"},
		"t>n":            {one, 4, 3, "t=4"},
		"n=1":            {one, 1, 1, "n=1"},
		"n too large":    {one, 2, MaxShares + 1, "n=257"},
		"negative t":     {one, -1, 3, "t=-1"},
		"zero everthing": {one, 0, 0, "n=0"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Split(c.secret, c.t, c.n)
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestRecombineRejects(t *testing.T) {
	t.Parallel()
	c := Secp256k1
	s1, s2 := ScalarFromInt(c, 11), ScalarFromInt(c, 22)
	one, two := ScalarFromInt(c, 1), ScalarFromInt(c, 2)
	_, err := Recombine(nil)
	require.ErrorContains(t, err, "no shares")
	_, err = Recombine([]Share{{one, s1}, {one, s2}})
	require.ErrorIs(t, err, ErrDuplicateIndex)
	_, err = Recombine([]Share{{ScalarFromInt(c, 0), s1}, {two, s2}})
	require.ErrorContains(t, err, "index zero")
	_, err = Recombine([]Share{{one, s1}, {ScalarFromInt(Ed25519, 2), ScalarFromInt(Ed25519, 3)}})
	require.ErrorContains(t, err, "another curve")
	_, err = Recombine([]Share{{one, nil}})
	require.ErrorContains(t, err, "incomplete")
	_, err = InterpolatePoints([]Scalar{one, one}, []Point{c.Generator(), c.Generator()})
	require.ErrorIs(t, err, ErrDuplicateIndex)
	_, err = InterpolatePoints([]Scalar{one}, nil)
	require.Error(t, err)

	// Arbitrary, non-consecutive indices work (export shares use such indices).
	secret := ScalarFromInt(c, 1234)
	a1 := ScalarFromInt(c, 987654)
	f := func(x Scalar) Scalar { return secret.add(a1.mul(x)) }
	x1, x2 := ScalarFromInt(c, 1<<30), ScalarFromInt(c, 77)
	got, err := Recombine([]Share{{x1, f(x1)}, {x2, f(x2)}})
	require.NoError(t, err)
	require.True(t, got.Equal(secret))
}

func TestCheckPublicSharesDetectsDisagreement(t *testing.T) {
	t.Parallel()
	for _, c := range Curves() {
		s, err := Split(ScalarFromInt(c, 5), 3, 5)
		require.NoError(t, err)
		bad := append([]Point(nil), s.PublicShares...)
		bad[4] = bad[4].add(c.Generator())
		_, err = CheckPublicShares(bad, 3)
		require.ErrorContains(t, err, "public share 5", c.Name())
		_, err = CheckPublicShares(s.PublicShares, 6)
		require.Error(t, err)
	}
}

// Canonical scalar parsing: order−1 is accepted; order, order+1, 2^256−1 and
// zero are rejected, on every curve.
func TestParseScalarEdges(t *testing.T) {
	t.Parallel()
	orders := map[string]string{
		"secp256k1": "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
		"stark":     "0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2f",
		"ed25519":   "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed",
	}
	for _, c := range Curves() {
		t.Run(c.Name(), func(t *testing.T) {
			order, _ := new(big.Int).SetString(orders[c.Name()], 16)
			enc := func(v *big.Int) []byte { return v.FillBytes(make([]byte, 32)) }
			minus1 := new(big.Int).Sub(order, big.NewInt(1))
			s, err := c.ParseScalar(enc(minus1))
			require.NoError(t, err, "order−1")
			require.Equal(t, enc(minus1), s.Bytes())
			require.True(t, s.add(ScalarFromInt(c, 1)).IsZero(), "order−1 + 1 wraps to zero: the order is right")

			for name, v := range map[string]*big.Int{
				"order":   order,
				"order+1": new(big.Int).Add(order, big.NewInt(1)),
				"2^256-1": new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1)),
			} {
				_, err := c.ParseScalar(enc(v))
				require.ErrorIs(t, err, ErrScalarOutOfRange, name)
			}
			_, err = c.ParseScalar(make([]byte, 32))
			require.ErrorIs(t, err, ErrZeroScalar)
			_, err = c.ParseScalar(make([]byte, 31))
			require.ErrorContains(t, err, "31 bytes")
			_, err = c.ParseScalar(make([]byte, 33))
			require.ErrorContains(t, err, "33 bytes")
		})
	}
}

// Share points are uncompressed on secp256k1 and stark: a compressed point,
// a hybrid prefix or the identity are rejected.
func TestParsePointEncodings(t *testing.T) {
	t.Parallel()
	for _, c := range []Curve{Secp256k1, Stark} {
		p := c.BaseMul(ScalarFromInt(c, 3))
		u := p.Bytes()
		require.Len(t, u, 65)
		require.Equal(t, byte(4), u[0])
		back, err := c.ParsePoint(u)
		require.NoError(t, err)
		require.True(t, back.Equal(p))

		_, err = c.ParsePoint(p.PublicKeyBytes())
		require.ErrorContains(t, err, "uncompressed", "%s: compressed point in a share", c.Name())
		hybrid := bytes.Clone(u)
		hybrid[0] = 0x06
		_, err = c.ParsePoint(hybrid)
		require.Error(t, err)
		offCurve := bytes.Clone(u)
		offCurve[64] ^= 1
		_, err = c.ParsePoint(offCurve)
		require.Error(t, err)
		_, err = c.ParsePoint(append([]byte{4}, make([]byte, 64)...))
		require.Error(t, err, "identity / (0,0)")

		pk, err := c.ParsePublicKey(p.PublicKeyBytes())
		require.NoError(t, err)
		require.True(t, pk.Equal(p))
		neg := p.PublicKeyBytes()
		neg[0] ^= 1 // 02 <-> 03 selects −P
		pkNeg, err := c.ParsePublicKey(neg)
		require.NoError(t, err)
		require.True(t, pkNeg.add(p).IsIdentity())
		_, err = c.ParsePublicKey(u)
		require.ErrorContains(t, err, "compressed")
	}

	// ed25519: 32 bytes, canonical, not the identity, not of small order.
	p := Ed25519.BaseMul(ScalarFromInt(Ed25519, 3))
	require.Len(t, p.Bytes(), 32)
	_, err := Ed25519.ParsePoint(p.Bytes())
	require.NoError(t, err)
	identity := make([]byte, 32)
	identity[0] = 1
	_, err = Ed25519.ParsePoint(identity)
	require.ErrorContains(t, err, "identity")
	// A point of order 2: (0, −1).
	order2 := bytes.Repeat([]byte{0xff}, 32)
	order2[0] = 0xec
	order2[31] = 0x7f
	_, err = Ed25519.ParsePoint(order2)
	require.ErrorContains(t, err, "prime-order")
	// Non-canonical encoding of the identity: y = p+1.
	nonCanon := bytes.Repeat([]byte{0xff}, 32)
	nonCanon[0] = 0xee
	nonCanon[31] = 0x7f
	_, err = Ed25519.ParsePoint(nonCanon)
	require.Error(t, err)
	_, err = Ed25519.ParsePoint(make([]byte, 33))
	require.ErrorContains(t, err, "32 bytes")
}

// Independent check of the stark curve: the published StarkNet parameters,
// an affine big.Int implementation written from them, and public keys
// published by starknet.js.
func TestStarkIndependent(t *testing.T) {
	t.Parallel()
	hexInt := func(s string) *big.Int { v, ok := new(big.Int).SetString(s, 16); require.True(t, ok); return v }
	p := new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 251), new(big.Int).Add(new(big.Int).Lsh(big.NewInt(17), 192), big.NewInt(1)))
	beta := hexInt("6f21413efbe40de150e596d72f7a8c5609ad26c15c915c1f4cdfcb99cee9e89")
	gx := hexInt("1ef15c18599971b7beced415a40f0c7deacfd9b0d1819e03d723d8bc943cfca")
	gy := hexInt("5668060aa49730b7be4801df46ec62de53ecd11abe43a32873000c36e8dc1f")

	g := Stark.Generator().Bytes()
	require.Equal(t, gx.FillBytes(make([]byte, 32)), g[1:33])
	require.Equal(t, gy.FillBytes(make([]byte, 32)), g[33:])

	mod := func(v *big.Int) *big.Int { return v.Mod(v, p) }
	type pt struct{ x, y *big.Int }
	add := func(a, b *pt) *pt {
		if a == nil {
			return b
		}
		if b == nil {
			return a
		}
		var l *big.Int
		if a.x.Cmp(b.x) == 0 {
			if mod(new(big.Int).Add(a.y, b.y)).Sign() == 0 {
				return nil
			}
			num := mod(new(big.Int).Add(new(big.Int).Mul(big.NewInt(3), new(big.Int).Mul(a.x, a.x)), big.NewInt(1)))
			den := new(big.Int).ModInverse(mod(new(big.Int).Mul(big.NewInt(2), a.y)), p)
			l = mod(num.Mul(num, den))
		} else {
			den := new(big.Int).ModInverse(mod(new(big.Int).Sub(b.x, a.x)), p)
			l = mod(new(big.Int).Mul(new(big.Int).Sub(b.y, a.y), den))
		}
		x := mod(new(big.Int).Sub(new(big.Int).Sub(new(big.Int).Mul(l, l), a.x), b.x))
		y := mod(new(big.Int).Sub(new(big.Int).Mul(l, new(big.Int).Sub(a.x, x)), a.y))
		return &pt{x, y}
	}
	mul := func(k *big.Int, q *pt) *pt {
		var r *pt
		for i := k.BitLen() - 1; i >= 0; i-- {
			r = add(r, r)
			if k.Bit(i) == 1 {
				r = add(r, q)
			}
		}
		return r
	}
	// G is on y² = x³ + x + β.
	lhs := mod(new(big.Int).Mul(gy, gy))
	rhs := mod(new(big.Int).Add(new(big.Int).Add(new(big.Int).Exp(gx, big.NewInt(3), p), gx), beta))
	require.Equal(t, lhs, rhs)

	G := &pt{gx, gy}
	for i := 0; i < 8; i++ {
		kb := make([]byte, 32)
		_, _ = rand.Read(kb)
		kb[0] &= 0x07
		k := new(big.Int).SetBytes(kb)
		s := Stark.scalarFromBytesReduce(kb)
		want := mul(k, G)
		got := Stark.BaseMul(s).Bytes()
		require.Equal(t, want.x.FillBytes(make([]byte, 32)), got[1:33], "x of k·G")
		require.Equal(t, want.y.FillBytes(make([]byte, 32)), got[33:], "y of k·G")
		wantC := byte(2 + want.y.Bit(0))
		require.Equal(t, wantC, Stark.BaseMul(s).PublicKeyBytes()[0], "compressed prefix is y parity")
	}
	// The order: n·G is the identity in the independent implementation.
	n := hexInt("800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2f")
	require.Nil(t, mul(n, G))

	// starknet.js getStarkKey (x-coordinate of k·G).
	for k, x := range map[uint32]string{
		0x111: "014584bef56c98fbb91aba84c20724937d5b5d2d6e5a49b60e6c3a19696fad5f",
		0x222: "05cba218680f68130296ac34ed343d6186a98744c6ef66c39345fdaefe06c4d5",
	} {
		pk := Stark.BaseMul(ScalarFromInt(Stark, k)).PublicKeyBytes()
		require.Equal(t, x, hex.EncodeToString(pk[1:]))
	}
}

func TestPlaintextFieldOrderAndForm(t *testing.T) {
	t.Parallel()
	for _, c := range Curves() {
		s, err := Split(ScalarFromInt(c, 9), 2, 3)
		require.NoError(t, err)
		pt := string(ImportPlaintexts(s)[1])
		require.True(t, strings.HasPrefix(pt, `{"version":1,"secret_share":{"curve":"`+c.Name()+`","scalar":"`), pt)
		require.Less(t, strings.Index(pt, `"secret_share"`), strings.Index(pt, `"public_shares"`))
		require.NotContains(t, pt, " ")
		require.Equal(t, 3, strings.Count(pt, `"point"`))
		es := string((&ExportShare{Index: ScalarFromInt(c, 2), SecretShare: s.Shares[1]}).Marshal())
		require.True(t, strings.HasPrefix(es, `{"version":1,"index":{"curve":"`+c.Name()+`","scalar":"`+fmt.Sprintf("%064x", 2)+`"},"secret_share":`), es)
	}
	// Real-world sizes from docs/protocol.md §4: secp256k1, 5 signers.
	s, err := Split(ScalarFromInt(Secp256k1, 9), 3, 5)
	require.NoError(t, err)
	require.Len(t, ImportPlaintexts(s)[0], 959)
	require.Len(t, (&ExportShare{Index: ScalarFromInt(Secp256k1, 2), SecretShare: s.Shares[1]}).Marshal(), 232)
}

func TestParseExportShareStrict(t *testing.T) {
	t.Parallel()
	idx := `{"curve":"secp256k1","scalar":"` + fmt.Sprintf("%064x", 3) + `"}`
	val := `{"curve":"secp256k1","scalar":"` + fmt.Sprintf("%064x", 5) + `"}`
	good := `{"version":1,"index":` + idx + `,"secret_share":` + val + `}`
	_, err := ParseExportShare(Secp256k1, []byte(good))
	require.NoError(t, err)
	_, err = ParseExportShare(Secp256k1, []byte(" {\n\"secret_share\" : "+val+", \"index\":"+idx+",\"version\":1}\n"))
	require.NoError(t, err, "white space and key order are not significant")

	order := "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
	cases := map[string]struct{ in, want string }{
		"version 2":         {strings.Replace(good, `"version":1`, `"version":2`, 1), `version is "2"`},
		"version 1.0":       {strings.Replace(good, `"version":1`, `"version":1.0`, 1), "version"},
		"version string":    {strings.Replace(good, `"version":1`, `"version":"1"`, 1), "version"},
		"missing version":   {strings.Replace(good, `"version":1,`, ``, 1), `missing field "version"`},
		"unknown field":     {strings.Replace(good, `"version":1`, `"version":1,"extra":1`, 1), `unknown field "extra"`},
		"Version case":      {strings.Replace(good, `"version"`, `"Version"`, 1), `unknown field "Version"`},
		"repeated field":    {strings.Replace(good, `"version":1`, `"version":1,"version":1`, 1), "appears twice"},
		"wrong curve tag":   {strings.Replace(good, `"secp256k1"`, `"stark"`, 1), `want "secp256k1"`},
		"index zero":        {strings.Replace(good, fmt.Sprintf("%064x", 3), fmt.Sprintf("%064x", 0), 1), "zero"},
		"share = order":     {strings.Replace(good, fmt.Sprintf("%064x", 5), order, 1), "group order"},
		"short hex":         {strings.Replace(good, fmt.Sprintf("%064x", 5), fmt.Sprintf("%062x", 5), 1), "62 hex digits"},
		"bad hex":           {strings.Replace(good, fmt.Sprintf("%064x", 5), "zz"+fmt.Sprintf("%062x", 5), 1), "not hex"},
		"escape":            {strings.Replace(good, `"curve"`, `"curv\u0065"`, 1), "escape"},
		"trailing data":     {good + "{}", "after the object"},
		"truncated":         {good[:len(good)-1], "end of input"},
		"missing index":     {`{"version":1,"secret_share":` + val + `}`, `missing field "index"`},
		"tag missing curve": {strings.Replace(good, `"curve":"secp256k1",`, ``, 1), `missing field "curve"`},
		"empty":             {"", "end of input"},
		"array":             {"[]", "unexpected character"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseExportShare(Secp256k1, []byte(c.in))
			require.ErrorIs(t, err, ErrMalformedPlaintext)
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestParseImportShareStrict(t *testing.T) {
	t.Parallel()
	s, err := Split(ScalarFromInt(Secp256k1, 77), 2, 3)
	require.NoError(t, err)
	good := string(ImportPlaintexts(s)[0])
	compressed := hex.EncodeToString(s.PublicShares[0].PublicKeyBytes())
	uncompressed := hex.EncodeToString(s.PublicShares[0].Bytes())
	cases := map[string]struct{ in, want string }{
		"compressed public share": {strings.Replace(good, uncompressed, compressed, 1), "66 hex digits, want 130"},
		"one public share":        {good[:strings.Index(good, `,{"curve":"secp256k1","point"`)] + "]}", "at least 2"},
		"stark tag on point":      {strings.Replace(good, `{"curve":"secp256k1","point"`, `{"curve":"stark","point"`, 1), `want "secp256k1"`},
		"missing public shares":   {good[:strings.Index(good, `,"public_shares"`)] + "}", `missing field "public_shares"`},
		"point for scalar":        {strings.Replace(good, `"scalar"`, `"point"`, 1), "unknown field"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseImportShare(Secp256k1, []byte(c.in))
			require.ErrorIs(t, err, ErrMalformedPlaintext)
			require.ErrorContains(t, err, c.want)
		})
	}
	_, err = ParseImportShare(Stark, []byte(good))
	require.ErrorContains(t, err, `want "stark"`)
}

func TestScalarsRedact(t *testing.T) {
	t.Parallel()
	for _, c := range Curves() {
		s := ScalarFromInt(c, 0xabcdef)
		for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %x %s %d", s, s, s, s, s, s), s.String()} {
			require.NotContains(t, out, "abcdef")
			require.Contains(t, out, "REDACTED")
		}
		s.Zeroize()
		require.True(t, s.IsZero())
	}
}
