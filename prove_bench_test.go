package dfnskeys_test

import (
	"context"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/keys"
)

// BenchmarkProveKey measures one proof against the in-process simulator:
// the signed user action, the signature request, the poll that finds it
// signed, and the local verification.
func BenchmarkProveKey(b *testing.B) {
	for _, s := range keys.SupportedSchemes() {
		b.Run(s.String(), func(b *testing.B) {
			srv, c := setupB(b)
			_ = srv
			ctx := context.Background()
			key, err := keys.GeneratePrivateKey(s.Curve)
			if err != nil {
				b.Fatal(err)
			}
			created, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Protocol: s.Protocol})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := c.ProveKey(ctx, created.Key, dfnskeys.ProveOptions{PublicKey: key.PublicKey()}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
