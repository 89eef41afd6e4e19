package keys_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"testing"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/sharding"
	"github.com/dfnskeys/dfnskeys/internal/slowtest"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

// sharedKey is a key split at random evaluation points, as Dfns signers
// hold it after a key refresh.
type sharedKey struct {
	key    *keys.PrivateKey
	curve  sharding.Curve
	shares []sharding.Share
	ids    []string
}

func newSharedKey(t testing.TB, c keys.Curve, th, n int) *sharedKey {
	t.Helper()
	key := randomKey(t, c)
	sc, err := sharding.CurveByName(string(c))
	require.NoError(t, err)
	secret, err := sc.ParseScalar(key.Bytes())
	require.NoError(t, err)
	idx := make([]sharding.Scalar, n)
	for i := range idx {
		r := randomKey(t, keys.Secp256k1).Bytes() // 32 random bytes
		r[0] &= 0x03                              // below every order
		idx[i], err = sc.ParseScalar(r)
		require.NoError(t, err)
	}
	shares, err := sharding.SplitAt(secret, th, idx)
	require.NoError(t, err)
	sk := &sharedKey{key: key, curve: sc, shares: shares}
	for i := range n {
		var id [32]byte
		binary.BigEndian.PutUint32(id[:], uint32(i+1))
		sk.ids = append(sk.ids, base64.StdEncoding.EncodeToString(id[:]))
	}
	return sk
}

// response encrypts the shares to ek, replacing the values of the shares
// in wrong with other valid scalars.
func (sk *sharedKey) response(t testing.TB, ek *encryption.EncryptionKey, th int, wrong []int) *keys.ExportResponse {
	t.Helper()
	r := &keys.ExportResponse{PublicKey: sk.key.PublicKeyHex(), Protocol: keys.DefaultProtocol(sk.key.Curve()), Curve: sk.key.Curve(), MinSigners: th}
	for i, s := range sk.shares {
		v := s.Value
		if slices.Contains(wrong, i) {
			other, err := sk.curve.ParseScalar(randomKey(t, keys.Secp256k1).Bytes()[:32])
			if err != nil { // above the stark or ed25519 order: take a small one
				other = sharding.ScalarFromInt(sk.curve, uint32(i+1000))
			}
			v = other
		}
		pt := (&sharding.ExportShare{Index: s.Index, SecretShare: v}).Marshal()
		ct, err := encryption.Encrypt(ek, pt)
		require.NoError(t, err)
		r.EncryptedKeyShares = append(r.EncryptedKeyShares, keys.EncryptedKeyShare{SignerID: sk.ids[i], EncryptedKeyShare: base64.StdEncoding.EncodeToString(ct)})
	}
	return r
}

func faultyIDs(fs []keys.FaultySigner) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.SignerID)
	}
	return out
}

// TestRecoverCorrectsWrongShares: 1, 2 and ⌊(n−t)/2⌋ wrong shares are
// corrected and their signers named; one more is refused.
func TestRecoverCorrectsWrongShares(t *testing.T) {
	t.Parallel()
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		for _, tn := range [][2]int{{3, 5}, {3, 10}, {5, 30}, {20, 64}} {
			th, n := tn[0], tn[1]
			e := (n - th) / 2
			t.Run(fmt.Sprintf("%s/t=%d/n=%d", c, th, n), func(t *testing.T) {
				t.Parallel()
				if n > 30 {
					slowtest.SkipUnderRace(t, "recovering 64 shares (12 s race-built)")
				}
				sk := newSharedKey(t, c, th, n)
				ctx, err := keys.NewExportContext()
				require.NoError(t, err)
				ek := ctx.DecryptionKey().EncryptionKey()
				rng := mrand.New(mrand.NewPCG(uint64(th), uint64(n)))
				for _, k := range []int{1, 2, e, e + 1} {
					if k == 2 && e < 2 {
						continue
					}
					wrong := rng.Perm(n)[:k]
					slices.Sort(wrong)
					got, faulty, err := ctx.Recover(context.Background(), sk.response(t, ek, th, wrong), keys.RecoverOptions{})
					if k > e {
						require.ErrorIs(t, err, keys.ErrTooManyFaulty, "%d wrong", k)
						require.Nil(t, got)
						continue
					}
					require.NoError(t, err, "%d wrong", k)
					require.True(t, got.Equal(sk.key), "%d wrong: the key", k)
					var want []string
					for _, i := range wrong {
						want = append(want, sk.ids[i])
					}
					require.Equal(t, want, faultyIDs(faulty), "%d wrong: named", k)
				}
			})
		}
	}
}

// Unreadable shares are erasures: with n=10, t=3, two unreadable and two
// wrong shares leave 8 usable shares, enough to correct 2.
func TestRecoverErasuresAndErrors(t *testing.T) {
	t.Parallel()
	sk := newSharedKey(t, keys.Secp256k1, 3, 10)
	ctx, err := keys.NewExportContext()
	require.NoError(t, err)
	r := sk.response(t, ctx.DecryptionKey().EncryptionKey(), 3, []int{4, 9})
	other, err := keys.NewExportContext()
	require.NoError(t, err)
	r.EncryptedKeyShares[1] = sk.response(t, other.DecryptionKey().EncryptionKey(), 3, nil).EncryptedKeyShares[1]
	r.EncryptedKeyShares[6].EncryptedKeyShare = r.EncryptedKeyShares[6].EncryptedKeyShare[:40]
	got, faulty, err := ctx.Recover(context.Background(), r, keys.RecoverOptions{})
	require.NoError(t, err)
	require.True(t, got.Equal(sk.key))
	require.Equal(t, []string{sk.ids[1], sk.ids[4], sk.ids[6], sk.ids[9]}, faultyIDs(faulty))
	require.ErrorIs(t, faulty[0].Err, encryption.ErrDecryption)
	require.ErrorContains(t, faulty[1].Err, "not on the polynomial")

	// A third wrong share is one too many for 8 usable shares.
	r = sk.response(t, ctx.DecryptionKey().EncryptionKey(), 3, []int{4, 7, 9})
	r.EncryptedKeyShares[1].EncryptedKeyShare = "AAAA"
	r.EncryptedKeyShares[6].EncryptedKeyShare = "AAAA"
	_, _, err = ctx.Recover(context.Background(), r, keys.RecoverOptions{})
	require.ErrorIs(t, err, keys.ErrTooManyFaulty)
	require.ErrorContains(t, err, sk.ids[1])
	require.ErrorContains(t, err, sk.ids[6])
}

// With minSigners = n−1 and a public key no share set explains, recovery
// used to try every subset (minutes at n=30). Now it is one interpolation;
// BenchmarkRecoverWrongPublicKeyLargeThreshold measures it.
func TestRecoverWrongPublicKeyLargeThreshold(t *testing.T) {
	t.Parallel()
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		sk := newSharedKey(t, c, 29, 30)
		ctx, err := keys.NewExportContext()
		require.NoError(t, err)
		ek := ctx.DecryptionKey().EncryptionKey()
		for _, wrong := range map[string][]int{"consistent shares": nil, "one wrong share": {17}} {
			r := sk.response(t, ek, 29, wrong)
			r.PublicKey = randomKey(t, c).PublicKeyHex()
			got, faulty, err := ctx.Recover(context.Background(), r, keys.RecoverOptions{})
			require.Nil(t, got)
			require.Nil(t, faulty)
			if wrong == nil {
				require.ErrorIs(t, err, keys.ErrPublicKeyMismatch)
			} else {
				require.ErrorIs(t, err, keys.ErrTooManyFaulty)
			}
		}
	}
}

func TestRecoverCanceled(t *testing.T) {
	t.Parallel()
	sk := newSharedKey(t, keys.Secp256k1, 3, 5)
	ec, err := keys.NewExportContext()
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = ec.Recover(ctx, sk.response(t, ec.DecryptionKey().EncryptionKey(), 3, []int{1}), keys.RecoverOptions{})
	require.ErrorIs(t, err, context.Canceled)
}

// FuzzRecoverShares builds valid export responses (real envelopes to the
// context's key) whose share values the fuzzer chooses: shares it picks are
// replaced by values derived from its bytes, or made unreadable. A key is
// returned only if it is the right one; within ⌊(usable−t)/2⌋ wrong shares
// the key is always returned with exactly the faulty signers named.
func FuzzRecoverShares(f *testing.F) {
	f.Add(uint8(0), uint8(3), uint8(5), []byte{1, 0x11})
	f.Add(uint8(1), uint8(2), uint8(9), []byte{0, 1, 2, 3, 4, 5, 6})
	f.Add(uint8(2), uint8(4), uint8(4), []byte{})
	f.Add(uint8(0), uint8(3), uint8(10), []byte{0x80, 0x81, 4, 9})
	ctx, err := keys.NewExportContext()
	if err != nil {
		f.Fatal(err)
	}
	ek := ctx.DecryptionKey().EncryptionKey()
	curves := []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519}
	f.Fuzz(func(t *testing.T, curve, th, n uint8, edits []byte) {
		c := curves[int(curve)%len(curves)]
		nn := 2 + int(n)%12
		tt := 2 + int(th)%(nn-1)
		sk := newSharedKey(t, c, tt, nn)
		r := sk.response(t, ek, tt, nil)
		wrong, unreadable := map[int]bool{}, map[int]bool{}
		for k, b := range edits {
			i := int(b&0x7f) % nn
			if b&0x80 != 0 {
				r.EncryptedKeyShares[i].EncryptedKeyShare = "AAAA"
				unreadable[i] = true
				continue
			}
			// Shift the value by k+1: a chosen, valid, different scalar.
			v := sharding.ScalarFromInt(sk.curve, uint32(k+1))
			b := v.Bytes()
			sum := sk.shares[i].Value.Bytes()
			var carry uint16
			for j := 31; j >= 0; j-- {
				s := uint16(sum[j]) + uint16(b[j]) + carry
				sum[j], carry = byte(s), s>>8
			}
			if nv, err := sk.curve.ParseScalar(sum); err == nil {
				sk.shares[i].Value = nv
				wrong[i] = true
			}
			pt := (&sharding.ExportShare{Index: sk.shares[i].Index, SecretShare: sk.shares[i].Value}).Marshal()
			ct, err := encryption.Encrypt(ek, pt)
			require.NoError(t, err)
			if !unreadable[i] {
				r.EncryptedKeyShares[i].EncryptedKeyShare = base64.StdEncoding.EncodeToString(ct)
			}
		}
		for i := range unreadable {
			delete(wrong, i)
		}
		got, faulty, err := ctx.Recover(context.Background(), r, keys.RecoverOptions{})
		usable := nn - len(unreadable)
		correctable := usable >= tt && len(wrong) <= (usable-tt)/2
		if err != nil {
			if correctable {
				t.Fatalf("t=%d n=%d, %d unreadable, %d wrong: %v", tt, nn, len(unreadable), len(wrong), err)
			}
			return
		}
		if !got.Equal(sk.key) {
			t.Fatal("recovered a wrong key")
		}
		if correctable {
			var want []string
			for i := range nn {
				if wrong[i] || unreadable[i] {
					want = append(want, sk.ids[i])
				}
			}
			if !slices.Equal(want, faultyIDs(faulty)) {
				t.Fatalf("named %v, want %v", faultyIDs(faulty), want)
			}
		}
	})
}

// BenchmarkRecoverFaulty measures recovery with n signers, minSigners
// ⌈n/2⌉, with no wrong share and with ⌊(n−t)/2⌋ wrong shares.
func BenchmarkRecoverFaulty(b *testing.B) {
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		for _, n := range []int{5, 10, 30, 64} {
			th := (n + 1) / 2
			e := (n - th) / 2
			sk := newSharedKey(b, c, th, n)
			ctx, err := keys.NewExportContext()
			require.NoError(b, err)
			for _, k := range []int{0, e} {
				resp := sk.response(b, ctx.DecryptionKey().EncryptionKey(), th, mrand.Perm(n)[:k])
				b.Run(fmt.Sprintf("%s/n=%d/t=%d/wrong=%d", c, n, th, k), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						key, faulty, err := ctx.Recover(context.Background(), resp, keys.RecoverOptions{})
						if err != nil || len(faulty) != k {
							b.Fatal(err, len(faulty))
						}
						key.Destroy()
					}
				})
			}
		}
	}
}
