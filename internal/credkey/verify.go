package credkey

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	k1ecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// VerifyKeyAssertion checks a Key credential assertion against the rules of
// docs/protocol.md §6, as a server would.
// clientData and signature are the base64url (no padding) fields of the
// auth.CredentialAssertion; pub is the credential's public key, as returned by
// [ParsePublicKeyPEM] or auth.KeySigner.PublicKey.
//
// The client data must be a JSON object with "type" equal to "key.get" and
// "challenge" equal to expectedChallenge; "origin" and "crossOrigin" are
// allowed, duplicate keys are not. The signature must verify over the client
// data bytes: Ed25519 directly, ECDSA P-256 and secp256k1 (ASN.1 DER) and RSA
// PKCS#1 v1.5 over SHA-256. Every failure of the assertion itself wraps
// [ErrInvalidAssertion]; an unusable pub gives a different error.
func VerifyKeyAssertion(pub crypto.PublicKey, clientData, signature, expectedChallenge string) error {
	alg, err := CheckPublicKey(pub)
	if err != nil {
		return err
	}
	cd, err := decodeB64URL("clientData", clientData)
	if err != nil {
		return err
	}
	sig, err := decodeB64URL("signature", signature)
	if err != nil {
		return err
	}
	typ, challenge, err := parseClientData(cd)
	if err != nil {
		return err
	}
	if typ != "key.get" {
		return fmt.Errorf("%w: clientData type is %q; expected \"key.get\"", ErrInvalidAssertion, typ)
	}
	if challenge != expectedChallenge {
		return fmt.Errorf("%w: clientData challenge %q is not the expected challenge %q", ErrInvalidAssertion, challenge, expectedChallenge)
	}
	ok := false
	switch p := pub.(type) {
	case ed25519.PublicKey:
		ok = ed25519.Verify(p, cd, sig)
	case *ecdsa.PublicKey:
		digest := sha256.Sum256(cd)
		ok = ecdsa.VerifyASN1(p, digest[:], sig)
	case *secp256k1.PublicKey:
		digest := sha256.Sum256(cd)
		s, err := k1ecdsa.ParseDERSignature(sig)
		if err != nil {
			return fmt.Errorf("%w: secp256k1 signature is not valid DER: %v", ErrInvalidAssertion, err)
		}
		ok = s.Verify(digest[:], p)
	case *rsa.PublicKey:
		digest := sha256.Sum256(cd)
		ok = rsa.VerifyPKCS1v15(p, crypto.SHA256, digest[:], sig) == nil
	}
	if !ok {
		return fmt.Errorf("%w: %s signature does not verify with the credential's public key", ErrInvalidAssertion, alg)
	}
	return nil
}

// decodeB64URL decodes canonical base64url without padding.
func decodeB64URL(field, s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || base64.RawURLEncoding.EncodeToString(b) != s {
		return nil, fmt.Errorf("%w: %s is not base64url without padding", ErrInvalidAssertion, field)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: %s is empty", ErrInvalidAssertion, field)
	}
	return b, nil
}

// parseClientData reads the client data object strictly: exact key names, no
// duplicates, string type and challenge, nothing after the object.
func parseClientData(b []byte) (typ, challenge string, err error) {
	bad := func(why string) (string, string, error) {
		return "", "", fmt.Errorf("%w: clientData %s", ErrInvalidAssertion, why)
	}
	if !utf8.Valid(b) {
		return bad("is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return bad("is not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return bad("is not valid JSON")
		}
		key, ok := tok.(string)
		if !ok {
			return bad("is not valid JSON")
		}
		if seen[key] {
			return bad(fmt.Sprintf("has the key %q twice", key))
		}
		seen[key] = true
		switch key {
		case "type", "challenge", "origin":
			var raw json.RawMessage
			var s string
			if err := dec.Decode(&raw); err != nil || len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
				return bad(fmt.Sprintf("field %q is not a string", key))
			}
			switch key {
			case "type":
				typ = s
			case "challenge":
				challenge = s
			}
		case "crossOrigin":
			var v bool
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil || json.Unmarshal(raw, &v) != nil || string(raw) == "null" {
				return bad("field \"crossOrigin\" is not a boolean")
			}
		default:
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return bad("is not valid JSON")
			}
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return bad("is not valid JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return bad("has data after the JSON object")
	}
	if !seen["type"] {
		return bad("has no \"type\"")
	}
	if !seen["challenge"] {
		return bad("has no \"challenge\"")
	}
	return typ, challenge, nil
}
