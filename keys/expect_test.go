package keys_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

// A forged share that repeats an honest share's index: which of the two is
// forged cannot be told, so both are left out and both signers are named
// suspect (the honest one is not singled out as faulty), and the key is
// recovered from the others. See docs/threat-model.md §7.
func TestRecoverDuplicateIndexNamesEverySigner(t *testing.T) {
	t.Parallel()
	f := newExportFixture(t, keys.Secp256k1, 3, 5)
	idx := func(i int) string { return fmt.Sprintf("%064x", i) }
	// Share 4 (index 5) is forged with index 1, the index of share 0.
	r := f.response(t, 3, func(i int, pt string) string {
		if i == 4 {
			return strings.Replace(pt, idx(5), idx(1), 1)
		}
		return pt
	})
	got, faulty, err := f.ctx.Recover(context.Background(), r, keys.RecoverOptions{})
	require.NoError(t, err)
	defer got.Destroy()
	require.True(t, got.Equal(f.key))
	require.Len(t, faulty, 2)
	require.Equal(t, f.ids[0], faulty[0].SignerID)
	require.Equal(t, f.ids[4], faulty[1].SignerID)
	require.ErrorContains(t, faulty[0].Err, "suspect: the share has the same index as the share of signer "+f.ids[4])
	require.ErrorContains(t, faulty[1].Err, "suspect: the share has the same index as the share of signer "+f.ids[0])

	// Three shares on one index: every one of them named, each with the
	// two others.
	r = f.response(t, 3, func(i int, pt string) string {
		if i == 3 || i == 4 {
			return strings.Replace(pt, idx(i+1), idx(1), 1)
		}
		return pt
	})
	_, faulty, err = f.ctx.Recover(context.Background(), r, keys.RecoverOptions{})
	var re *keys.RecoveryError
	require.ErrorAs(t, err, &re, "2 usable shares with minSigners 3")
	require.ErrorIs(t, err, keys.ErrTooManyFaulty)
	require.Nil(t, faulty)
	require.Len(t, re.Faulty, 3)
	for i, want := range []int{0, 3, 4} {
		require.Equal(t, f.ids[want], re.Faulty[i].SignerID)
		require.ErrorContains(t, re.Faulty[i].Err, "suspect")
	}
	require.Contains(t, re.Faulty[0].Err.Error(), f.ids[3]+", signer "+f.ids[4])
}

// A signer ID that appears twice: neither share is used and only that
// signer is named, as suspect, whichever comes first. A forged share put
// first under an honest signer's ID, carrying another honest share's
// index, must not get that other signer named.
func TestRecoverDuplicateSignerNamesOnlyThatSigner(t *testing.T) {
	t.Parallel()
	f := newExportFixture(t, keys.Secp256k1, 3, 5)
	for name, edit := range map[string]func(r *keys.ExportResponse){
		"forged first": func(r *keys.ExportResponse) {
			forged := r.EncryptedKeyShares[3]
			forged.SignerID = f.ids[0]
			r.EncryptedKeyShares = append([]keys.EncryptedKeyShare{forged}, r.EncryptedKeyShares...)
		},
		"forged last": func(r *keys.ExportResponse) {
			forged := r.EncryptedKeyShares[3]
			forged.SignerID = f.ids[0]
			r.EncryptedKeyShares = append(r.EncryptedKeyShares, forged)
		},
	} {
		t.Run(name, func(t *testing.T) {
			r := f.response(t, 3, nil)
			edit(r)
			got, faulty, err := f.ctx.Recover(context.Background(), r, keys.RecoverOptions{})
			require.NoError(t, err)
			defer got.Destroy()
			require.True(t, got.Equal(f.key))
			require.Len(t, faulty, 2)
			for _, fs := range faulty {
				require.Equal(t, f.ids[0], fs.SignerID)
				require.ErrorContains(t, fs.Err, "suspect: the signer appears 2 times")
				require.NotContains(t, fs.Err.Error(), f.ids[3])
			}
		})
	}
}

// Shares from signers outside the key's cluster are refused, never
// decrypted or used, and named with a clear reason.
func TestRecoverRefusesSignersOutsideCluster(t *testing.T) {
	t.Parallel()
	f := newExportFixture(t, keys.Secp256k1, 3, 5)
	cluster := f.ids[:4] // signer 5 is not in the cluster
	got, faulty, err := f.ctx.Recover(context.Background(), f.response(t, 3, nil), keys.RecoverOptions{Signers: cluster})
	require.NoError(t, err)
	defer got.Destroy()
	require.True(t, got.Equal(f.key))
	require.Len(t, faulty, 1)
	require.Equal(t, f.ids[4], faulty[0].SignerID)
	require.EqualError(t, faulty[0].Err, "the signer is not one of the 4 signers of the key's cluster; its share was refused")

	// An outsider's share that would otherwise be used: with only two
	// cluster signers left, nothing is recovered.
	_, _, err = f.ctx.Recover(context.Background(), f.response(t, 3, nil), keys.RecoverOptions{Signers: f.ids[:2]})
	require.ErrorIs(t, err, keys.ErrTooManyFaulty)
	require.ErrorContains(t, err, "not one of the 2 signers of the key's cluster")

	// Without Signers every share is considered (as before).
	got2, faulty, err := f.ctx.Recover(context.Background(), f.response(t, 3, nil), keys.RecoverOptions{})
	require.NoError(t, err)
	got2.Destroy()
	require.Empty(t, faulty)

	// A malformed cluster signer ID is the caller's mistake.
	_, _, err = f.ctx.Recover(context.Background(), f.response(t, 3, nil), keys.RecoverOptions{Signers: []string{"not base64"}})
	require.ErrorContains(t, err, "RecoverOptions.Signers")
}

// The offline recovery path checks the recovered key against the expected
// one: a consistent response for another key (its shares and its
// publicKey agree) is refused, with no key returned.
func TestRecoverExpectation(t *testing.T) {
	t.Parallel()
	f := newExportFixture(t, keys.Secp256k1, 3, 5)
	other := randomKey(t, keys.Secp256k1)
	defer other.Destroy()

	got, _, err := f.ctx.Recover(context.Background(), f.response(t, 3, nil), keys.RecoverOptions{Expect: keys.ExpectPublicKey(f.key.PublicKey())})
	require.NoError(t, err)
	require.True(t, got.Equal(f.key))
	got.Destroy()

	k, faulty, err := f.ctx.Recover(context.Background(), f.response(t, 3, nil), keys.RecoverOptions{Expect: keys.ExpectPublicKey(other.PublicKey())})
	require.Nil(t, k)
	require.Nil(t, faulty)
	var uk *keys.UnexpectedKeyError
	require.ErrorAs(t, err, &uk)
	require.True(t, uk.Exported)
	require.Equal(t, f.key.PublicKeyHex(), uk.PublicKey)
	msg := err.Error()
	require.Contains(t, msg, "the API returned another key than expected")
	require.Contains(t, msg, "Dfns may have marked the real key exported")
	require.Contains(t, msg, "do not destroy your original copy of the key")
	require.Contains(t, msg, "discarded and not saved")
	require.NotContains(t, msg, other.PublicKeyHex(), "the expected value is not printed")

	// An identity of another curve never matches.
	exp, err := keys.ExpectIdentity(keys.Identity{Curve: keys.Stark, PublicKey: f.key.PublicKeyHex()})
	require.NoError(t, err)
	_, _, err = f.ctx.Recover(context.Background(), f.response(t, 3, nil), keys.RecoverOptions{Expect: exp})
	require.ErrorAs(t, err, &uk)
	exp, err = keys.ExpectIdentity(keys.Identity{Curve: keys.Secp256k1, PublicKey: strings.ToUpper(f.key.PublicKeyHex())})
	require.NoError(t, err)
	got, _, err = f.ctx.Recover(context.Background(), f.response(t, 3, nil), keys.RecoverOptions{Expect: exp})
	require.NoError(t, err)
	got.Destroy()
}

func TestParseExpectedPublicKey(t *testing.T) {
	t.Parallel()
	key := randomKey(t, keys.Secp256k1)
	defer key.Destroy()
	exp, err := keys.ParseExpectedPublicKey("  0x" + strings.ToUpper(key.PublicKeyHex()) + "\n")
	require.NoError(t, err)
	require.NoError(t, exp.CheckCurve(keys.Secp256k1))
	require.True(t, exp.Matches(keys.Secp256k1, key.PublicKey()))
	require.False(t, exp.Matches(keys.Secp256k1, append(key.PublicKey()[:32:32], 0)))
	require.Equal(t, "the expected public key", exp.String())
	require.ErrorContains(t, exp.CheckCurve(keys.Ed25519), "33 bytes, but a ed25519 public key in Dfns's encoding has 32")

	// A private key pasted by mistake: refused for the curve, never
	// printed back.
	secret := hex.EncodeToString(key.Bytes())
	exp, err = keys.ParseExpectedPublicKey(secret)
	require.NoError(t, err, "32 bytes may be an ed25519 public key")
	err = exp.CheckCurve(keys.Secp256k1)
	require.ErrorContains(t, err, "is it a private key?")
	require.NotContains(t, err.Error(), secret)
	for _, bad := range []string{"", "zz", secret + "00ff", "02" + secret[:20]} {
		_, err := keys.ParseExpectedPublicKey(bad)
		require.Error(t, err, "%q", bad)
		if bad != "" {
			require.NotContains(t, err.Error(), bad)
		}
	}
	// SEC1 uncompressed, as Ethereum tools print it: the same key. (Stark
	// takes the same path; dcrd decompresses secp256k1 points here.)
	for _, c := range []keys.Curve{keys.Secp256k1} {
		k := randomKey(t, c)
		p, err := secp256k1.ParsePubKey(k.PublicKey())
		require.NoError(t, err)
		unc := p.SerializeUncompressed()
		exp, err := keys.ParseExpectedPublicKey("0x" + hex.EncodeToString(unc))
		require.NoError(t, err)
		require.NoError(t, exp.CheckCurve(c))
		require.True(t, exp.Matches(c, k.PublicKey()), "%s: the uncompressed form of the key", c)
		other := randomKey(t, c)
		require.False(t, exp.Matches(c, other.PublicKey()))
		// y's parity is part of the key: the mirrored point is another.
		flipped := append([]byte(nil), k.PublicKey()...)
		flipped[0] ^= 1
		require.False(t, exp.Matches(c, flipped), "%s: the point with the other y", c)
		unc[0] = 0x05
		_, err = keys.ParseExpectedPublicKey(hex.EncodeToString(unc))
		require.ErrorContains(t, err, "65 bytes starting 04")
		k.Destroy()
		other.Destroy()
	}
	// 33 bytes that are not a point.
	exp, err = keys.ParseExpectedPublicKey("05" + strings.Repeat("11", 32))
	require.NoError(t, err)
	require.EqualError(t, exp.CheckCurve(keys.Secp256k1), "the expected public key is not a valid secp256k1 public key")
}

// The server's public key in an UnexpectedKeyError is bounded and escaped.
func TestUnexpectedKeyErrorEscapes(t *testing.T) {
	t.Parallel()
	hostile := "02ab\n\x1b[8mfake line" + strings.Repeat("A", 10000)
	msg := (&keys.UnexpectedKeyError{KeyID: "key-1\nx", Expected: "the expected public key", Curve: "secp256k1", PublicKey: hostile}).Error()
	require.NotContains(t, msg, "\n")
	require.NotContains(t, msg, "\x1b")
	require.Less(t, len(msg), 1000)
	require.Contains(t, msg, `nothing was exported`)
	var uk *keys.UnexpectedKeyError
	require.True(t, errors.As(fmt.Errorf("wrapped: %w", &keys.UnexpectedKeyError{}), &uk), "errors.As finds it wrapped")
}

// The expected public key is compared with crypto/subtle, in constant
// time: a source check, since timing cannot be asserted reliably.
func TestExpectationComparesInConstantTime(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "expect.go", nil, 0)
	require.NoError(t, err)
	var found bool
	ast.Inspect(file, func(n ast.Node) bool {
		fd, ok := n.(*ast.FuncDecl)
		if !ok || fd.Name.Name != "Matches" || fd.Recv == nil {
			return true
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "subtle" && sel.Sel.Name == "ConstantTimeCompare" {
					found = true
				}
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "bytes" {
					t.Errorf("Matches uses bytes.%s: compare with subtle.ConstantTimeCompare", sel.Sel.Name)
				}
			}
			return true
		})
		return false
	})
	require.True(t, found, "publicKeyExpectation.Matches must use subtle.ConstantTimeCompare")
}

// ParseExpectedPublicKey reads bulk input rows and flags: it never panics,
// never prints its input back, and what it accepts is 32 or 33 bytes.
func FuzzParseExpectedPublicKey(f *testing.F) {
	for _, s := range []string{"", "0x", "024e3b81af9c2234cad09d679ce6035ed1392347ce64ce405f5dcd36228a25de6e", " 0X" + strings.Repeat("ab", 32), strings.Repeat("0", 66), "zz", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		exp, err := keys.ParseExpectedPublicKey(s)
		if err != nil {
			if len(strings.TrimSpace(s)) >= 8 && strings.Contains(err.Error(), strings.TrimSpace(s)) {
				t.Fatalf("the error prints the input: %v", err)
			}
			return
		}
		for _, c := range []keys.Curve{keys.Secp256k1, keys.Stark, keys.Ed25519} {
			if err := exp.CheckCurve(c); err != nil && len(strings.TrimSpace(s)) >= 8 && strings.Contains(err.Error(), strings.TrimSpace(s)) {
				t.Fatalf("CheckCurve prints the input: %v", err)
			}
		}
	})
}
