package keys_test

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/keys"
)

const benchSigners = 5

func BenchmarkBuildImportRequest(b *testing.B) {
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		b.Run(string(c)+"/n=5", func(b *testing.B) {
			cluster := newCluster(b, benchSigners)
			ss := cluster.WireSigners()
			key := randomKey(b, c)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := importbuild.Request(key, ss, importbuild.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRecover(b *testing.B) {
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		b.Run(string(c)+"/n=5", func(b *testing.B) {
			cluster := newCluster(b, benchSigners)
			req, err := importbuild.Request(randomKey(b, c), cluster.WireSigners(), importbuild.Options{})
			if err != nil {
				b.Fatal(err)
			}
			stored, err := cluster.Import(req)
			if err != nil {
				b.Fatal(err)
			}
			ctx, err := keys.NewExportContext()
			if err != nil {
				b.Fatal(err)
			}
			resp, err := cluster.Export(stored, ctx.Request())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := ctx.Recover(context.Background(), resp, keys.RecoverOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUnavoidableECWork measures the elliptic-curve work a secp256k1
// import for 5 signers cannot avoid: 5 fixed-base multiplications for the
// public shares and, per share, one fixed-base (ephemeral key) and one
// variable-base (shared secret) multiplication for the envelope. The ratio
// of BenchmarkBuildImportRequest/secp256k1/n=5 to this is our overhead.
func BenchmarkUnavoidableECWork(b *testing.B) {
	var k [benchSigners]secp256k1.ModNScalar
	var pub [benchSigners]secp256k1.JacobianPoint
	for i := range k {
		var buf [32]byte
		_, _ = rand.Read(buf[:])
		k[i].SetBytes(&buf)
		secp256k1.ScalarBaseMultNonConst(&k[i], &pub[i])
		pub[i].ToAffine() // encryption keys arrive in affine form
	}
	b.ReportAllocs()
	for b.Loop() {
		var r secp256k1.JacobianPoint
		for i := range benchSigners {
			secp256k1.ScalarBaseMultNonConst(&k[i], &r) // public share
			secp256k1.ScalarBaseMultNonConst(&k[i], &r) // ephemeral key
			secp256k1.ScalarMultNonConst(&k[i], &pub[i], &r)
		}
	}
}

// BenchmarkImportBuilder is BuildImportRequest with the signers validated
// once, as a bulk import does.
func BenchmarkImportBuilder(b *testing.B) {
	for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
		b.Run(string(c)+"/n=5", func(b *testing.B) {
			builder, err := importbuild.New(newCluster(b, benchSigners).WireSigners())
			if err != nil {
				b.Fatal(err)
			}
			key := randomKey(b, c)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := builder.Build(key, importbuild.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
