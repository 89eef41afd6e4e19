// Package base58 is the base58 codec in the Bitcoin alphabet, the one
// Bitcoin and Solana use, shared by package address (Solana and legacy
// Bitcoin addresses) and package keyformat (WIF, xprv and Solana keypairs).
// Those callers pass secrets through it, so it is written for secret input:
// the alphabet is searched with constant-time comparisons rather than
// indexed, and the big-number conversion runs a number of steps fixed by the
// input length. What does depend on the value is the count of leading zero
// bytes (leading '1' characters), which base58 writes out as such, and the
// length of the output. Buffers holding intermediate values are cleared.
package base58

import (
	"crypto/subtle"
	"slices"
	"strconv"
)

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// CorruptInputError is returned by [Decode] for input that is
// not base58. Its value is the offset of the first bad character; the
// character itself is never reported, since the input may be a secret.
type CorruptInputError int

// Error returns "invalid base58 character at offset N".
func (e CorruptInputError) Error() string {
	return "invalid base58 character at offset " + strconv.Itoa(int(e))
}

// Encode returns the base58 encoding of src in the Bitcoin alphabet,
// the one Bitcoin and Solana use. Each leading zero byte becomes a '1'.
func Encode(src []byte) string {
	b := AppendEncode(nil, src)
	s := string(b)
	clear(b)
	return s
}

// AppendEncode appends the base58 encoding of src to dst and returns
// the extended buffer. Use it instead of [Encode] when src is a
// secret, so that the caller can clear the result.
func AppendEncode(dst, src []byte) []byte {
	zeros := 0
	for zeros < len(src) && src[zeros] == 0 {
		zeros++
	}
	// Each base58 digit carries log2(58) ≈ 5.858 bits: 138/100 > 8/5.858.
	digits := make([]byte, (len(src)-zeros)*138/100+1)
	defer clear(digits)
	for _, b := range src[zeros:] {
		carry := uint32(b)
		for j := len(digits) - 1; j >= 0; j-- {
			carry += uint32(digits[j]) << 8
			digits[j] = byte(carry % 58)
			carry /= 58
		}
	}
	skip := 0
	for skip < len(digits) && digits[skip] == 0 {
		skip++
	}
	// Grow once, so that no partial copy of the encoding is left behind.
	dst = slices.Grow(dst, zeros+len(digits)-skip)
	for range zeros {
		dst = append(dst, '1')
	}
	for _, d := range digits[skip:] {
		dst = append(dst, base58Char(d))
	}
	return dst
}

// base58Char returns the alphabet's character for digit d < 58 without
// indexing the table by d.
func base58Char(d byte) byte {
	var c byte
	for i := range len(base58Alphabet) {
		c |= byte(subtle.ConstantTimeByteEq(byte(i), d)) * base58Alphabet[i]
	}
	return c
}

// base58Digit returns the value of c and 1, or 0 and 0 when c is not in
// the alphabet, without indexing a table by c.
func base58Digit(c byte) (byte, int) {
	var d byte
	ok := 0
	for i := range len(base58Alphabet) {
		eq := subtle.ConstantTimeByteEq(base58Alphabet[i], c)
		d |= byte(eq * i)
		ok |= eq
	}
	return d, ok
}

// Decode decodes base58 text in the Bitcoin alphabet. Each leading
// '1' becomes a zero byte. It does not skip whitespace. On error it returns
// a [CorruptInputError]. The caller owns the result and should clear
// it when it holds a secret.
//
// Decoding takes time quadratic in the input length; callers that read
// untrusted input should bound its length first.
func Decode(src []byte) ([]byte, error) {
	zeros := 0
	for zeros < len(src) && src[zeros] == '1' {
		zeros++
	}
	// Each base58 digit carries log256(58) ≈ 0.732 bytes: 733/1000 covers it.
	buf := make([]byte, (len(src)-zeros)*733/1000+1)
	defer clear(buf)
	for i, c := range src[zeros:] {
		d, ok := base58Digit(c)
		if ok == 0 {
			return nil, CorruptInputError(zeros + i)
		}
		carry := uint32(d)
		for j := len(buf) - 1; j >= 0; j-- {
			carry += uint32(buf[j]) * 58
			buf[j] = byte(carry)
			carry >>= 8
		}
	}
	skip := 0
	for skip < len(buf) && buf[skip] == 0 {
		skip++
	}
	out := make([]byte, zeros+len(buf)-skip)
	copy(out[zeros:], buf[skip:])
	return out, nil
}
