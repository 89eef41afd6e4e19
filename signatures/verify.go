package signatures

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/stark-curve/fr"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	starkcurve "github.com/consensys/gnark-crypto/ecc/stark-curve"

	"github.com/dfnskeys/dfnskeys/internal/secp"
	"github.com/dfnskeys/dfnskeys/internal/sharding"
	"github.com/dfnskeys/dfnskeys/internal/signing"
)

// ErrInvalid is returned (possibly wrapped) when a well-formed signature
// does not verify under the public key.
var ErrInvalid = errors.New("the signature does not verify")

// verifySecp256k1ECDSA checks an ECDSA signature (r, s) over a 32-byte hash
// under a 33-byte compressed secp256k1 public key. The hash is used as it
// is, with no further hashing, as Dfns signs a Hash request. Both s and
// order−s are accepted (ECDSA allows either; Bitcoin's low-s rule is a
// transaction-relay policy, not part of verification).
func verifySecp256k1ECDSA(publicKey, hash, r, s []byte) error {
	if len(hash) != 32 {
		return fmt.Errorf("the hash is %d bytes; want 32", len(hash))
	}
	pub, err := secp256k1.ParsePubKey(publicKey)
	if err != nil {
		return fmt.Errorf("invalid secp256k1 public key")
	}
	var rs, ss secp256k1.ModNScalar
	if err := setScalar(&rs, r, "r"); err != nil {
		return err
	}
	if err := setScalar(&ss, s, "s"); err != nil {
		return err
	}
	if !ecdsa.NewSignature(&rs, &ss).Verify(hash, pub) {
		return ErrInvalid
	}
	return nil
}

// setScalar reads a big-endian value of at most 32 bytes that must be in
// [1, n) for the secp256k1 order n.
func setScalar(out *secp256k1.ModNScalar, b []byte, name string) error {
	if len(b) > 32 {
		return fmt.Errorf("%s is %d bytes; want at most 32", name, len(b))
	}
	if out.SetByteSlice(b) || out.IsZero() {
		return fmt.Errorf("%s is zero or not below the secp256k1 group order", name)
	}
	return nil
}

// verifyBIP340 checks a 64-byte BIP-340 Schnorr signature over msg under
// a 32-byte x-only public key, following BIP-340's verification algorithm.
func verifyBIP340(xonly [32]byte, msg []byte, sig []byte) error {
	if len(sig) != 64 {
		return fmt.Errorf("a BIP-340 signature is 64 bytes, not %d", len(sig))
	}
	// lift_x: the point with x = xonly and even y; fails when x ≥ p or no
	// such point exists.
	p, err := secp256k1.ParsePubKey(append([]byte{2}, xonly[:]...))
	if err != nil {
		return fmt.Errorf("the x-only public key is not on secp256k1")
	}
	var rx secp256k1.FieldVal
	if rx.SetByteSlice(sig[:32]) {
		return ErrInvalid // r ≥ p
	}
	var s secp256k1.ModNScalar
	if s.SetByteSlice(sig[32:]) {
		return ErrInvalid // s ≥ n
	}
	h := signing.TaggedHash("BIP0340/challenge", sig[:32], xonly[:], msg)
	var e secp256k1.ModNScalar
	e.SetByteSlice(h[:]) // reduced mod n, as BIP-340 says
	// R = s·G − e·P
	var pj, sg, ep, rj secp256k1.JacobianPoint
	p.AsJacobian(&pj)
	secp256k1.ScalarBaseMultNonConst(&s, &sg)
	e.Negate()
	secp256k1.ScalarMultNonConst(&e, &pj, &ep)
	secp256k1.AddNonConst(&sg, &ep, &rj)
	if (rj.X.IsZero() && rj.Y.IsZero()) || rj.Z.IsZero() {
		return ErrInvalid // R is the point at infinity
	}
	rj.ToAffine()
	rj.Y.Normalize()
	rj.X.Normalize()
	if rj.Y.IsOdd() || !rj.X.Equals(&rx) {
		return ErrInvalid
	}
	return nil
}

// verifyTaproot checks a BIP-340 signature (r = x(R), s) over a 32-byte
// hash under the BIP-341 output key of a 33-byte compressed secp256k1
// public key with an empty script tree, which is how Dfns signs a Hash
// with a Schnorr key and taprootMerkleRoot "".
func verifyTaproot(publicKey, hash, r, s []byte) error {
	if len(hash) != 32 {
		return fmt.Errorf("the hash is %d bytes; want 32", len(hash))
	}
	q, err := secp.TaprootOutputKey(publicKey)
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	sig, err := concat32(r, s)
	if err != nil {
		return err
	}
	return verifyBIP340(q, hash, sig)
}

// verifyEd25519 checks an RFC 8032 Ed25519 signature over msg under a
// 32-byte public key. r is the 32-byte encoding of R and s the 32-byte S,
// little-endian as in RFC 8032. Dfns's documentation does not state the
// byte order of s, so when the little-endian reading fails, the reversed
// (big-endian) one is tried too; either way only a signature that
// verifies under RFC 8032 is accepted.
func verifyEd25519(publicKey, msg, r, s []byte) error {
	if len(publicKey) != ed25519.PublicKeySize {
		return fmt.Errorf("an ed25519 public key is 32 bytes, not %d", len(publicKey))
	}
	if len(r) != 32 || len(s) != 32 {
		return fmt.Errorf("an Ed25519 signature has a 32-byte r and s; got %d and %d bytes", len(r), len(s))
	}
	sig := append(bytes.Clone(r), s...)
	if ed25519.Verify(publicKey, msg, sig) {
		return nil
	}
	for i := range 32 {
		sig[32+i] = s[31-i]
	}
	if ed25519.Verify(publicKey, msg, sig) {
		return nil
	}
	return ErrInvalid
}

// starkBound is 2^251: StarkNet ECDSA requires r, w = s⁻¹ and the message
// hash below it.
var starkBound = new(big.Int).Lsh(big.NewInt(1), 251)

// verifyStarkECDSA checks a StarkNet ECDSA signature (r, s) over a message
// hash below 2^251 under a 33-byte compressed stark public key, as
// StarkWare's reference verifier does: 1 ≤ r < 2^251, 1 ≤ s < n,
// w = s⁻¹ mod n with 1 ≤ w < 2^251, and x(w·(h·G + r·Q)) = r.
func verifyStarkECDSA(publicKey, hash, r, s []byte) error {
	if len(hash) > 32 || len(r) > 32 || len(s) > 32 {
		return fmt.Errorf("stark hash, r and s are at most 32 bytes each")
	}
	pt, err := sharding.Stark.ParsePublicKey(publicKey)
	if err != nil {
		return fmt.Errorf("invalid stark public key")
	}
	var q starkcurve.G1Affine
	xy := pt.Bytes() // 04 ‖ X ‖ Y
	q.X.SetBytes(xy[1:33])
	q.Y.SetBytes(xy[33:65])

	h := new(big.Int).SetBytes(hash)
	ri := new(big.Int).SetBytes(r)
	si := new(big.Int).SetBytes(s)
	n := fr.Modulus()
	switch {
	case h.Cmp(starkBound) >= 0:
		return fmt.Errorf("the stark message hash is not below 2^251")
	case ri.Sign() <= 0 || ri.Cmp(starkBound) >= 0:
		return ErrInvalid
	case si.Sign() <= 0 || si.Cmp(n) >= 0:
		return ErrInvalid
	}
	w := new(big.Int).ModInverse(si, n)
	if w == nil || w.Sign() <= 0 || w.Cmp(starkBound) >= 0 {
		return ErrInvalid
	}
	_, g := starkcurve.Generators()
	var hg, rq, sum starkcurve.G1Affine
	hg.ScalarMultiplication(&g, h)
	rq.ScalarMultiplication(&q, ri)
	sum.Add(&hg, &rq)
	var out starkcurve.G1Affine
	out.ScalarMultiplication(&sum, w)
	if out.IsInfinity() {
		return ErrInvalid
	}
	var x big.Int
	out.X.BigInt(&x)
	if x.Cmp(ri) != 0 {
		return ErrInvalid
	}
	return nil
}

func concat32(r, s []byte) ([]byte, error) {
	if len(r) > 32 || len(s) > 32 {
		return nil, fmt.Errorf("r and s are at most 32 bytes; got %d and %d", len(r), len(s))
	}
	out := make([]byte, 64)
	copy(out[32-len(r):32], r)
	copy(out[64-len(s):], s)
	return out, nil
}
