package keys

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/dfnskeys/dfnskeys/internal/sharding"
)

// PrivateKey is a private key that is being imported or has been exported:
// a scalar on one of the supported curves. It redacts itself everywhere it
// could be printed — String, every fmt verb (%#v included), JSON, text
// marshalling and slog — and gives its bytes only through [PrivateKey.Bytes].
// Call [PrivateKey.Destroy] when done.
type PrivateKey struct {
	curve Curve
	// scalar returns the big-endian, canonical, non-zero secret. It is a
	// closure because fmt prints whatever a pointer field points to under
	// some verbs (%s of a struct copy, for one), but never enters a func.
	scalar func() *[32]byte
	public []byte // Dfns encoding
}

// NewPrivateKey parses a private key for curve c.
//
// On secp256k1 and stark, b is the 32-byte big-endian scalar; zero and
// values not below the group order are rejected. Input of any other length
// is refused, shorter input included: it is never left-padded, because 31
// bytes are far more often a truncated copy than a key with a leading zero
// byte, and padding it would import a different key (the rule
// keyformat.Parse of Hex and the CLI apply to hex). A key that really has
// leading zeros must be given with them. On ed25519, b is the 32-byte RFC 8032 seed, converted to the
// signing scalar (SHA-512, clamped, reduced); use
// [NewEd25519PrivateKeyFromScalar] for a key that is already a scalar.
// The caller keeps ownership of b.
func NewPrivateKey(c Curve, b []byte) (*PrivateKey, error) {
	sc := c.math()
	if sc == nil {
		return nil, fmt.Errorf("unsupported curve %q: supported curves are secp256k1, stark and ed25519", c)
	}
	if c == Ed25519 {
		s, err := sharding.Ed25519ScalarFromSeed(b)
		if err != nil {
			return nil, fmt.Errorf("ed25519 private key must be a 32-byte seed, got %d bytes", len(b))
		}
		return fromScalar(c, s), nil
	}
	switch {
	case len(b) < 32:
		return nil, fmt.Errorf("%s private key is %d %s, want 32: a shorter key is usually a truncated copy; if this key really has leading zeros, left-pad it with zero bytes to 32", c, len(b), byteUnit(len(b)))
	case len(b) > 32:
		return nil, fmt.Errorf("%s private key is %d bytes, want 32", c, len(b))
	}
	s, err := sc.ParseScalar(b)
	if err != nil {
		return nil, privateKeyError(c, err)
	}
	return fromScalar(c, s), nil
}

// NewEd25519PrivateKeyFromScalar takes an ed25519 key that is already a
// signing scalar: 32 bytes, big-endian, canonical and non-zero. Keys
// exported from Dfns have this form.
func NewEd25519PrivateKeyFromScalar(b []byte) (*PrivateKey, error) {
	s, err := sharding.Ed25519.ParseScalar(b)
	if err != nil {
		return nil, privateKeyError(Ed25519, err)
	}
	return fromScalar(Ed25519, s), nil
}

func byteUnit(n int) string {
	if n == 1 {
		return "byte"
	}
	return "bytes"
}

func privateKeyError(c Curve, err error) error {
	switch {
	case errors.Is(err, sharding.ErrZeroScalar):
		return fmt.Errorf("%s private key is zero", c)
	case errors.Is(err, sharding.ErrScalarOutOfRange):
		return fmt.Errorf("%s private key is not below the curve's group order", c)
	default:
		return fmt.Errorf("invalid %s private key: %w", c, err)
	}
}

// fromScalar takes ownership of s and zeroizes it.
func fromScalar(c Curve, s sharding.Scalar) *PrivateKey {
	buf := new([32]byte)
	k := &PrivateKey{curve: c, scalar: func() *[32]byte { return buf }}
	b := s.Bytes()
	copy(k.scalar()[:], b)
	clear(b)
	k.public = c.math().BaseMul(s).PublicKeyBytes()
	s.Zeroize()
	return k
}

// Curve returns the key's curve.
func (k *PrivateKey) Curve() Curve { return k.curve }

// Bytes returns a copy of the 32-byte big-endian scalar. For ed25519 this
// is the signing scalar, not a seed. The caller should clear the copy.
func (k *PrivateKey) Bytes() []byte {
	b := *k.scalar()
	return b[:]
}

// PublicKey returns the public key in the encoding Dfns reports: 33-byte
// compressed on secp256k1 and stark, 32 bytes on ed25519.
func (k *PrivateKey) PublicKey() []byte { return append([]byte(nil), k.public...) }

// PublicKeyHex returns [PrivateKey.PublicKey] as lowercase hex, the form
// of a Dfns Key's publicKey field.
func (k *PrivateKey) PublicKeyHex() string { return hex.EncodeToString(k.public) }

// Equal reports in constant time whether k and o are the same key.
func (k *PrivateKey) Equal(o *PrivateKey) bool {
	return k.curve == o.curve && subtle.ConstantTimeCompare(k.scalar()[:], o.scalar()[:]) == 1
}

// Destroy overwrites the secret. k must not be used afterwards.
func (k *PrivateKey) Destroy() { clear(k.scalar()[:]) }

func (k *PrivateKey) redacted() string {
	return "keys.PrivateKey{curve: " + string(k.curve) + ", publicKey: " + k.PublicKeyHex() + ", secret: REDACTED}"
}

// String returns a redacted description: curve and public key only.
func (k *PrivateKey) String() string { return k.redacted() }

// Format implements [fmt.Formatter]: every verb prints the redacted form.
func (k *PrivateKey) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.redacted()) }

// MarshalText encodes the key as "REDACTED", and so encoding/json as the
// string "REDACTED".
func (k *PrivateKey) MarshalText() ([]byte, error) { return []byte("REDACTED"), nil }

// LogValue implements [slog.LogValuer] with the redacted form.
func (k *PrivateKey) LogValue() slog.Value { return slog.StringValue(k.redacted()) }

// GeneratePrivateKey returns a new uniformly random key for curve c: a
// scalar below the group order on secp256k1 and stark, an RFC 8032 seed on
// ed25519. It is for tests, demos and fresh keys; keys being migrated come
// from their existing form.
func GeneratePrivateKey(c Curve) (*PrivateKey, error) {
	if c.math() == nil {
		return nil, fmt.Errorf("unsupported curve %q: supported curves are secp256k1, stark and ed25519", c)
	}
	var b [32]byte
	defer clear(b[:])
	for range 1000 {
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("reading randomness: %w", err)
		}
		if c == Stark {
			b[0] &= 0x0f // the order is just above 2^251: keep 252 bits and reject the rest
		}
		if k, err := NewPrivateKey(c, b[:]); err == nil {
			return k, nil
		}
	}
	return nil, errors.New("randomness source gave no valid key in 1000 tries")
}
