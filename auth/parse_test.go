package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"github.com/dfnskeys/dfnskeys/internal/credkey"
	"math/big"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"
)

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// TestNewKeySignerRejectsFiles covers the key files the package must refuse.
func TestNewKeySignerRejectsFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		wantErr string
		is      error
	}{
		{file: "encrypted_pkcs8.pem", is: ErrEncryptedKey},
		{file: "encrypted_sec1_legacy.pem", is: ErrEncryptedKey},
		{file: "encrypted_pkcs1_legacy.pem", is: ErrEncryptedKey},
		{file: "p384_pkcs8.pem", wantErr: "ECDSA curve P-384 is not supported"},
		{file: "p384_sec1.pem", wantErr: "ECDSA curve P-384 is not supported"},
		{file: "x25519_pkcs8.pem", wantErr: "X25519 key-agreement key"},
		{file: "rsa1024_pkcs8.pem", wantErr: "RSA key is 1024 bits; at least 2048 are required"},
		{file: "secp256k1_sec1_explicit.pem", wantErr: "explicit curve parameters"},
		{file: "secp256k1_pub.pem", wantErr: "holds a public key"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			s, err := NewKeySigner("cr-1", readTestdata(t, tc.file))
			require.Nil(t, s)
			require.Error(t, err)
			require.True(t, ownError(err), err.Error())
			if tc.is != nil {
				require.ErrorIs(t, err, tc.is)
			}
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
			}
		})
	}
}

// TestNewKeySignerRejectsInput covers malformed input; none may panic.
func TestNewKeySignerRejectsInput(t *testing.T) {
	t.Parallel()
	ed := readTestdata(t, "ed25519_pkcs8.pem")
	k1 := readTestdata(t, "secp256k1_sec1.pem")
	tests := []struct {
		name    string
		credID  string
		input   []byte
		wantErr string
	}{
		{"nil", "cr-1", nil, "private key PEM is empty"},
		{"white space", "cr-1", []byte(" \n\t"), "private key PEM is empty"},
		{"garbage", "cr-1", []byte("not a key"), "no PEM block found"},
		{"raw DER", "cr-1", mustPEMBytes(t, ed), "no PEM block found"},
		{"truncated PEM", "cr-1", ed[:len(ed)/2], "no PEM block found"},
		{"empty block", "cr-1", pemOf("PRIVATE KEY", nil), "malformed PKCS#8"},
		{"junk in block", "cr-1", pemOf("PRIVATE KEY", []byte{0x30, 0x03, 0x02, 0x01}), "malformed PKCS#8"},
		{"junk in EC block", "cr-1", pemOf("EC PRIVATE KEY", []byte("junk")), "malformed EC private key"},
		{"junk in RSA block", "cr-1", pemOf("RSA PRIVATE KEY", []byte("junk")), "failed to parse RSA PRIVATE KEY"},
		{"certificate only", "cr-1", pemOf("CERTIFICATE", []byte("x")), `found "CERTIFICATE"`},
		{"DSA key", "cr-1", pemOf("DSA PRIVATE KEY", []byte("x")), `PEM block type "DSA PRIVATE KEY" is not supported`},
		{"OpenSSH key", "cr-1", pemOf("OPENSSH PRIVATE KEY", []byte("x")), "OpenSSH private key format is not supported"},
		{"two keys", "cr-1", append(append([]byte{}, ed...), k1...), "more than one private key"},
		{"PKCS#8 label on SEC1", "cr-1", pemOf("PRIVATE KEY", mustPEMBytes(t, k1)), "malformed PKCS#8"},
		{"empty credential ID", "", ed, "credential ID is empty"},
		{"padded credential ID", " cr-1", ed, "surrounding white space"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := NewKeySigner(tc.credID, tc.input)
			require.Nil(t, s)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

func mustPEMBytes(t testing.TB, pemData []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(pemData)
	require.NotNil(t, b)
	return b.Bytes
}

var secp256k1N, _ = hex.DecodeString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")

func addToBE(b []byte, d int64) []byte {
	v := new(big.Int).SetBytes(b)
	v.Add(v, big.NewInt(d))
	return v.FillBytes(make([]byte, len(b)))
}

// TestSecp256k1Strict builds SEC1 and PKCS#8 structures around edge values.
func TestSecp256k1Strict(t *testing.T) {
	t.Parallel()
	good, err := secp256k1.GeneratePrivateKey()
	require.NoError(t, err)
	other, err := secp256k1.GeneratePrivateKey()
	require.NoError(t, err)
	goodScalar := good.Serialize()
	goodPub := good.PubKey().SerializeUncompressed()
	nMinus1 := addToBE(secp256k1N, -1)
	notOnCurve := bytes.Clone(goodPub)
	notOnCurve[64] ^= 1

	tests := []struct {
		name    string
		f       sec1Fields
		pkcs8   asn1.ObjectIdentifier // wrap in PKCS#8 with this curve if set
		wantErr string                // "" means accepted
	}{
		{name: "valid", f: sec1Fields{version: 1, scalar: goodScalar, curve: oidCurveSecp256k1, pub: goodPub}},
		{name: "valid without public key", f: sec1Fields{version: 1, scalar: goodScalar, curve: oidCurveSecp256k1}},
		{name: "valid compressed public key", f: sec1Fields{version: 1, scalar: goodScalar, curve: oidCurveSecp256k1, pub: good.PubKey().SerializeCompressed()}},
		{name: "valid PKCS#8", f: sec1Fields{version: 1, scalar: goodScalar, pub: goodPub}, pkcs8: oidCurveSecp256k1},
		{name: "valid PKCS#8 with inner curve", f: sec1Fields{version: 1, scalar: goodScalar, curve: oidCurveSecp256k1}, pkcs8: oidCurveSecp256k1},
		{name: "scalar one", f: sec1Fields{version: 1, scalar: []byte{1}, curve: oidCurveSecp256k1}},
		{name: "scalar n-1", f: sec1Fields{version: 1, scalar: nMinus1, curve: oidCurveSecp256k1}},
		{name: "scalar zero", f: sec1Fields{version: 1, scalar: make([]byte, 32), curve: oidCurveSecp256k1}, wantErr: "secp256k1 private key is zero"},
		{name: "scalar zero PKCS#8", f: sec1Fields{version: 1, scalar: make([]byte, 32)}, pkcs8: oidCurveSecp256k1, wantErr: "secp256k1 private key is zero"},
		{name: "scalar n", f: sec1Fields{version: 1, scalar: secp256k1N, curve: oidCurveSecp256k1}, wantErr: "not less than the group order"},
		{name: "scalar n+1", f: sec1Fields{version: 1, scalar: addToBE(secp256k1N, 1), curve: oidCurveSecp256k1}, wantErr: "not less than the group order"},
		{name: "scalar n PKCS#8", f: sec1Fields{version: 1, scalar: secp256k1N}, pkcs8: oidCurveSecp256k1, wantErr: "not less than the group order"},
		{name: "scalar all ones", f: sec1Fields{version: 1, scalar: bytes.Repeat([]byte{0xff}, 32), curve: oidCurveSecp256k1}, wantErr: "not less than the group order"},
		{name: "scalar 33 bytes", f: sec1Fields{version: 1, scalar: append([]byte{0}, goodScalar...), curve: oidCurveSecp256k1}, wantErr: "is 33 bytes; expected 32"},
		{name: "scalar empty", f: sec1Fields{version: 1, scalar: []byte{}, curve: oidCurveSecp256k1}, wantErr: "is 0 bytes; expected 32"},
		{name: "version 0", f: sec1Fields{version: 0, scalar: goodScalar, curve: oidCurveSecp256k1}, wantErr: "version 0"},
		{name: "version 2", f: sec1Fields{version: 2, scalar: goodScalar, curve: oidCurveSecp256k1}, wantErr: "version 2"},
		{name: "mismatched public key", f: sec1Fields{version: 1, scalar: goodScalar, curve: oidCurveSecp256k1, pub: other.PubKey().SerializeUncompressed()}, wantErr: "does not match the private scalar"},
		{name: "mismatched public key PKCS#8", f: sec1Fields{version: 1, scalar: goodScalar, pub: other.PubKey().SerializeCompressed()}, pkcs8: oidCurveSecp256k1, wantErr: "does not match the private scalar"},
		{name: "public key not on curve", f: sec1Fields{version: 1, scalar: goodScalar, curve: oidCurveSecp256k1, pub: notOnCurve}, wantErr: "not a valid point"},
		{name: "public key garbage", f: sec1Fields{version: 1, scalar: goodScalar, curve: oidCurveSecp256k1, pub: []byte{4, 1, 2}}, wantErr: "not a valid point"},
		{name: "inner curve differs from PKCS#8 curve", f: sec1Fields{version: 1, scalar: goodScalar, curve: oidCurveP256}, pkcs8: oidCurveSecp256k1, wantErr: "names two curves"},
		{name: "unknown curve OID", f: sec1Fields{version: 1, scalar: goodScalar, curve: asn1.ObjectIdentifier{1, 3, 132, 0, 11}}, wantErr: "ECDSA curve OID 1.3.132.0.11 is not supported"},
		{name: "P-384 OID", f: sec1Fields{version: 1, scalar: goodScalar, curve: asn1.ObjectIdentifier{1, 3, 132, 0, 34}}, wantErr: "ECDSA curve P-384 is not supported"},
		{name: "wrong PKCS#8 curve", f: sec1Fields{version: 1, scalar: goodScalar}, pkcs8: asn1.ObjectIdentifier{1, 3, 132, 0, 9}, wantErr: "ECDSA curve OID 1.3.132.0.9 is not supported"},
		{name: "no curve", f: sec1Fields{version: 1, scalar: goodScalar}, wantErr: "does not name its curve"},
		{name: "trailing data", f: sec1Fields{version: 1, scalar: goodScalar, curve: oidCurveSecp256k1, extra: []byte{0x05, 0x00}}, wantErr: "unexpected data after publicKey"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			der := buildSEC1(t, tc.f)
			input := pemOf("EC PRIVATE KEY", der)
			if tc.pkcs8 != nil {
				input = pemOf("PRIVATE KEY", buildPKCS8EC(t, tc.pkcs8, der))
			}
			s, err := NewKeySigner("cr-1", input)
			if tc.wantErr == "" {
				require.NoError(t, err)
				require.Equal(t, AlgorithmECDSASecp256k1, s.Algorithm())
				a := mustSign(t, s, "c")
				require.NoError(t, credkey.VerifyKeyAssertion(s.PublicKey(), a.CredentialAssertion.ClientData, a.CredentialAssertion.Signature, "c"))
				return
			}
			require.Nil(t, s)
			require.ErrorContains(t, err, tc.wantErr)
			require.True(t, ownError(err), err.Error())
			// Errors never echo the scalar.
			require.NotContains(t, strings.ToLower(err.Error()), hex.EncodeToString(goodScalar))
		})
	}
}

// TestParseSecp256k1SEC1Direct covers the strict parser on its own.
func TestParseSecp256k1SEC1Direct(t *testing.T) {
	t.Parallel()
	der := mustPEMBytes(t, readTestdata(t, "secp256k1_sec1.pem"))
	k, err := parseSecp256k1SEC1(der, nil)
	require.NoError(t, err)
	require.NotNil(t, k)

	p256 := mustPEMBytes(t, readTestdata(t, "p256_sec1.pem"))
	_, err = parseSecp256k1SEC1(p256, nil)
	require.ErrorContains(t, err, "EC private key is on curve P-256, not secp256k1")

	_, err = parseSecp256k1SEC1(append(bytes.Clone(der), 0), nil)
	require.ErrorContains(t, err, "malformed EC private key")
}

// TestP256EmbeddedPublicKeyChecked checks that a P-256 key whose embedded
// public key belongs to another key is refused (crypto/x509 ignores it).
func TestP256EmbeddedPublicKeyChecked(t *testing.T) {
	t.Parallel()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalECPrivateKey(k)
	require.NoError(t, err)
	sk, err := parseSEC1(der, nil)
	require.NoError(t, err)
	otherPub, err := other.PublicKey.ECDH()
	require.NoError(t, err)
	bad := buildSEC1(t, sec1Fields{version: 1, scalar: sk.scalar, curve: oidCurveP256, pub: otherPub.Bytes()})

	_, err = NewKeySigner("cr-1", pemOf("EC PRIVATE KEY", bad))
	require.ErrorContains(t, err, "the public key embedded in the P-256 private key does not match")

	badInner := buildSEC1(t, sec1Fields{version: 1, scalar: sk.scalar, pub: otherPub.Bytes()})
	_, err = NewKeySigner("cr-1", pemOf("PRIVATE KEY", buildPKCS8EC(t, oidCurveP256, badInner)))
	require.ErrorContains(t, err, "the public key embedded in the P-256 private key does not match")

	// The same structure with the right public key, compressed, is accepted.
	pub, err := k.PublicKey.ECDH()
	require.NoError(t, err)
	u := pub.Bytes()
	compressed := append([]byte{2 | u[64]&1}, u[1:33]...)
	ok := buildSEC1(t, sec1Fields{version: 1, scalar: sk.scalar, curve: oidCurveP256, pub: compressed})
	s, err := NewKeySigner("cr-1", pemOf("EC PRIVATE KEY", ok))
	require.NoError(t, err)
	require.Equal(t, AlgorithmECDSAP256, s.Algorithm())
}
