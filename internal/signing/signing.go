// Package signing makes the signatures that Dfns makes with a key, for the
// simulator and for tests: ECDSA on secp256k1 over a raw 32-byte hash,
// BIP-340 Schnorr (alone and under the BIP-341 tweak with no script tree),
// StarkNet ECDSA, and Ed25519 from a signing scalar. The signatures
// package verifies them.
//
// Timing: these functions use variable-time arithmetic (dcrd's NonConst
// point multiplication, big.Int for stark). They serve a simulator whose
// keys protect nothing, never a real key.
package signing

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"math/big"

	"filippo.io/edwards25519"
	starkcurve "github.com/consensys/gnark-crypto/ecc/stark-curve"
	"github.com/consensys/gnark-crypto/ecc/stark-curve/fr"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// Signature is r and s as 32-byte big-endian values (for Ed25519: the
// encoding of R and the little-endian S), plus the ECDSA recovery ID.
type Signature struct {
	R, S  [32]byte
	Recid int
}

var errKey = errors.New("signing: the secret is zero or not below the group order")

// Secp256k1ECDSA signs a 32-byte hash as it is (RFC 6979 nonce, low s).
func Secp256k1ECDSA(secret, hash []byte) (*Signature, error) {
	var d secp256k1.ModNScalar
	if len(secret) != 32 || d.SetByteSlice(secret) || d.IsZero() {
		return nil, errKey
	}
	priv := secp256k1.NewPrivateKey(&d)
	compact := ecdsa.SignCompact(priv, hash, true) // 27+4+recid ‖ r ‖ s
	sig := &Signature{Recid: int(compact[0]-27) & 1}
	copy(sig.R[:], compact[1:33])
	copy(sig.S[:], compact[33:65])
	return sig, nil
}

// BIP340 signs msg with the secret key as BIP-340's default signing
// algorithm does, with auxiliary randomness aux (32 bytes).
func BIP340(secret, msg, aux []byte) (*Signature, error) {
	var d secp256k1.ModNScalar
	if len(secret) != 32 || d.SetByteSlice(secret) || d.IsZero() {
		return nil, errKey
	}
	return bip340(&d, msg, aux)
}

func bip340(d0 *secp256k1.ModNScalar, msg, aux []byte) (*Signature, error) {
	var p secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(d0, &p)
	p.ToAffine()
	d := *d0
	if p.Y.IsOdd() {
		d.Negate()
	}
	px := p.X.Bytes()
	db := d.Bytes()
	ah := TaggedHash("BIP0340/aux", aux)
	var t [32]byte
	for i := range t {
		t[i] = db[i] ^ ah[i]
	}
	kh := TaggedHash("BIP0340/nonce", t[:], px[:], msg)
	var k secp256k1.ModNScalar
	k.SetByteSlice(kh[:])
	if k.IsZero() {
		return nil, errors.New("signing: BIP-340 nonce is zero")
	}
	var r secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(&k, &r)
	r.ToAffine()
	if r.Y.IsOdd() {
		k.Negate()
	}
	rx := r.X.Bytes()
	eh := TaggedHash("BIP0340/challenge", rx[:], px[:], msg)
	var e secp256k1.ModNScalar
	e.SetByteSlice(eh[:])
	s := new(secp256k1.ModNScalar).Mul2(&e, &d).Add(&k)
	sig := &Signature{}
	copy(sig.R[:], rx[:])
	sb := s.Bytes()
	copy(sig.S[:], sb[:])
	return sig, nil
}

// Taproot signs a 32-byte hash with BIP-340 under the BIP-341 tweak of the
// secret's key with no script tree, as Dfns does for a Schnorr key and
// taprootMerkleRoot "".
func Taproot(secret, hash []byte) (*Signature, error) {
	var d secp256k1.ModNScalar
	if len(secret) != 32 || d.SetByteSlice(secret) || d.IsZero() {
		return nil, errKey
	}
	var p secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(&d, &p)
	p.ToAffine()
	if p.Y.IsOdd() {
		d.Negate()
	}
	px := p.X.Bytes()
	th := TaggedHash("TapTweak", px[:])
	var t secp256k1.ModNScalar
	if t.SetByteSlice(th[:]) {
		return nil, errors.New("signing: taproot tweak is not below the group order")
	}
	d.Add(&t)
	aux := make([]byte, 32)
	_, _ = rand.Read(aux)
	return bip340(&d, hash, aux)
}

var starkBound = new(big.Int).Lsh(big.NewInt(1), 251)

// StarkECDSA signs a hash below 2^251 with StarkNet's ECDSA, with a random
// nonce, retrying until r and w = s⁻¹ are below 2^251 as StarkNet requires.
func StarkECDSA(secret, hash []byte) (*Signature, error) {
	n := fr.Modulus()
	d := new(big.Int).SetBytes(secret)
	h := new(big.Int).SetBytes(hash)
	if d.Sign() == 0 || d.Cmp(n) >= 0 {
		return nil, errKey
	}
	if len(hash) > 32 || h.Cmp(starkBound) >= 0 {
		return nil, errors.New("signing: the stark hash is not below 2^251")
	}
	_, g := starkcurve.Generators()
	for {
		k, err := rand.Int(rand.Reader, n)
		if err != nil || k.Sign() == 0 {
			continue
		}
		var rp starkcurve.G1Affine
		rp.ScalarMultiplication(&g, k)
		var r big.Int
		rp.X.BigInt(&r)
		if r.Sign() == 0 || r.Cmp(starkBound) >= 0 {
			continue
		}
		// s = (h + r·d) / k mod n
		s := new(big.Int).Mul(&r, d)
		s.Add(s, h).Mod(s, n)
		if s.Sign() == 0 {
			continue
		}
		s.Mul(s, new(big.Int).ModInverse(k, n)).Mod(s, n)
		w := new(big.Int).ModInverse(s, n)
		if s.Sign() == 0 || w == nil || w.Cmp(starkBound) >= 0 {
			continue
		}
		sig := &Signature{}
		r.FillBytes(sig.R[:])
		s.FillBytes(sig.S[:])
		return sig, nil
	}
}

// Ed25519Scalar signs msg as RFC 8032 Ed25519 with the 32-byte big-endian
// signing scalar Dfns holds for a FROST key (the seed is unknown, so the
// nonce is random rather than derived from the seed's second half; the
// signature verifies the same).
func Ed25519Scalar(secret, msg []byte) (*Signature, error) {
	if len(secret) != 32 {
		return nil, errKey
	}
	le := make([]byte, 32)
	for i := range le {
		le[i] = secret[31-i]
	}
	a, err := edwards25519.NewScalar().SetCanonicalBytes(le)
	if err != nil || a.Equal(edwards25519.NewScalar()) == 1 {
		return nil, errKey
	}
	pub := new(edwards25519.Point).ScalarBaseMult(a).Bytes()
	nonce := make([]byte, 64)
	_, _ = rand.Read(nonce)
	r, _ := edwards25519.NewScalar().SetUniformBytes(nonce)
	R := new(edwards25519.Point).ScalarBaseMult(r).Bytes()
	h := sha512.New()
	h.Write(R)
	h.Write(pub)
	h.Write(msg)
	k, _ := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil))
	s := edwards25519.NewScalar().MultiplyAdd(k, a, r)
	sig := &Signature{}
	copy(sig.R[:], R)
	copy(sig.S[:], s.Bytes())
	return sig, nil
}

// TaggedHash is BIP-340's SHA256(SHA256(tag) ‖ SHA256(tag) ‖ parts…).
func TaggedHash(tag string, parts ...[]byte) [32]byte {
	t := sha256.Sum256([]byte(tag))
	h := sha256.New()
	h.Write(t[:])
	h.Write(t[:])
	for _, p := range parts {
		h.Write(p)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}
