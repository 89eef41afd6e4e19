package auth

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
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

	"github.com/dfnskeys/dfnskeys/internal/credkey"
)

// supportedKeys is appended to errors about unsupported key types.
const supportedKeys = credkey.SupportedKeys

// minRSABits is the smallest RSA modulus accepted.
const minRSABits = credkey.MinRSABits

var (
	oidPublicKeyECDSA = credkey.OIDPublicKeyECDSA
	oidCurveSecp256k1 = credkey.OIDCurveSecp256k1
	oidCurveP256      = credkey.OIDCurveP256
)

func curveName(oid encasn1.ObjectIdentifier) string { return credkey.CurveName(oid) }

// checkPublicKey reports the algorithm of a supported, well-formed public key.
func checkPublicKey(pub crypto.PublicKey) (Algorithm, error) {
	a, err := credkey.CheckPublicKey(pub)
	return Algorithm(a), err
}

// parsePrivateKeyPEM finds the private key in a PEM file and parses it. It
// returns ed25519.PrivateKey, *ecdsa.PrivateKey (P-256), *secp256k1.PrivateKey
// or *rsa.PrivateKey.
func parsePrivateKeyPEM(data []byte) (crypto.PrivateKey, error) {
	block, err := findPrivateKeyBlock(data)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case "PRIVATE KEY":
		return parsePKCS8(block.Bytes)
	case "EC PRIVATE KEY":
		return parseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("failed to parse RSA PRIVATE KEY (PKCS#1): %v", err)
		}
		return checkRSA(k)
	case "ENCRYPTED PRIVATE KEY":
		return nil, ErrEncryptedKey
	case "OPENSSH PRIVATE KEY":
		return nil, errors.New("OpenSSH private key format is not supported; export the key as unencrypted PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)")
	default:
		return nil, fmt.Errorf("PEM block type %q is not supported; %s", block.Type, supportedKeys)
	}
}

// findPrivateKeyBlock returns the one private-key block in data. EC
// PARAMETERS blocks (written by openssl ecparam -genkey) are skipped.
func findPrivateKeyBlock(data []byte) (*pem.Block, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("private key PEM is empty")
	}
	var found *pem.Block
	var others []string
	rest := data
	for {
		block, r := pem.Decode(rest)
		if block == nil {
			break
		}
		rest = r
		switch {
		case block.Type == "EC PARAMETERS":
		case strings.HasSuffix(block.Type, "PRIVATE KEY"):
			if found != nil {
				return nil, errors.New("the PEM data holds more than one private key; pass exactly one")
			}
			found = block
		default:
			others = append(others, block.Type)
		}
	}
	if found == nil {
		if len(others) == 0 {
			return nil, errors.New("no PEM block found; expected a PEM private key such as -----BEGIN PRIVATE KEY-----")
		}
		for _, t := range others {
			if strings.HasSuffix(t, "PUBLIC KEY") {
				return nil, fmt.Errorf("the PEM data holds a public key (%q) but no private key; signing needs the private key", t)
			}
		}
		return nil, fmt.Errorf("the PEM data holds no private key (found %s); expected PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY", strings.Join(quoteAll(others), ", "))
	}
	if strings.Contains(found.Headers["Proc-Type"], "ENCRYPTED") || found.Headers["DEK-Info"] != "" {
		return nil, ErrEncryptedKey
	}
	return found, nil
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return q
}

// pkcs8Info is the part of a PKCS#8 PrivateKeyInfo this package looks at.
type pkcs8Info struct {
	algorithm encasn1.ObjectIdentifier
	curve     encasn1.ObjectIdentifier // namedCurve parameter, if the algorithm is id-ecPublicKey
	key       []byte                   // contents of the privateKey OCTET STRING
}

// parsePKCS8Info reads the outer PKCS#8 structure (RFC 5208, and RFC 5958 v2).
func parsePKCS8Info(der []byte) (*pkcs8Info, error) {
	input := cryptobyte.String(der)
	var seq, algID cryptobyte.String
	var version int
	var info pkcs8Info
	if !input.ReadASN1(&seq, asn1.SEQUENCE) || !input.Empty() ||
		!seq.ReadASN1Integer(&version) ||
		!seq.ReadASN1(&algID, asn1.SEQUENCE) ||
		!algID.ReadASN1ObjectIdentifier(&info.algorithm) {
		return nil, errors.New("malformed PKCS#8 private key (PRIVATE KEY); the file is corrupt or not PKCS#8")
	}
	if version != 0 && version != 1 {
		return nil, fmt.Errorf("PKCS#8 private key has version %d; expected 0 or 1", version)
	}
	if info.algorithm.Equal(oidPublicKeyECDSA) {
		if algID.PeekASN1Tag(asn1.SEQUENCE) {
			return nil, errors.New("EC private key uses explicit curve parameters; only named curves are supported (re-export with: openssl ec -in key.pem -param_enc named_curve -out named.pem)")
		}
		if !algID.ReadASN1ObjectIdentifier(&info.curve) {
			return nil, errors.New("malformed PKCS#8 EC private key: missing named curve")
		}
	}
	if !seq.ReadASN1Bytes(&info.key, asn1.OCTET_STRING) {
		return nil, errors.New("malformed PKCS#8 private key: missing privateKey")
	}
	return &info, nil
}

func parsePKCS8(der []byte) (crypto.PrivateKey, error) {
	info, err := parsePKCS8Info(der)
	if err != nil {
		return nil, err
	}
	if info.algorithm.Equal(oidPublicKeyECDSA) {
		switch {
		case info.curve.Equal(oidCurveSecp256k1):
			return parseSecp256k1SEC1(info.key, oidCurveSecp256k1)
		case info.curve.Equal(oidCurveP256):
		default:
			return nil, fmt.Errorf("ECDSA curve %s is not supported; %s", curveName(info.curve), supportedKeys)
		}
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("failed to parse PKCS#8 private key (algorithm %s): %v; %s", info.algorithm, err, supportedKeys)
	}
	switch k := key.(type) {
	case ed25519.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ECDSA curve %s is not supported; %s", k.Curve.Params().Name, supportedKeys)
		}
		// x509 ignores the embedded public key; check it.
		if err := checkP256EmbeddedPublicKey(k, info.key, oidCurveP256); err != nil {
			return nil, err
		}
		return k, nil
	case *rsa.PrivateKey:
		return checkRSA(k)
	case *ecdh.PrivateKey:
		return nil, errors.New("the key is an X25519 key-agreement key, which cannot sign; " + supportedKeys)
	default:
		return nil, fmt.Errorf("private key type %T is not supported; %s", key, supportedKeys)
	}
}

// parseECPrivateKey parses a SEC1 EC PRIVATE KEY block.
func parseECPrivateKey(der []byte) (crypto.PrivateKey, error) {
	sk, err := parseSEC1(der, nil)
	if err != nil {
		return nil, err
	}
	switch {
	case sk.curve == nil:
		return nil, errors.New("EC PRIVATE KEY does not name its curve; re-export it with the curve included, for example as PKCS#8 with: openssl pkey -in key.pem -out pkcs8.pem")
	case sk.curve.Equal(oidCurveSecp256k1):
		return secp256k1FromSEC1(sk)
	case sk.curve.Equal(oidCurveP256):
		k, err := x509.ParseECPrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("failed to parse P-256 EC PRIVATE KEY: %v", err)
		}
		if err := checkP256EmbeddedPublicKey(k, der, nil); err != nil {
			return nil, err
		}
		return k, nil
	default:
		return nil, fmt.Errorf("ECDSA curve %s is not supported; %s", curveName(sk.curve), supportedKeys)
	}
}

// sec1Key is a parsed SEC1 ECPrivateKey (RFC 5915).
type sec1Key struct {
	scalar []byte                   // privateKey OCTET STRING contents
	curve  encasn1.ObjectIdentifier // [0] parameters, or the caller's curve; nil if unknown
	pub    []byte                   // [1] publicKey bits, nil if absent
}

// parseSEC1 reads an ECPrivateKey structure. If outerCurve is not nil (the
// key came wrapped in PKCS#8), a curve named inside must equal it.
func parseSEC1(der []byte, outerCurve encasn1.ObjectIdentifier) (*sec1Key, error) {
	input := cryptobyte.String(der)
	var seq cryptobyte.String
	var version int
	var sk sec1Key
	if !input.ReadASN1(&seq, asn1.SEQUENCE) || !input.Empty() ||
		!seq.ReadASN1Integer(&version) ||
		!seq.ReadASN1Bytes(&sk.scalar, asn1.OCTET_STRING) {
		return nil, errors.New("malformed EC private key (SEC1 ECPrivateKey); the file is corrupt or not an EC key")
	}
	if version != 1 {
		return nil, fmt.Errorf("EC private key has version %d; SEC1 requires version 1", version)
	}
	var params cryptobyte.String
	var hasParams bool
	if !seq.ReadOptionalASN1(&params, &hasParams, asn1.Tag(0).ContextSpecific().Constructed()) {
		return nil, errors.New("malformed EC private key: bad [0] parameters")
	}
	if hasParams {
		if params.PeekASN1Tag(asn1.SEQUENCE) {
			return nil, errors.New("EC private key uses explicit curve parameters; only named curves are supported (re-export with: openssl ec -in key.pem -param_enc named_curve -out named.pem)")
		}
		var oid encasn1.ObjectIdentifier
		if !params.ReadASN1ObjectIdentifier(&oid) || !params.Empty() {
			return nil, errors.New("malformed EC private key: [0] parameters is not a named curve")
		}
		sk.curve = oid
	}
	if outerCurve != nil {
		if sk.curve != nil && !sk.curve.Equal(outerCurve) {
			return nil, fmt.Errorf("EC private key names two curves (%s outside, %s inside); the file is corrupt", curveName(outerCurve), curveName(sk.curve))
		}
		sk.curve = outerCurve
	}
	var pubWrap cryptobyte.String
	var hasPub bool
	if !seq.ReadOptionalASN1(&pubWrap, &hasPub, asn1.Tag(1).ContextSpecific().Constructed()) {
		return nil, errors.New("malformed EC private key: bad [1] publicKey")
	}
	if hasPub {
		var bits encasn1.BitString
		if !pubWrap.ReadASN1BitString(&bits) || !pubWrap.Empty() || bits.BitLength%8 != 0 {
			return nil, errors.New("malformed EC private key: [1] publicKey is not a byte-aligned BIT STRING")
		}
		sk.pub = bits.Bytes
	}
	if !seq.Empty() {
		return nil, errors.New("malformed EC private key: unexpected data after publicKey")
	}
	return &sk, nil
}

// parseSecp256k1SEC1 parses a SEC1 ECPrivateKey on secp256k1 strictly. If
// outerCurve is nil the structure must name secp256k1 itself.
func parseSecp256k1SEC1(der []byte, outerCurve encasn1.ObjectIdentifier) (*secp256k1.PrivateKey, error) {
	sk, err := parseSEC1(der, outerCurve)
	if err != nil {
		return nil, err
	}
	if sk.curve == nil {
		return nil, errors.New("EC private key does not name its curve; expected secp256k1 (OID 1.3.132.0.10)")
	}
	if !sk.curve.Equal(oidCurveSecp256k1) {
		return nil, fmt.Errorf("EC private key is on curve %s, not secp256k1", curveName(sk.curve))
	}
	return secp256k1FromSEC1(sk)
}

// secp256k1FromSEC1 checks the scalar range and the embedded public key.
func secp256k1FromSEC1(sk *sec1Key) (*secp256k1.PrivateKey, error) {
	if len(sk.scalar) == 0 || len(sk.scalar) > 32 {
		return nil, fmt.Errorf("secp256k1 private key is %d bytes; expected 32", len(sk.scalar))
	}
	var buf [32]byte
	copy(buf[32-len(sk.scalar):], sk.scalar)
	var s secp256k1.ModNScalar
	overflow := s.SetByteSlice(buf[:])
	clear(buf[:])
	if overflow {
		s.Zero()
		return nil, errors.New("secp256k1 private key is not less than the group order n; the key is invalid")
	}
	if s.IsZero() {
		return nil, errors.New("secp256k1 private key is zero; the key is invalid")
	}
	priv := secp256k1.NewPrivateKey(&s)
	s.Zero()
	if sk.pub != nil {
		embedded, err := secp256k1.ParsePubKey(sk.pub)
		if err != nil {
			priv.Zero()
			return nil, fmt.Errorf("the public key embedded in the secp256k1 private key is not a valid point: %v", err)
		}
		if !embedded.IsEqual(priv.PubKey()) {
			priv.Zero()
			return nil, errors.New("the public key embedded in the secp256k1 private key does not match the private scalar; the file is corrupt or was assembled from two keys")
		}
	}
	return priv, nil
}

// checkP256EmbeddedPublicKey compares the [1] publicKey of a SEC1 structure,
// if present, with the public key of k.
func checkP256EmbeddedPublicKey(k *ecdsa.PrivateKey, sec1 []byte, outerCurve encasn1.ObjectIdentifier) error {
	sk, err := parseSEC1(sec1, outerCurve)
	if err != nil {
		return err
	}
	if sk.pub == nil {
		return nil
	}
	pub, err := k.PublicKey.ECDH()
	if err != nil {
		return fmt.Errorf("invalid P-256 private key: %v", err)
	}
	want := pub.Bytes() // 0x04 ‖ X ‖ Y
	switch len(sk.pub) {
	case len(want):
	case 33:
		want = append([]byte{2 | want[64]&1}, want[1:33]...)
	default:
		return errors.New("the public key embedded in the P-256 private key has the wrong length")
	}
	if !bytes.Equal(want, sk.pub) {
		return errors.New("the public key embedded in the P-256 private key does not match the private scalar; the file is corrupt or was assembled from two keys")
	}
	return nil
}

func checkRSA(k *rsa.PrivateKey) (*rsa.PrivateKey, error) {
	if k.N == nil || k.N.BitLen() < minRSABits {
		bits := 0
		if k.N != nil {
			bits = k.N.BitLen()
		}
		return nil, fmt.Errorf("RSA key is %d bits; at least %d are required", bits, minRSABits)
	}
	if err := k.Validate(); err != nil {
		return nil, fmt.Errorf("invalid RSA private key: %v", err)
	}
	return k, nil
}
