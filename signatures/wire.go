package signatures

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

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
		return fmt.Errorf("no signature")
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
		return verifyEd25519(publicKey, hash, pad32(r), pad32(s))
	case scheme.Protocol == keys.FROSTBitcoin:
		return verifyTaproot(publicKey, hash, r, s)
	case scheme.Curve == keys.Stark:
		return verifyStarkECDSA(publicKey, hash, r, s)
	default:
		return verifySecp256k1ECDSA(publicKey, hash, r, s)
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
		return nil, fmt.Errorf("signature %s is %d hex digits; want 1 to 64", name, len(h))
	}
	if len(h)%2 == 1 {
		h = "0" + h
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("signature %s is not hex", name)
	}
	return b, nil
}

// SignRequest is the body of POST /keys/{keyId}/signatures for the kinds a
// proof uses: a 32-byte Hash ("0x" and 64 hex digits), with
// TaprootMerkleRoot set to "" for a Schnorr key (the BIP-86 key-path
// tweak), and an optional ExternalID (GenerateSignatureBody in @dfns/sdk
// 0.8.21, generated/keys/types.d.ts).
type SignRequest struct {
	// Kind is "Hash".
	Kind string `json:"kind"`
	// Hash is the hash to sign, "0x" and 64 hex digits.
	Hash string `json:"hash"`
	// TaprootMerkleRoot is "" for a Schnorr key and nil otherwise.
	TaprootMerkleRoot *string `json:"taprootMerkleRoot,omitempty"`
	// ExternalID is Dfns's idempotency key: the same externalId with the
	// same body is answered with the request made the first time; with
	// another body, 409.
	ExternalID string `json:"externalId,omitempty"`
}

// NewSignRequest returns the request that signs hash with a key of the
// given scheme.
func NewSignRequest(scheme keys.Scheme, hash []byte) *SignRequest {
	r := &SignRequest{Kind: "Hash", Hash: "0x" + hex.EncodeToString(hash)}
	if scheme.Protocol == keys.FROSTBitcoin {
		empty := ""
		r.TaprootMerkleRoot = &empty
	}
	return r
}

// Request is a Dfns signature request, as POST /keys/{keyId}/signatures
// and GET /keys/{keyId}/signatures/{signatureId} return it. Only the fields
// a proof needs are typed; others are ignored.
type Request struct {
	// ID is the signature request's ID ("sig-…").
	ID string `json:"id"`
	// KeyID is the key that signs.
	KeyID string `json:"keyId"`
	// Status is "Pending", "Executing", "Signed", "Confirmed", "Failed" or
	// "Rejected", as @dfns/sdk 0.8.21 lists them
	// (generated/keys/types.d.ts). Confirmed follows Signed (a broadcast
	// signature confirmed on chain) and carries the signature too.
	Status string `json:"status"`
	// RequestBody is the body the request was made with, as Dfns reports
	// it.
	RequestBody *SignRequest `json:"requestBody,omitempty"`
	// ExternalID is the request's externalId, when it was given one.
	ExternalID string `json:"externalId,omitempty"`
	// Signature is set once Status is Signed or Confirmed.
	Signature *Signature `json:"signature,omitempty"`
	// Reason says why a request failed or was rejected, when Dfns says.
	Reason string `json:"reason,omitempty"`
	// ApprovalID names the policy approval holding the request, if any.
	ApprovalID string `json:"approvalId,omitempty"`
	// DateRequested is when the request was made.
	DateRequested time.Time `json:"dateRequested,omitzero"`
	// DateSigned is when it was signed.
	DateSigned *time.Time `json:"dateSigned,omitempty"`
	// DateConfirmed is when it was confirmed, for a Confirmed request.
	DateConfirmed *time.Time `json:"dateConfirmed,omitempty"`
}

// ListResponse is the body of GET /keys/{keyId}/signatures: one page of a
// key's signature requests.
type ListResponse struct {
	// Items holds this page's requests.
	Items []Request `json:"items"`
	// NextPageToken, when not empty, fetches the next page.
	NextPageToken string `json:"nextPageToken,omitempty"`
}
