package keyformat

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"

	"github.com/dfnskeys/dfnskeys/internal/base58"
	"github.com/dfnskeys/dfnskeys/keys"
)

// WIF version bytes.
const (
	wifMainnet = 0x80
	wifTestnet = 0xef
)

// parseWIF reads a secp256k1 key in Bitcoin's Wallet Import Format:
// base58check of a version byte (0x80 mainnet or 0xef testnet), the 32-byte
// big-endian key and, for keys whose public key is used compressed, a 0x01
// suffix. Leading and trailing whitespace is ignored. The network and the
// compression flag do not change the key and are not returned.
func parseWIF(text []byte) (*keys.PrivateKey, error) {
	t := trimSpace(text)
	if len(t) == 0 {
		return nil, errorf(WIF, "empty input")
	}
	// 38 bytes encode to at most 52 characters. Longer text is refused
	// before decoding, which is quadratic; slightly longer text is decoded
	// so that the error can report its length in bytes.
	if len(t) > 60 {
		return nil, errorf(WIF, "%d characters; a WIF key has 51 or 52", len(t))
	}
	raw, err := base58.Decode(t)
	if err != nil {
		return nil, base58Error(WIF, err, len(text)-len(trimLeftSpace(text)))
	}
	defer clear(raw)
	if len(raw) < 5 {
		return nil, errorf(WIF, "decodes to %d bytes; a WIF key has 37 or 38", len(raw))
	}
	payload, sum := raw[:len(raw)-4], raw[len(raw)-4:]
	want := doubleSHA256(payload)
	defer clear(want[:])
	if subtle.ConstantTimeCompare(want[:4], sum) != 1 {
		return nil, errorf(WIF, "checksum mismatch")
	}
	if v := payload[0]; v != wifMainnet && v != wifTestnet {
		return nil, errorf(WIF, "version byte 0x%02x is not 0x80 (mainnet) or 0xef (testnet)", v)
	}
	switch len(payload) {
	case 33:
	case 34:
		if payload[33] != 0x01 {
			return nil, errorf(WIF, "compression flag is 0x%02x, want 0x01", payload[33])
		}
	default:
		return nil, errorf(WIF, "payload is %d bytes; want 33, or 34 for a compressed key", len(payload))
	}
	k, err := keys.NewPrivateKey(keys.Secp256k1, payload[1:33])
	if err != nil {
		return nil, wrap(WIF, err)
	}
	return k, nil
}

// encodeWIF writes secp256k1 key k in Wallet Import Format, for mainnet
// (version 0x80) or testnet (0xef), with the 0x01 suffix when compressed is
// set (what current wallets expect). The result is a secret: the caller
// should clear it.
func encodeWIF(k *keys.PrivateKey, compressed, testnet bool) ([]byte, error) {
	if k == nil {
		return nil, errorf(WIF, "nil key")
	}
	if k.Curve() != keys.Secp256k1 {
		return nil, errorf(WIF, "only secp256k1 keys can be written as WIF, not %s", k.Curve())
	}
	var buf [38]byte
	defer clear(buf[:])
	buf[0] = wifMainnet
	if testnet {
		buf[0] = wifTestnet
	}
	kb := k.Bytes()
	copy(buf[1:33], kb)
	clear(kb)
	n := 33
	if compressed {
		buf[33] = 0x01
		n = 34
	}
	sum := doubleSHA256(buf[:n])
	copy(buf[n:], sum[:4])
	clear(sum[:])
	return base58.AppendEncode(make([]byte, 0, 52), buf[:n+4]), nil
}

func doubleSHA256(b []byte) [32]byte {
	h := sha256.Sum256(b)
	out := sha256.Sum256(h[:])
	clear(h[:])
	return out
}

func trimLeftSpace(b []byte) []byte { return b[nextNonSpace(b, 0):] }

// base58Error reports a base58 decoding error at its offset in the
// caller's text, shift being the whitespace trimmed in front.
func base58Error(f Format, err error, shift int) error {
	var ce base58.CorruptInputError
	if errors.As(err, &ce) {
		return errorf(f, "invalid base58 character at offset %d", int(ce)+shift)
	}
	return wrap(f, err)
}
