// Package credkey parses, encodes and checks the public keys of Dfns Key
// credentials and verifies Key credential assertions the way the server does
// (docs/protocol.md §6). Package auth signs; this package is what the
// simulator (package dfnstest) and the tests use to check signatures, and is
// not part of the public API.
package credkey

import (
	"bytes"
	encasn1 "encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Algorithm names a credential's signature algorithm; the values are those
// of auth.Algorithm.
type Algorithm = string

// The algorithms of supported credential keys.
const (
	AlgorithmEd25519        Algorithm = "Ed25519"
	AlgorithmECDSAP256      Algorithm = "ECDSA-P256"
	AlgorithmECDSASecp256k1 Algorithm = "ECDSA-secp256k1"
	AlgorithmRSA            Algorithm = "RSA"
)

// SupportedKeys is appended to errors about unsupported key types.
const SupportedKeys = "supported: Ed25519, ECDSA P-256, ECDSA secp256k1 and RSA (2048 bits or more)"

// MinRSABits is the smallest RSA modulus accepted.
const MinRSABits = 2048

// Object identifiers of EC public keys and their named curves.
var (
	OIDPublicKeyECDSA = encasn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	OIDCurveSecp256k1 = encasn1.ObjectIdentifier{1, 3, 132, 0, 10}
	OIDCurveP256      = encasn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
)

// curveNames names curves that show up in keys, for error messages.
var curveNames = map[string]string{
	"1.2.840.10045.3.1.7":  "P-256",
	"1.3.132.0.10":         "secp256k1",
	"1.3.132.0.33":         "P-224",
	"1.3.132.0.34":         "P-384",
	"1.3.132.0.35":         "P-521",
	"1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1",
}

// CurveName names a curve OID for error messages.
func CurveName(oid encasn1.ObjectIdentifier) string {
	if n, ok := curveNames[oid.String()]; ok {
		return n
	}
	return "OID " + oid.String()
}

// ErrInvalidAssertion is wrapped by every error [VerifyKeyAssertion] returns
// because the assertion itself is wrong.
var ErrInvalidAssertion = errors.New("invalid assertion")

// KeyClientData returns the client data a Key credential signs for
// challenge: the compact JSON {"type":"key.get","challenge":"<challenge>"},
// with the challenge JSON-escaped but not HTML-escaped. The challenge must be
// non-empty valid UTF-8.
func KeyClientData(challenge string) ([]byte, error) {
	if challenge == "" {
		return nil, errors.New("the challenge is empty; pass the challenge string from POST /auth/action/init")
	}
	if !utf8.ValidString(challenge) {
		return nil, errors.New("the challenge is not valid UTF-8 and cannot be signed as JSON")
	}
	// Field order matters: the server receives these exact bytes.
	v := struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}{"key.get", challenge}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("failed to encode client data: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
