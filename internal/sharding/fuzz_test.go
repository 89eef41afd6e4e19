package sharding

import (
	"testing"
)

func fuzzCurve(b uint8) Curve { return Curves()[int(b)%len(Curves())] }

func curveIndex(name string) uint8 {
	for i, c := range Curves() {
		if c.Name() == name {
			return uint8(i)
		}
	}
	return 0
}

func FuzzParseImportShare(f *testing.F) {
	for _, v := range loadKAT(f).ImportShares {
		for _, pt := range v.Plaintexts {
			f.Add(curveIndex(v.Curve), []byte(pt))
		}
	}
	f.Fuzz(func(t *testing.T, curve uint8, data []byte) {
		c := fuzzCurve(curve)
		s, err := ParseImportShare(c, data)
		if err != nil {
			return
		}
		if s.SecretShare.IsZero() || len(s.PublicShares) < 2 {
			t.Fatal("accepted a zero share or too few public shares")
		}
		again, err := ParseImportShare(c, s.Marshal())
		if err != nil {
			t.Fatalf("re-parsing our own encoding: %v", err)
		}
		if !again.SecretShare.Equal(s.SecretShare) || len(again.PublicShares) != len(s.PublicShares) {
			t.Fatal("round trip changed the share")
		}
		for i := range s.PublicShares {
			if s.PublicShares[i].IsIdentity() || !again.PublicShares[i].Equal(s.PublicShares[i]) {
				t.Fatal("round trip changed a public share or accepted the identity")
			}
		}
	})
}

func FuzzParseExportShare(f *testing.F) {
	for _, v := range loadKAT(f).ExportRecovery {
		for _, pt := range v.Plaintexts {
			f.Add(curveIndex(v.Curve), []byte(pt))
		}
	}
	f.Fuzz(func(t *testing.T, curve uint8, data []byte) {
		c := fuzzCurve(curve)
		s, err := ParseExportShare(c, data)
		if err != nil {
			return
		}
		if s.Index.IsZero() || s.SecretShare.IsZero() {
			t.Fatal("accepted a zero scalar")
		}
		again, err := ParseExportShare(c, s.Marshal())
		if err != nil || !again.Index.Equal(s.Index) || !again.SecretShare.Equal(s.SecretShare) {
			t.Fatalf("round trip failed: %v", err)
		}
	})
}

func FuzzParsePoint(f *testing.F) {
	for _, c := range Curves() {
		g := c.Generator()
		f.Add(curveIndex(c.Name()), g.Bytes())
		f.Add(curveIndex(c.Name()), g.PublicKeyBytes())
	}
	f.Fuzz(func(t *testing.T, curve uint8, data []byte) {
		c := fuzzCurve(curve)
		if p, err := c.ParsePoint(data); err == nil {
			if p.IsIdentity() || string(p.Bytes()) != string(data) {
				t.Fatal("accepted the identity or a non-canonical point")
			}
		}
		if p, err := c.ParsePublicKey(data); err == nil {
			if p.IsIdentity() || string(p.PublicKeyBytes()) != string(data) {
				t.Fatal("accepted the identity or a non-canonical public key")
			}
		}
	})
}
