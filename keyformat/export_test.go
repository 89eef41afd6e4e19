package keyformat

import "github.com/dfnskeys/dfnskeys/keys"

// The per-format functions behind Parse and Encode, for the external tests.
var (
	ParseHex      = parseHex
	ParseRaw      = parseRaw
	ParseWIF      = parseWIF
	ParseKeystore = func(data, password []byte) (*keys.PrivateKey, error) {
		return parseKeystore(data, password, defaultKDFLimits)
	}
	ParseSolanaKeypair = parseSolanaKeypair
	ParseXPRV          = parseXPRV
	ParseJSON          = parseJSON
	ParseMnemonic      = parseMnemonic
	EncodeWIF          = encodeWIF
	EncodeJSON         = encodeJSON
	EncryptKeystore    = encryptKeystore
)

// Detect is the format detection behind Load, for the external tests.
var Detect = detect
