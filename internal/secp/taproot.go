package secp

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// ParsePublicKey parses a secp256k1 public key of 33 (compressed) or 65
// (uncompressed) bytes, with errors that say what is wrong.
func ParsePublicKey(pub []byte) (*secp256k1.PublicKey, error) {
	switch {
	case len(pub) == 33 && (pub[0] == 2 || pub[0] == 3):
	case len(pub) == 65 && pub[0] == 4:
	case len(pub) == 33 || len(pub) == 65:
		return nil, fmt.Errorf("secp256k1 public key has prefix 0x%02x; want 0x02 or 0x03 (compressed) or 0x04 (uncompressed)", pub[0])
	default:
		return nil, fmt.Errorf("secp256k1 public key is %d bytes; want 33 (compressed) or 65 (uncompressed)", len(pub))
	}
	p, err := secp256k1.ParsePubKey(pub)
	if err != nil {
		return nil, errors.New("invalid secp256k1 public key: not a point on the curve")
	}
	return p, nil
}

// TaggedHash is BIP-340's SHA256(SHA256(tag) ‖ SHA256(tag) ‖ msg).
func TaggedHash(tag string, msg []byte) [32]byte {
	t := sha256.Sum256([]byte(tag))
	h := sha256.New()
	h.Write(t[:])
	h.Write(t[:])
	h.Write(msg)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// TaprootOutputKey returns x(Q), the x-only output key of the key-path-only
// (BIP-86) Taproot output of a 33-byte compressed secp256k1 public key:
// Q = P + int(hash_TapTweak(x(P)))·G with P the key with even y, as BIP-341
// taproot_tweak_pubkey computes it with an empty script tree. Schnorr
// signatures Dfns makes with taprootMerkleRoot "" verify under Q.
func TaprootOutputKey(pub []byte) ([32]byte, error) {
	p, err := ParsePublicKey(pub)
	if err != nil {
		return [32]byte{}, err
	}
	return TaprootOutputKeyOf(p)
}

// TaprootOutputKeyOf returns x(Q) for the BIP-86 key-path-only output of
// internal key p (BIP-341 taproot_tweak_pubkey with an empty script tree).
func TaprootOutputKeyOf(p *secp256k1.PublicKey) ([32]byte, error) {
	xonly := p.SerializeCompressed()[1:]
	even, err := secp256k1.ParsePubKey(append([]byte{2}, xonly...))
	if err != nil {
		return [32]byte{}, errors.New("invalid secp256k1 public key: not a point on the curve")
	}
	tweak := TaggedHash("TapTweak", xonly)
	var t secp256k1.ModNScalar
	if t.SetByteSlice(tweak[:]) {
		// Probability about 2^-128; BIP-341 says the key then has no taproot output.
		return [32]byte{}, errors.New("taproot tweak is not below the group order; the key has no P2TR address")
	}
	var pj, tg, q secp256k1.JacobianPoint
	even.AsJacobian(&pj)
	secp256k1.ScalarBaseMultNonConst(&t, &tg)
	secp256k1.AddNonConst(&pj, &tg, &q)
	if (q.X.IsZero() && q.Y.IsZero()) || q.Z.IsZero() {
		return [32]byte{}, errors.New("taproot output key is the point at infinity; the key has no P2TR address")
	}
	q.ToAffine()
	return *q.X.Bytes(), nil
}
