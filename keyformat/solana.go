package keyformat

import (
	"bytes"

	"github.com/dfnskeys/dfnskeys/internal/base58"
	"github.com/dfnskeys/dfnskeys/keys"
)

// parseSolanaKeypair reads a Solana keypair: 64 bytes, the 32-byte ed25519
// seed followed by its 32-byte public key, written either as a JSON array
// of 64 integers from 0 to 255 (the solana-keygen file format) or as a
// base58 string (the form wallets export). Leading and trailing whitespace
// is ignored. The public half must be the seed's public key. The key
// returned is the ed25519 key of the seed.
func parseSolanaKeypair(data []byte) (*keys.PrivateKey, error) {
	t := trimSpace(data)
	var kp [64]byte
	defer clear(kp[:])
	switch {
	case len(t) == 0:
		return nil, errorf(Solana, "empty input")
	case t[0] == '[':
		if err := parseByteArray(t, kp[:]); err != nil {
			return nil, err
		}
	default:
		// 64 bytes encode to at most 88 characters.
		if len(t) > 100 {
			return nil, errorf(Solana, "%d characters; a base58 keypair has at most 88", len(t))
		}
		raw, err := base58.Decode(t)
		if err != nil {
			return nil, base58Error(Solana, err, len(data)-len(trimLeftSpace(data)))
		}
		n := len(raw)
		copy(kp[:], raw)
		clear(raw)
		if n != len(kp) {
			return nil, errorf(Solana, "base58 keypair decodes to %d bytes, want 64", n)
		}
	}
	k, err := keys.NewPrivateKey(keys.Ed25519, kp[:32])
	if err != nil {
		return nil, wrap(Solana, err)
	}
	if !bytes.Equal(k.PublicKey(), kp[32:]) {
		k.Destroy()
		return nil, errorf(Solana, "the public key half does not match the seed")
	}
	return k, nil
}

// parseByteArray parses a JSON array of exactly len(out) integers from 0 to
// 255 into out. It accepts JSON's whitespace and plain integers only (no
// sign, fraction, exponent or leading zero) and reports positions, never
// values.
func parseByteArray(t []byte, out []byte) error {
	i := nextJSONValue(t, 1) // t[0] == '['
	n := 0
	if i < len(t) && t[i] == ']' {
		i++
	} else {
		for {
			if i >= len(t) {
				return errorf(Solana, "JSON array is not closed")
			}
			start := i
			var v int
			for i < len(t) && t[i] >= '0' && t[i] <= '9' && i-start < 4 {
				v = v*10 + int(t[i]-'0')
				i++
			}
			digits := i - start
			switch {
			case digits == 0:
				return errorf(Solana, "JSON array element %d is not an integer from 0 to 255", n)
			case digits > 3 || v > 255:
				return errorf(Solana, "JSON array element %d is out of the range 0 to 255", n)
			case digits > 1 && t[start] == '0':
				return errorf(Solana, "JSON array element %d has a leading zero", n)
			case i < len(t) && (t[i] == '.' || t[i] == 'e' || t[i] == 'E'):
				return errorf(Solana, "JSON array element %d is not an integer from 0 to 255", n)
			}
			if n < len(out) {
				out[n] = byte(v)
			}
			n++
			i = nextJSONValue(t, i)
			if i >= len(t) {
				return errorf(Solana, "JSON array is not closed")
			}
			if t[i] == ']' {
				i++
				break
			}
			if t[i] != ',' {
				return errorf(Solana, "expected ',' or ']' at offset %d of the JSON array", i)
			}
			i = nextJSONValue(t, i+1)
		}
	}
	if i != len(t) {
		return errorf(Solana, "unexpected data after the JSON array at offset %d", i)
	}
	if n != len(out) {
		return errorf(Solana, "JSON array has %d numbers, want %d", n, len(out))
	}
	return nil
}

// nextJSONValue skips JSON whitespace (space, tab, LF, CR) from i.
func nextJSONValue(t []byte, i int) int {
	for i < len(t) && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r') {
		i++
	}
	return i
}
