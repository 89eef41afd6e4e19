package signatures

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/dfnskeys/dfnskeys/keys"
)

// Signature is a signature as Dfns reports it: hex r and s, with a 0x
// prefix, a recovery ID for ECDSA and sometimes an encoded form.
type Signature struct {
	// R is r: for ECDSA a scalar, for Schnorr x(R), for EdDSA the
	// encoding of R.
	R string `json:"r"`
	// S is s.
	S string `json:"s"`
	// Recid is the ECDSA recovery ID (0 or 1), when given.
	Recid *int `json:"recid,omitempty"`
	// Encoded is the signature in the chain's own encoding, when given.
	Encoded string `json:"encoded,omitempty"`
}

// NewProofHash returns a fresh random 32-byte hash that a key of the given
// curve can sign: below 2^251 for stark (StarkNet signs field elements),
// any 32 bytes otherwise.
func NewProofHash(c keys.Curve) []byte {
	h := make([]byte, 32)
	_, _ = rand.Read(h)
	if c == keys.Stark {
		h[0] &= 0x07
	}
	return h
}

// Verify checks sig, a signature Dfns made over hash with a key of the
// given scheme, under that key's public key (hex or bytes as Dfns encodes
// it: 33-byte compressed on secp256k1 and stark, 32 bytes on ed25519). It
// returns nil only when the signature verifies; [ErrInvalid] (wrapped) when
// a well-formed signature does not.
func Verify(scheme keys.Scheme, publicKey, hash []byte, sig *Signature) error {
	if err := scheme.Validate(); err != nil {
		return err
	}
	if sig == nil {
		return fmt.Errorf("signatures: no signature")
	}
	r, err := parseHex(sig.R, "r")
	if err != nil {
		return err
	}
	s, err := parseHex(sig.S, "s")
	if err != nil {
		return err
	}
	switch {
	case scheme.Curve == keys.Ed25519:
		return VerifyEd25519(publicKey, hash, pad32(r), pad32(s))
	case scheme.Protocol == keys.FROSTBitcoin:
		return VerifyTaproot(publicKey, hash, r, s)
	case scheme.Curve == keys.Stark:
		return VerifyStarkECDSA(publicKey, hash, r, s)
	default:
		return VerifySecp256k1ECDSA(publicKey, hash, r, s)
	}
}

// pad32 left-pads b (at most 32 bytes) to 32 bytes.
func pad32(b []byte) []byte {
	out := make([]byte, 32)
	copy(out[32-len(b):], b)
	return out
}

// parseHex reads hex with an optional 0x prefix, at most 32 bytes; an odd
// number of digits is read with a leading zero (Dfns writes numbers).
func parseHex(v, name string) ([]byte, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(v, "0x"), "0X")
	if h == "" || len(h) > 64 {
		return nil, fmt.Errorf("signatures: signature %s is %d hex digits; want 1 to 64", name, len(h))
	}
	if len(h)%2 == 1 {
		h = "0" + h
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("signatures: signature %s is not hex", name)
	}
	return b, nil
}
