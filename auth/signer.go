package auth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	k1ecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/dfnskeys/dfnskeys/internal/credkey"
)

// UserActionSigner answers user-action challenges: a Key credential
// ([KeySigner]), a passkey or a signing service. Implementations return the
// assertion that answers the challenge (the firstFactor of POST /auth/action).
type UserActionSigner interface {
	// Sign answers challenge. It must not modify challenge.
	Sign(ctx context.Context, challenge *UserActionChallenge) (*Assertion, error)
}

// Algorithm names the signature algorithm of a [KeySigner].
type Algorithm string

// Algorithms a [KeySigner] can use.
const (
	// AlgorithmEd25519 signs the client data with Ed25519 (RFC 8032).
	AlgorithmEd25519 Algorithm = "Ed25519"
	// AlgorithmECDSAP256 signs SHA-256 of the client data with ECDSA on
	// P-256, ASN.1 DER encoded.
	AlgorithmECDSAP256 Algorithm = "ECDSA-P256"
	// AlgorithmECDSASecp256k1 signs SHA-256 of the client data with ECDSA on
	// secp256k1 (RFC 6979 nonce, low S), ASN.1 DER encoded.
	AlgorithmECDSASecp256k1 Algorithm = "ECDSA-secp256k1"
	// AlgorithmRSA signs SHA-256 of the client data with RSASSA-PKCS1-v1_5.
	AlgorithmRSA Algorithm = "RSA"
)

// KeySigner is a [UserActionSigner] for a Key credential: a credential ID and the
// private key registered for it. Printing a KeySigner (String, any
// fmt verb) shows only the credential ID and the algorithm.
//
// A KeySigner is safe for concurrent use (one built around a caller's
// crypto.Signer is as safe as that signer).
type KeySigner struct {
	credID string
	alg    Algorithm
	pub    crypto.PublicKey
	pubPEM []byte
	// sign holds the private key in a closure: unlike a field, even a
	// pointer field, a closure cannot be reached by reflection (fmt with a
	// bad verb, encoding/json, go-spew in test failure output).
	sign func(clientData []byte) ([]byte, error)
}

var _ UserActionSigner = (*KeySigner)(nil)

// NewKeySigner returns a KeySigner for the Key credential credID whose
// private key is the PEM in pemBytes. The key type is detected: Ed25519
// (PKCS#8 "PRIVATE KEY"), ECDSA P-256 or secp256k1 (PKCS#8, or SEC1 "EC
// PRIVATE KEY"), RSA of at least 2048 bits (PKCS#1 "RSA PRIVATE KEY" or
// PKCS#8). Encrypted keys are refused with [ErrEncryptedKey].
func NewKeySigner(credID string, pemBytes []byte) (*KeySigner, error) {
	if err := checkCredID(credID); err != nil {
		return nil, err
	}
	key, err := parsePrivateKeyPEM(pemBytes)
	if err != nil {
		return nil, err
	}
	return NewKeySignerFromKey(credID, key)
}

// NewKeySignerFromKey returns a KeySigner for the Key credential credID that
// signs with key, which is one of ed25519.PrivateKey, *ecdsa.PrivateKey on
// P-256, *secp256k1.PrivateKey (github.com/decred/dcrd/dcrec/secp256k1/v4),
// *rsa.PrivateKey of at least 2048 bits, or any other [crypto.Signer] (for
// example a hardware or KMS key) whose public key is Ed25519, ECDSA P-256 or
// RSA. Ed25519 and secp256k1 keys are copied; other keys must not be modified
// afterwards.
func NewKeySignerFromKey(credID string, key crypto.PrivateKey) (*KeySigner, error) {
	if err := checkCredID(credID); err != nil {
		return nil, err
	}
	var (
		alg  Algorithm
		pub  crypto.PublicKey
		sign func([]byte) ([]byte, error)
	)
	switch k := key.(type) {
	case nil:
		return nil, errors.New("private key is nil")
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("Ed25519 private key is %d bytes; expected %d", len(k), ed25519.PrivateKeySize)
		}
		c := ed25519.NewKeyFromSeed(k.Seed())
		if !bytes.Equal(c, k) {
			return nil, errors.New("Ed25519 private key is inconsistent: its public half does not match its seed")
		}
		alg, pub, sign = AlgorithmEd25519, c.Public(), signWith(AlgorithmEd25519, c)
	case *ecdsa.PrivateKey:
		if k == nil || k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ECDSA private key is not on P-256; %s (for secp256k1 pass a *secp256k1.PrivateKey)", supportedKeys)
		}
		if _, err := k.ECDH(); err != nil {
			return nil, fmt.Errorf("invalid P-256 private key: %v", err)
		}
		alg, pub, sign = AlgorithmECDSAP256, k.Public(), signWith(AlgorithmECDSAP256, k)
	case *secp256k1.PrivateKey:
		if k == nil || k.Key.IsZero() {
			return nil, errors.New("secp256k1 private key is nil or zero")
		}
		c := secp256k1.NewPrivateKey(&k.Key)
		alg, pub = AlgorithmECDSASecp256k1, c.PubKey()
		sign = func(clientData []byte) ([]byte, error) {
			digest := sha256.Sum256(clientData)
			return k1ecdsa.Sign(c, digest[:]).Serialize(), nil
		}
	case *rsa.PrivateKey:
		if k == nil {
			return nil, errors.New("RSA private key is nil")
		}
		if _, err := checkRSA(k); err != nil {
			return nil, err
		}
		alg, pub, sign = AlgorithmRSA, k.Public(), signWith(AlgorithmRSA, k)
	case crypto.Signer:
		p := k.Public()
		a, err := checkPublicKey(p)
		if err != nil {
			return nil, fmt.Errorf("crypto.Signer %T has an unusable public key: %w", k, err)
		}
		if a == AlgorithmECDSASecp256k1 {
			return nil, fmt.Errorf("crypto.Signer %T has a secp256k1 key; pass a *secp256k1.PrivateKey instead", k)
		}
		alg, pub, sign = a, p, signWith(a, k)
	default:
		return nil, fmt.Errorf("private key type %T is not supported; %s", key, supportedKeys)
	}
	pubPEM, err := credkey.MarshalPublicKeyPEM(pub)
	if err != nil {
		return nil, err
	}
	return &KeySigner{credID: credID, alg: alg, pub: pub, pubPEM: pubPEM, sign: sign}, nil
}

// signWith returns the signing function for a crypto.Signer of algorithm alg.
func signWith(alg Algorithm, signer crypto.Signer) func([]byte) ([]byte, error) {
	return func(clientData []byte) ([]byte, error) {
		var sig []byte
		var err error
		if alg == AlgorithmEd25519 {
			sig, err = signer.Sign(rand.Reader, clientData, crypto.Hash(0))
		} else {
			// *ecdsa.PrivateKey returns ASN.1 DER; *rsa.PrivateKey with a
			// plain crypto.Hash returns PKCS#1 v1.5.
			digest := sha256.Sum256(clientData)
			sig, err = signer.Sign(rand.Reader, digest[:], crypto.SHA256)
		}
		if err != nil {
			return nil, fmt.Errorf("%s signing failed: %w", alg, err)
		}
		return sig, nil
	}
}

func checkCredID(credID string) error {
	if credID == "" {
		return errors.New("credential ID is empty; pass the ID of the Key credential registered with Dfns")
	}
	if strings.TrimSpace(credID) != credID || !utf8.ValidString(credID) {
		return fmt.Errorf("credential ID %q has surrounding white space or invalid UTF-8", credID)
	}
	return nil
}

// CredentialID returns the Dfns credential ID the signer answers for.
func (s *KeySigner) CredentialID() string {
	if s == nil {
		return ""
	}
	return s.credID
}

// Algorithm returns the signature algorithm.
func (s *KeySigner) Algorithm() Algorithm {
	if s == nil {
		return ""
	}
	return s.alg
}

// PublicKey returns the public key: ed25519.PublicKey, *ecdsa.PublicKey
// (P-256), *secp256k1.PublicKey or *rsa.PublicKey.
func (s *KeySigner) PublicKey() crypto.PublicKey {
	if s == nil {
		return nil
	}
	return s.pub
}

// PublicKeyPEM returns the public key as a PEM "PUBLIC KEY" (SubjectPublicKeyInfo)
// block, the form Dfns takes when a Key credential is registered.
func (s *KeySigner) PublicKeyPEM() []byte {
	if s == nil {
		return nil
	}
	return bytes.Clone(s.pubPEM)
}

// String returns the credential ID and algorithm, never key material.
func (s *KeySigner) String() string {
	if s == nil {
		return "auth.KeySigner(nil)"
	}
	return fmt.Sprintf("auth.KeySigner{credID: %q, alg: %s}", s.credID, s.alg)
}

// Format implements [fmt.Formatter]: every verb prints String.
func (s *KeySigner) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, s.String()) }

// Sign answers challenge with this Key credential. It refuses, with a
// [*CredentialNotAllowedError], a challenge whose allowCredentials.key list
// does not name the credential.
func (s *KeySigner) Sign(ctx context.Context, challenge *UserActionChallenge) (*Assertion, error) {
	if s == nil || s.sign == nil {
		return nil, errors.New("KeySigner is not initialized; create it with NewKeySigner")
	}
	if ctx != nil {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("not signing the challenge: %w", err)
		}
	}
	if challenge == nil {
		return nil, errors.New("challenge is nil")
	}
	allowed := make([]string, 0, len(challenge.AllowCredentials.Key))
	ok := false
	for _, c := range challenge.AllowCredentials.Key {
		allowed = append(allowed, c.ID)
		ok = ok || c.ID == s.credID
	}
	if !ok {
		return nil, &CredentialNotAllowedError{CredentialID: s.credID, Allowed: allowed}
	}
	clientData, err := credkey.KeyClientData(challenge.Challenge)
	if err != nil {
		return nil, err
	}
	sig, err := s.sign(clientData)
	if err != nil {
		return nil, err
	}
	return &Assertion{
		Kind: KindKey,
		CredentialAssertion: CredentialAssertion{
			CredID:     s.credID,
			ClientData: base64.RawURLEncoding.EncodeToString(clientData),
			Signature:  base64.RawURLEncoding.EncodeToString(sig),
		},
	}, nil
}
