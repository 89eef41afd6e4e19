package encryption

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/dfnskeys/dfnskeys/internal/secp"
)

const (
	// version is the only key format version this package understands. It is
	// the first byte of every encoded encryption and decryption key.
	version = 1

	// encryptionKeySize is the length of an encoded encryption key:
	// version byte plus compressed secp256k1 point.
	encryptionKeySize = 1 + 33
	// decryptionKeySize is the length of an encoded decryption key:
	// version byte plus 32-byte big-endian scalar.
	decryptionKeySize = 1 + 32
	// overhead is how much longer a ciphertext is than its plaintext:
	// a 16-byte GCM tag and the 33-byte compressed ephemeral point.
	overhead = tagSize + pointSize

	pointSize = 33
	tagSize   = 16

	hkdfSalt = "DFNS_KEY_IMPORT"
	hkdfInfo = "ENCRYPTION_KEY"
)

// ErrDecryption is returned by [DecryptionKey.Decrypt] for every failure
// after the ciphertext length was checked. It deliberately does not say why.
var ErrDecryption = errors.New("decryption failed")

// EncryptionKey is the public half of an envelope key pair: what a signer
// publishes in GET /signers and what an export request carries.
// The zero value is not usable; build one with [ParseEncryptionKeyText] or [DecryptionKey.EncryptionKey].
type EncryptionKey struct {
	pub     *secp256k1.PublicKey
	encoded [encryptionKeySize]byte
}

// parseEncryptionKey parses the 34-byte binary form of an encryption key.
// It rejects a version other than 1, a malformed or off-curve point, and the
// identity (which has no SEC1 compressed encoding).
func parseEncryptionKey(b []byte) (*EncryptionKey, error) {
	if len(b) != encryptionKeySize {
		return nil, fmt.Errorf("encryption key is %d bytes, want %d (version byte and compressed secp256k1 point)", len(b), encryptionKeySize)
	}
	if b[0] != version {
		return nil, fmt.Errorf("encryption key has format version %d, only version %d is supported", b[0], version)
	}
	if b[1] != 0x02 && b[1] != 0x03 {
		return nil, fmt.Errorf("encryption key point has prefix 0x%02x, want a compressed point (0x02 or 0x03)", b[1])
	}
	pub, err := secp256k1.ParsePubKey(b[1:])
	if err != nil {
		return nil, fmt.Errorf("encryption key is not a valid secp256k1 point: %w", err)
	}
	k := &EncryptionKey{pub: pub}
	copy(k.encoded[:], b)
	return k, nil
}

// ParseEncryptionKeyText parses the standard base64 (padded) form of an
// encryption key used in JSON bodies. Surrounding white space is ignored.
func ParseEncryptionKeyText(s string) (*EncryptionKey, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("encryption key is not standard padded base64: %w", err)
	}
	return parseEncryptionKey(b)
}

// Bytes returns a copy of the 34-byte binary form of k.
func (k *EncryptionKey) Bytes() []byte {
	b := k.encoded
	return b[:]
}

// String returns the base64 form of k, as used on the wire. An encryption key
// is public, so printing it is safe.
func (k *EncryptionKey) String() string {
	return base64.StdEncoding.EncodeToString(k.encoded[:])
}

// Equal reports whether k and o are the same key.
func (k *EncryptionKey) Equal(o *EncryptionKey) bool {
	return subtle.ConstantTimeCompare(k.encoded[:], o.encoded[:]) == 1
}

// DecryptionKey is the secret half of an envelope key pair. It never goes on
// the wire. It redacts itself when printed, marshalled or logged; use
// [DecryptionKey.MarshalBinaryText] to persist it.
type DecryptionKey struct {
	// d returns the secret scalar. It is a closure because fmt prints what a
	// pointer field points to under some verbs (%s of a struct copy), but
	// never enters a func.
	d   func() *secp256k1.ModNScalar
	pub *EncryptionKey
}

// GenerateDecryptionKey returns a new random decryption key.
func GenerateDecryptionKey() (*DecryptionKey, error) {
	return generateDecryptionKey(rand.Reader)
}

func generateDecryptionKey(r io.Reader) (*DecryptionKey, error) {
	d, err := randomScalar(r)
	if err != nil {
		return nil, err
	}
	return newDecryptionKey(d), nil
}

func newDecryptionKey(d *secp256k1.ModNScalar) *DecryptionKey {
	var p secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(d, &p)
	p.ToAffine()
	sc := new(secp256k1.ModNScalar).Set(d)
	k := &DecryptionKey{d: func() *secp256k1.ModNScalar { return sc }}
	k.pub = &EncryptionKey{pub: secp256k1.NewPublicKey(&p.X, &p.Y)}
	k.pub.encoded[0] = version
	copy(k.pub.encoded[1:], k.pub.pub.SerializeCompressed())
	return k
}

// parseDecryptionKey parses the 33-byte binary form of a decryption key:
// version byte 1 and a canonical, non-zero big-endian scalar.
func parseDecryptionKey(b []byte) (*DecryptionKey, error) {
	if len(b) != decryptionKeySize {
		return nil, fmt.Errorf("decryption key is %d bytes, want %d (version byte and 32-byte scalar)", len(b), decryptionKeySize)
	}
	if b[0] != version {
		return nil, fmt.Errorf("decryption key has format version %d, only version %d is supported", b[0], version)
	}
	var d secp256k1.ModNScalar
	overflow := d.SetByteSlice(b[1:])
	if overflow {
		d.Zero()
		return nil, errors.New("decryption key scalar is not below the secp256k1 group order")
	}
	if d.IsZero() {
		return nil, errors.New("decryption key scalar is zero")
	}
	k := newDecryptionKey(&d)
	d.Zero()
	return k, nil
}

// ParseDecryptionKeyText parses the base64 text form written by
// [DecryptionKey.MarshalBinaryText], such as the contents of a file;
// surrounding white space is ignored. It decodes into a buffer it clears,
// so the caller can clear text afterwards and leave no copy of the key.
func ParseDecryptionKeyText(text []byte) (*DecryptionKey, error) {
	text = bytes.TrimSpace(text)
	b := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	defer clear(b)
	n, err := base64.StdEncoding.Strict().Decode(b, text)
	if err != nil {
		// The base64 error names an offset, never content.
		return nil, fmt.Errorf("decryption key is not standard padded base64: %w", err)
	}
	return parseDecryptionKey(b[:n])
}

// EncryptionKey returns the public key that encrypts to k.
func (k *DecryptionKey) EncryptionKey() *EncryptionKey { return k.pub }

// bytes returns a copy of the 33-byte binary form of k. The caller owns the
// copy and should clear it when done.
func (k *DecryptionKey) bytes() []byte {
	out := make([]byte, decryptionKeySize)
	out[0] = version
	k.d().PutBytesUnchecked(out[1:])
	return out
}

// MarshalBinaryText returns the standard base64 form of k's 33 bytes (a
// version byte 1 and the big-endian scalar), the form the dfnskeys command
// stores in files and [ParseDecryptionKeyText] reads. It is a secret: the name is chosen
// so that it is never picked up by encoding/json or fmt by accident.
func (k *DecryptionKey) MarshalBinaryText() []byte {
	raw := k.bytes()
	defer clear(raw)
	out := make([]byte, base64.StdEncoding.EncodedLen(len(raw)))
	base64.StdEncoding.Encode(out, raw)
	return out
}

// equal reports in constant time whether k and o hold the same scalar.
func (k *DecryptionKey) equal(o *DecryptionKey) bool {
	return k.d().Equals(o.d())
}

// Destroy overwrites the secret scalar. k must not be used afterwards.
func (k *DecryptionKey) Destroy() { k.d().Zero() }

const redacted = "encryption.DecryptionKey{REDACTED}"

// String returns a redacted description; it never contains key material.
func (k *DecryptionKey) String() string { return redacted }

// Format implements [fmt.Formatter] so that every verb prints the redacted form.
func (k *DecryptionKey) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// MarshalJSON refuses to serialise a decryption key.
func (k *DecryptionKey) MarshalJSON() ([]byte, error) {
	return []byte(`"REDACTED"`), nil
}

// Encrypt seals plaintext to ek. Each call uses a fresh ephemeral key, so
// encrypting the same plaintext twice gives different ciphertexts. The result
// is len(plaintext)+49 bytes (a 16-byte tag and a 33-byte point): ciphertext ‖ tag ‖ ephemeral point.
func Encrypt(ek *EncryptionKey, plaintext []byte) ([]byte, error) {
	return encrypt(rand.Reader, ek, plaintext)
}

func encrypt(r io.Reader, ek *EncryptionKey, plaintext []byte) ([]byte, error) {
	out, err := encryptMany(r, []*EncryptionKey{ek}, [][]byte{plaintext})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// encryptMany seals plaintexts[i] to keys[i] for every i, each with its
// own ephemeral key read from r, sharing one field inversion across all
// the points it must encode. [Encrypt] is its one-key case.
func encryptMany(r io.Reader, keys []*EncryptionKey, plaintexts [][]byte) ([][]byte, error) {
	if len(keys) != len(plaintexts) {
		return nil, fmt.Errorf("%d keys for %d plaintexts", len(keys), len(plaintexts))
	}
	n := len(keys)
	// points[2i] is E_i = k_i·G, points[2i+1] is S_i = k_i·EK_i.
	jac := make([]secp256k1.JacobianPoint, 2*n)
	points := make([]*secp256k1.JacobianPoint, 2*n)
	for i, ek := range keys {
		if ek == nil || ek.pub == nil {
			return nil, errors.New("encrypt to an uninitialised encryption key")
		}
		k, err := randomScalar(r)
		if err != nil {
			return nil, err
		}
		secp256k1.ScalarBaseMultNonConst(k, &jac[2*i])
		var ekPoint secp256k1.JacobianPoint
		ek.pub.AsJacobian(&ekPoint)
		secp256k1.ScalarMultNonConst(k, &ekPoint, &jac[2*i+1])
		k.Zero()
		points[2*i], points[2*i+1] = &jac[2*i], &jac[2*i+1]
	}
	secp.BatchToAffine(points)

	out := make([][]byte, n)
	var shared [pointSize]byte
	defer clear(shared[:])
	for i, pt := range plaintexts {
		compressAffine(&jac[2*i+1], shared[:])
		aead, err := newAEAD(shared[:])
		if err != nil {
			return nil, err
		}
		c := make([]byte, 0, len(pt)+overhead)
		c = aead.Seal(c, zeroNonce[:], pt, nil)
		c = c[:len(c)+pointSize]
		compressAffine(&jac[2*i], c[len(c)-pointSize:])
		out[i] = c
	}
	for i := range jac {
		jac[i].X.Zero()
		jac[i].Y.Zero()
	}
	return out, nil
}

// Decrypt opens a ciphertext produced by [Encrypt] for k's encryption key.
// A ciphertext shorter than 49 bytes gets a descriptive error; every other
// failure is [ErrDecryption].
func (k *DecryptionKey) Decrypt(ciphertext []byte) ([]byte, error) {
	if len(ciphertext) < overhead {
		return nil, fmt.Errorf("ciphertext is %d bytes, shorter than the %d-byte minimum (tag and ephemeral key)", len(ciphertext), overhead)
	}
	split := len(ciphertext) - pointSize
	eph, err := secp256k1.ParsePubKey(ciphertext[split:])
	if err != nil || (ciphertext[split] != 0x02 && ciphertext[split] != 0x03) {
		return nil, ErrDecryption
	}
	var e, s secp256k1.JacobianPoint
	eph.AsJacobian(&e)
	secp256k1.ScalarMultNonConst(k.d(), &e, &s)
	var shared [pointSize]byte
	compress(&s, shared[:])
	aead, err := newAEAD(shared[:])
	clear(shared[:])
	if err != nil {
		return nil, ErrDecryption
	}
	pt, err := aead.Open(make([]byte, 0, split-tagSize), zeroNonce[:], ciphertext[:split], nil)
	if err != nil {
		return nil, ErrDecryption
	}
	return pt, nil
}

var zeroNonce [12]byte

// newAEAD derives the AES-256-GCM key from the full compressed shared point.
func newAEAD(shared []byte) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, shared, []byte(hkdfSalt), hkdfInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("key derivation: %w", err)
	}
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	return cipher.NewGCM(block)
}

// compress writes the 33-byte SEC1 compressed form of p into dst. p must not
// be the identity, which cannot happen for a non-zero scalar times a point of
// prime order.
func compress(p *secp256k1.JacobianPoint, dst []byte) {
	p.ToAffine()
	compressAffine(p, dst)
}

// compressAffine is compress for a point already in affine coordinates.
func compressAffine(p *secp256k1.JacobianPoint, dst []byte) {
	p.X.Normalize()
	p.Y.Normalize()
	dst[0] = 0x02
	if p.Y.IsOdd() {
		dst[0] = 0x03
	}
	p.X.PutBytesUnchecked(dst[1:])
}

// randomScalar draws a uniformly random non-zero scalar by rejection.
func randomScalar(r io.Reader) (*secp256k1.ModNScalar, error) {
	var buf [32]byte
	defer clear(buf[:])
	var s secp256k1.ModNScalar
	for range 100 {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return nil, fmt.Errorf("reading randomness: %w", err)
		}
		if overflow := s.SetByteSlice(buf[:]); !overflow && !s.IsZero() {
			return &s, nil
		}
	}
	return nil, errors.New("randomness source returned no valid scalar in 100 tries")
}
