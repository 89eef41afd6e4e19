package keys_test

import (
	"context"
	"errors"
	"testing"

	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

// BenchmarkRecoverWrongPublicKeyLargeThreshold measures the refusal that
// TestRecoverWrongPublicKeyLargeThreshold checks: n = 30, minSigners = 29,
// and a public key no share set explains. Recovery once tried every subset
// (minutes); it is one interpolation now, and this is where a regression
// shows, not in a test's wall clock.
func BenchmarkRecoverWrongPublicKeyLargeThreshold(b *testing.B) {
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		sk := newSharedKey(b, c, 29, 30)
		ctx, err := keys.NewExportContext()
		require.NoError(b, err)
		ek := ctx.DecryptionKey().EncryptionKey()
		for _, tc := range []struct {
			name  string
			wrong []int
			want  error
		}{{"consistent", nil, keys.ErrPublicKeyMismatch}, {"one-wrong-share", []int{17}, keys.ErrTooManyFaulty}} {
			r := sk.response(b, ek, 29, tc.wrong)
			r.PublicKey = randomKey(b, c).PublicKeyHex()
			b.Run(string(c)+"/"+tc.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := ctx.Recover(context.Background(), r, keys.RecoverOptions{}); !errors.Is(err, tc.want) {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
