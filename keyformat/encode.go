package keyformat

import (
	"github.com/dfnskeys/dfnskeys/internal/optionerr"
	"github.com/dfnskeys/dfnskeys/keys"
)

// EncodeOptions holds what some formats need to write a key.
type EncodeOptions struct {
	// KeyID is the key's Dfns ID ("" when unknown). [JSON] and [Keystore]
	// record it, which is how a rerun of an export recognises its own files.
	KeyID string
	// Password encrypts a [Keystore]; it is required there and refused by
	// the other formats. Encode does not keep or clear it.
	Password []byte `json:"-"`
	// Keystore tunes the keystore KDF; its KeyID is replaced by KeyID.
	Keystore KeystoreOptions
}

// Encode writes k in format f, as the whole content of a file: [JSON] (an
// export document, see [Encode]), [Hex] (64 lowercase hex digits of the
// big-endian key), [WIF] (compressed, mainnet, see [Encode]) or
// [Keystore] (see [Encode]); every one ends with a newline.
//
// WIF and keystores are for secp256k1 keys only. Hex refuses ed25519 keys:
// Dfns exports an ed25519 key as its signing scalar, which as bare hex would
// read back as the RFC 8032 seed of another key; JSON says what the key is.
// The result holds the key (in the clear except for a keystore): the caller
// should clear it after use.
func Encode(f Format, k *keys.PrivateKey, opts EncodeOptions) ([]byte, error) {
	f, err := ParseFormat(string(f))
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, errorf(f, "nil key")
	}
	if len(opts.Password) > 0 && f != Keystore {
		return nil, errorf(f, "a password is only used by the keystore format")
	}
	if err := CheckEncode(f, k.Curve()); err != nil {
		return nil, wrap(f, err)
	}
	switch f {
	case JSON:
		return encodeJSON(k, opts.KeyID)
	case Hex:
		return encodeHex(k), nil
	case WIF:
		b, err := encodeWIF(k, true, false)
		if err != nil {
			return nil, err
		}
		return append(b, '\n'), nil
	case Keystore:
		if len(opts.Password) == 0 {
			return nil, errorf(f, "a keystore needs a password")
		}
		ks := opts.Keystore
		ks.KeyID = opts.KeyID
		b, err := encryptKeystore(k, opts.Password, ks)
		if err != nil {
			return nil, err
		}
		return append(b, '\n'), nil
	default:
		return nil, errorf(f, "keys are read from this format but not written to it; write json, hex, wif or keystore")
	}
}

// CheckEncode returns nil when a key on curve c can be written in format
// f by [Encode], and otherwise an error wrapping [keys.ErrInvalidOption]
// that says which format to use: hex is refused for ed25519 keys, WIF and
// keystores are for secp256k1 keys only. It is the check an export runs,
// with the curve the API reports, before the export is sent, so that a key
// Dfns stops signing with is never exported to a format that cannot hold
// it; Encode runs it again.
func CheckEncode(f Format, c keys.Curve) error {
	switch {
	case f == Hex && c == keys.Ed25519:
		return optionerr.New("format hex cannot be used for an ed25519 key: Dfns exports its signing scalar, which as bare hex would read back as the seed of another key; use format json (--format json), which says what the key is")
	case (f == WIF || f == Keystore) && c != keys.Secp256k1:
		return optionerr.New("format %s is for secp256k1 keys only; this key is %s: export it with format json (--format json)", f, c)
	}
	return nil
}

// encodeHex returns the key as 64 lowercase hex digits and a newline,
// without secret-indexed table lookups or secret-dependent branches.
func encodeHex(k *keys.PrivateKey) []byte {
	raw := k.Bytes()
	defer clear(raw)
	text := make([]byte, 2*len(raw)+1)
	for i, b := range raw {
		text[2*i], text[2*i+1] = hexDigit(b>>4), hexDigit(b&0x0f)
	}
	text[len(text)-1] = '\n'
	return text
}

// hexDigit returns the lowercase hex digit of n < 16 in constant time.
func hexDigit(n byte) byte {
	// For n > 9, (9 − n) is negative: its sign bits select the offset
	// from '0'+n to 'a'+n−10.
	x := int32(n)
	return byte('0' + x + ((9-x)>>8)&('a'-'0'-10))
}
