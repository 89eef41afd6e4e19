// Package proof holds what a proof of a key (dfnskeys.Client.ProveKey and
// bulk's --prove) derives on its own, shared by the client, bulk and the
// simulator: the externalId a proof is sent with, the hash it signs, and
// the checks of Dfns's answer (docs/protocol.md §7). None of it touches a
// secret.
package proof

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signatures"
)

// ExternalIDPrefix begins every externalId [ExternalID] and
// [NewExternalID] make.
const ExternalIDPrefix = "dfnskeys-proof-v1-"

// ExternalID returns the externalId a proof of key keyID under publicKey
// (the public key the signature must verify under) is sent with by
// default: ExternalIDPrefix and the hex of the first 16 bytes of a SHA-256
// over "dfnskeys proof externalId v1", a zero byte, then the key ID and
// the public key, each preceded by its length (8 bytes, big-endian). It is
// deterministic: the same key and public key always give the same
// externalId, and so the same hash to sign (see [Hash]).
func ExternalID(keyID string, publicKey []byte) string {
	h := sha256.New()
	h.Write([]byte("dfnskeys proof externalId v1\x00"))
	var n [8]byte
	for _, part := range [][]byte{[]byte(keyID), publicKey} {
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	return ExternalIDPrefix + hex.EncodeToString(h.Sum(nil)[:16])
}

// NewExternalID returns a fresh random externalId of the form
// [ExternalID] makes (ExternalIDPrefix and 32 hex digits), for a new
// proof of a key whose earlier proof Dfns refused or failed: with the old
// externalId, Dfns would answer with that same request.
func NewExternalID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return ExternalIDPrefix + hex.EncodeToString(b)
}

// NewHash returns a fresh random 32-byte hash that a key of the given
// curve can sign: below 2^251 for stark (StarkNet signs field elements),
// any 32 bytes otherwise.
func NewHash(c keys.Curve) []byte {
	h := make([]byte, 32)
	_, _ = rand.Read(h)
	if c == keys.Stark {
		h[0] &= 0x07
	}
	return h
}

// Hash returns the 32-byte hash a proof with the given externalId signs:
// SHA-256 over "dfnskeys proof hash v1", a zero byte, the externalId's
// length (8 bytes, big-endian) and the externalId, with the same range
// constraint as [NewHash] (below 2^251 for stark). The hash follows from
// the externalId alone, so a proof sent again with the same externalId (a
// retry, or a rerun after a crash) sends the same body, and Dfns, which
// treats externalId as an idempotency key, answers with the request it
// made the first time instead of signing again.
func Hash(c keys.Curve, externalID string) []byte {
	h := sha256.New()
	h.Write([]byte("dfnskeys proof hash v1\x00"))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(externalID)))
	h.Write(n[:])
	h.Write([]byte(externalID))
	out := h.Sum(nil)
	if c == keys.Stark {
		out[0] &= 0x07
	}
	return out
}

// SameBody reports whether r and o ask for the same signature: same kind,
// hash (compared as hex, in any case) and taproot merkle root. The
// externalId is not compared.
func SameBody(r, o *signatures.SignRequest) bool {
	if r == nil || o == nil {
		return false
	}
	if (r.TaprootMerkleRoot == nil) != (o.TaprootMerkleRoot == nil) ||
		(r.TaprootMerkleRoot != nil && *r.TaprootMerkleRoot != *o.TaprootMerkleRoot) {
		return false
	}
	return r.Kind == o.Kind && strings.EqualFold(r.Hash, o.Hash)
}

// IsSigned reports whether a signature request with this status carries
// its signature: Signed or Confirmed.
func IsSigned(status string) bool { return status == "Signed" || status == "Confirmed" }

// SchemeOf returns the scheme that verifying a signature of a Dfns key
// needs, from the key's reported scheme and curve. The CGGMP protocol does
// not matter for verification; CGGMP24 is returned for ECDSA keys.
func SchemeOf(k *keys.Key) (keys.Scheme, error) {
	var s keys.Scheme
	switch k.Scheme {
	case "ECDSA":
		s = keys.Scheme{Protocol: keys.CGGMP24, Curve: k.Curve}
	case "Schnorr":
		s = keys.Scheme{Protocol: keys.FROSTBitcoin, Curve: k.Curve}
	case "EdDSA":
		s = keys.Scheme{Protocol: keys.FROST, Curve: k.Curve}
	default:
		return keys.Scheme{}, fmt.Errorf("key %s has scheme \"%s\", which dfnskeys cannot verify (ECDSA, Schnorr and EdDSA can be)", safetext.Text(k.ID), safetext.Text(k.Scheme))
	}
	if err := s.Validate(); err != nil {
		return keys.Scheme{}, fmt.Errorf("key %s: %w", safetext.Text(k.ID), err)
	}
	return s, nil
}
