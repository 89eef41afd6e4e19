package credkey

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	encasn1 "encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// ParsePublicKeyPEM parses the first PEM "PUBLIC KEY" (SubjectPublicKeyInfo)
// or "RSA PUBLIC KEY" (PKCS#1) block in pemBytes. It returns
// ed25519.PublicKey, *ecdsa.PublicKey (P-256), *secp256k1.PublicKey or
// *rsa.PublicKey (at least 2048 bits). Unlike crypto/x509 it reads secp256k1
// keys (OID 1.3.132.0.10), compressed or uncompressed.
func ParsePublicKeyPEM(pemBytes []byte) (crypto.PublicKey, error) {
	rest := pemBytes
	for {
		block, r := pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no PEM public key found; expected -----BEGIN PUBLIC KEY-----")
		}
		rest = r
		var pub crypto.PublicKey
		var err error
		switch block.Type {
		case "PUBLIC KEY":
			pub, err = ParseSPKI(block.Bytes)
		case "RSA PUBLIC KEY":
			pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
			if err != nil {
				err = fmt.Errorf("failed to parse RSA PUBLIC KEY (PKCS#1): %v", err)
			}
		default:
			if strings.HasSuffix(block.Type, "PRIVATE KEY") {
				return nil, fmt.Errorf("expected a public key but found a %q block; pass the public key (openssl pkey -in key.pem -pubout)", block.Type)
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if _, err := CheckPublicKey(pub); err != nil {
			return nil, err
		}
		return pub, nil
	}
}

// ParseSPKI parses a DER SubjectPublicKeyInfo, handling secp256k1 itself.
func ParseSPKI(der []byte) (crypto.PublicKey, error) {
	input := cryptobyte.String(der)
	var spki, algID cryptobyte.String
	var alg encasn1.ObjectIdentifier
	if !input.ReadASN1(&spki, asn1.SEQUENCE) || !input.Empty() ||
		!spki.ReadASN1(&algID, asn1.SEQUENCE) ||
		!algID.ReadASN1ObjectIdentifier(&alg) {
		return nil, errors.New("malformed PUBLIC KEY (SubjectPublicKeyInfo)")
	}
	if alg.Equal(OIDPublicKeyECDSA) {
		if algID.PeekASN1Tag(asn1.SEQUENCE) {
			return nil, errors.New("EC public key uses explicit curve parameters; only named curves are supported")
		}
		var curve encasn1.ObjectIdentifier
		if !algID.ReadASN1ObjectIdentifier(&curve) || !algID.Empty() {
			return nil, errors.New("malformed EC PUBLIC KEY: missing named curve")
		}
		if curve.Equal(OIDCurveSecp256k1) {
			var bits encasn1.BitString
			if !spki.ReadASN1BitString(&bits) || !spki.Empty() || bits.BitLength%8 != 0 {
				return nil, errors.New("malformed secp256k1 PUBLIC KEY: bad subjectPublicKey")
			}
			pub, err := secp256k1.ParsePubKey(bits.Bytes)
			if err != nil {
				return nil, fmt.Errorf("secp256k1 public key is not a valid point: %v", err)
			}
			return pub, nil
		}
		if !curve.Equal(OIDCurveP256) {
			return nil, fmt.Errorf("ECDSA curve %s is not supported; %s", CurveName(curve), SupportedKeys)
		}
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("failed to parse PUBLIC KEY (algorithm %s): %v; %s", alg, err, SupportedKeys)
	}
	return pub, nil
}

// MarshalPublicKeyPEM encodes pub as a PEM "PUBLIC KEY" (SubjectPublicKeyInfo)
// block. pub is one of the types [ParsePublicKeyPEM] returns; secp256k1 keys
// are written uncompressed, as openssl does.
func MarshalPublicKeyPEM(pub crypto.PublicKey) ([]byte, error) {
	alg, err := CheckPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var der []byte
	if alg == AlgorithmECDSASecp256k1 {
		var b cryptobyte.Builder
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(OIDPublicKeyECDSA)
				b.AddASN1ObjectIdentifier(OIDCurveSecp256k1)
			})
			b.AddASN1BitString(pub.(*secp256k1.PublicKey).SerializeUncompressed())
		})
		der, err = b.Bytes()
	} else {
		der, err = x509.MarshalPKIXPublicKey(pub)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to encode %s public key: %v", alg, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// CheckPublicKey reports the algorithm of a supported, well-formed public key.
// It never panics on malformed values.
func CheckPublicKey(pub crypto.PublicKey) (Algorithm, error) {
	switch p := pub.(type) {
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return "", fmt.Errorf("Ed25519 public key is %d bytes; expected %d", len(p), ed25519.PublicKeySize)
		}
		return AlgorithmEd25519, nil
	case *ecdsa.PublicKey:
		if p == nil || p.Curve != elliptic.P256() {
			return "", fmt.Errorf("ECDSA public key is not on P-256; %s (for secp256k1 use *secp256k1.PublicKey)", SupportedKeys)
		}
		// crypto/ecdsa panics on nil coordinates; refuse them first.
		if p.X == nil || p.Y == nil {
			return "", errors.New("P-256 public key has no coordinates")
		}
		if _, err := p.ECDH(); err != nil {
			return "", fmt.Errorf("invalid P-256 public key: %v", err)
		}
		return AlgorithmECDSAP256, nil
	case *secp256k1.PublicKey:
		if p == nil || !p.IsOnCurve() {
			return "", errors.New("secp256k1 public key is not a valid curve point")
		}
		return AlgorithmECDSASecp256k1, nil
	case *rsa.PublicKey:
		if p == nil || p.N == nil || p.N.BitLen() < MinRSABits {
			return "", fmt.Errorf("RSA public key is missing or shorter than %d bits", MinRSABits)
		}
		return AlgorithmRSA, nil
	case nil:
		return "", errors.New("public key is nil")
	default:
		return "", fmt.Errorf("public key type %T is not supported; %s", pub, SupportedKeys)
	}
}
