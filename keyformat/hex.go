package keyformat

import (
	"bytes"

	"github.com/dfnskeys/dfnskeys/keys"
)

var utf8BOM = []byte("\xef\xbb\xbf")

// parseHex reads a 32-byte private key for curve c written as hex, with an
// optional "0x" or "0X" prefix; whitespace anywhere is ignored and letters
// may be of either case. The key must have exactly 64 digits, on every
// curve: shorter input is refused, never left-padded, because 63 digits are
// far more often a truncated copy than a key with a leading zero, and
// padding it would import a different key. A key that really has leading
// zeros must be written with them.
//
// On secp256k1 and stark the value is the big-endian scalar. On ed25519 it
// is the 32-byte RFC 8032 seed, unless ed25519Scalar is set: then it is the
// big-endian signing scalar, the form Dfns exports (see
// [keys.NewEd25519PrivateKeyFromScalar]).
func parseHex(c keys.Curve, text []byte, ed25519Scalar bool) (*keys.PrivateKey, error) {
	text = bytes.TrimPrefix(text, utf8BOM) // files saved by some Windows editors
	if i := nextNonSpace(text, 0); i < len(text) && text[i] == '{' {
		return nil, errorf(Hex, "this is JSON, not hex: name its format (keystore for an Ethereum keystore, json for a key exported by dfnskeys)")
	}
	start := 0
	if i := nextNonSpace(text, 0); i < len(text) && text[i] == '0' {
		if j := nextNonSpace(text, i+1); j < len(text) && (text[j] == 'x' || text[j] == 'X') {
			start = j + 1
		}
	}
	var digits [64]byte
	defer clear(digits[:])
	n := 0
	for i := start; i < len(text); i++ {
		if isSpace(text[i]) {
			continue
		}
		v, ok := hexNibble(text[i])
		if ok == 0 {
			return nil, errorf(Hex, "invalid hex digit at offset %d", i)
		}
		if n == len(digits) {
			return nil, errorf(Hex, "more than 64 hex digits; a key is 32 bytes")
		}
		digits[n] = v
		n++
	}
	if n == 0 {
		return nil, errorf(Hex, "no hex digits")
	}
	if n != len(digits) {
		unit := "digits"
		if n == 1 {
			unit = "digit"
		}
		if c == keys.Ed25519 {
			return nil, errorf(Hex, "%d hex %s, want 64 for a 32-byte %s key", n, unit, c)
		}
		return nil, errorf(Hex, "%d hex %s, want 64 for a 32-byte %s key: a shorter key is usually a truncated copy; if this key really has leading zeros, left-pad it with zeros to 64 digits", n, unit, c)
	}
	var b [32]byte
	defer clear(b[:])
	for i, v := range digits {
		b[i/2] |= v << (4 * (1 - i%2))
	}
	return newKey(Hex, c, b[:], ed25519Scalar)
}

// parseRaw reads a private key for curve c given as exactly 32 raw bytes:
// the big-endian scalar on secp256k1 and stark, the RFC 8032 seed on
// ed25519, or the big-endian signing scalar on ed25519 when ed25519Scalar is
// set. The caller keeps ownership of data.
func parseRaw(c keys.Curve, data []byte, ed25519Scalar bool) (*keys.PrivateKey, error) {
	if len(data) != 32 {
		return nil, errorf(Raw, "key is %d bytes, want 32", len(data))
	}
	return newKey(Raw, c, data, ed25519Scalar)
}

func newKey(f Format, c keys.Curve, b []byte, ed25519Scalar bool) (*keys.PrivateKey, error) {
	var k *keys.PrivateKey
	var err error
	if ed25519Scalar {
		if c != keys.Ed25519 {
			return nil, errorf(f, "the ed25519-scalar option applies only to ed25519 keys, not %s", c)
		}
		k, err = keys.NewEd25519PrivateKeyFromScalar(b)
	} else {
		k, err = keys.NewPrivateKey(c, b)
	}
	if err != nil {
		return nil, wrap(f, err)
	}
	return k, nil
}

// hexNibble returns the value of hex digit c and 1, or 0 and 0 when c is not
// a hex digit, with no branch or table lookup on c (after libsodium's
// sodium_hex2bin).
func hexNibble(c byte) (byte, int) {
	x := uint32(c)
	num := x ^ '0'                                // '0'..'9' → 0..9
	numOK := (num - 10) >> 8                      // all ones when num < 10
	alpha := (x &^ 32) - 55                       // 'A'..'F', 'a'..'f' → 10..15
	alphaOK := ((alpha - 10) ^ (alpha - 16)) >> 8 // all ones when 10 ≤ alpha < 16
	v := (numOK & num) | (alphaOK & alpha)
	ok := (numOK | alphaOK) & 1
	return byte(v), int(ok)
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func nextNonSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// trimSpace returns b without leading and trailing ASCII whitespace; it
// shares b's memory.
func trimSpace(b []byte) []byte {
	i := nextNonSpace(b, 0)
	j := len(b)
	for j > i && isSpace(b[j-1]) {
		j--
	}
	return b[i:j]
}
