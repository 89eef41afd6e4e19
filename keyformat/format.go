package keyformat

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/dfnskeys/dfnskeys/keys"
)

// Format names a format a private key can be read from.
type Format string

// The supported formats.
const (
	// Hex is a 32-byte key as hex text; see [Parse].
	Hex Format = "hex"
	// Raw is a key as 32 raw bytes; see [Parse].
	Raw Format = "raw"
	// WIF is Bitcoin's Wallet Import Format; see [Parse].
	WIF Format = "wif"
	// Keystore is an Ethereum V3 keystore (Web3 Secret Storage); see
	// [Parse].
	Keystore Format = "keystore"
	// Solana is a Solana keypair file; see [Parse].
	Solana Format = "solana"
	// Mnemonic is a BIP-39 English mnemonic; see [Parse].
	Mnemonic Format = "mnemonic"
	// XPRV is a BIP-32 extended private key (xprv, tprv, yprv, zprv);
	// see [Parse].
	XPRV Format = "xprv"
	// JSON is the export document dfnskeys writes for a key exported from
	// Dfns: the key with its curve, kind (a scalar) and public key, so that
	// an ed25519 scalar is never read back as a seed; see [Parse] and
	// [Encode].
	JSON Format = "json"
)

// Formats lists the supported formats.
func Formats() []Format { return []Format{Hex, Raw, WIF, Keystore, Solana, Mnemonic, XPRV, JSON} }

// ParseFormat returns the format with the given name (case-insensitive).
func ParseFormat(name string) (Format, error) {
	for _, f := range Formats() {
		if strings.EqualFold(name, string(f)) {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q: supported formats are hex, raw, wif, keystore, solana, mnemonic, xprv and json", name)
}

// Curve returns the curve that format f implies — secp256k1 for WIF and
// keystores, ed25519 for Solana keypairs — or "" when the caller must
// choose one (or, for [JSON], when the file says).
func (f Format) Curve() keys.Curve {
	switch f {
	case WIF, Keystore, XPRV:
		return keys.Secp256k1
	case Solana:
		return keys.Ed25519
	}
	return ""
}

// Secrets holds what some formats need besides the key file itself. It
// redacts itself when printed, marshalled or logged — except, as fmt
// documents, inside an unexported struct field, where fmt prints the
// fields without calling any method. The caller owns the byte slices; see
// [Secrets.Clear].
type Secrets struct {
	// Password decrypts a keystore. It is used by [Keystore] only.
	Password []byte
	// Passphrase is the optional BIP-39 passphrase ("25th word"). It is
	// used by [Mnemonic] only.
	Passphrase []byte
	// Path is the derivation path: for [Mnemonic] from the seed ("" means
	// "m/44'/60'/0'/0/0", the first Ethereum account, on secp256k1 and
	// "m/44'/501'/0'/0'", the first Solana account, on ed25519), for
	// [XPRV] below the extended key (required). A step is a decimal index
	// below 2^31, hardened when followed by ', h or H.
	Path string
	// Ed25519Scalar says that an ed25519 key in [Hex] or [Raw] form is a
	// big-endian signing scalar, as Dfns exports it, rather than an RFC 8032
	// seed. It is used by [Hex] and [Raw] only.
	Ed25519Scalar bool
}

// Clear overwrites Password and Passphrase with zeros.
func (s *Secrets) Clear() {
	clear(s.Password)
	clear(s.Passphrase)
}

const redactedSecrets = "keyformat.Secrets{REDACTED}"

// String returns a redacted description.
func (Secrets) String() string { return redactedSecrets }

// Format implements [fmt.Formatter]: every verb prints the redacted form.
func (Secrets) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redactedSecrets) }

// MarshalJSON encodes the secrets as the string "REDACTED".
func (Secrets) MarshalJSON() ([]byte, error) { return []byte(`"REDACTED"`), nil }

// LogValue implements [slog.LogValuer] with the redacted form.
func (Secrets) LogValue() slog.Value { return slog.StringValue(redactedSecrets) }

// Parse reads a private key in format f. c is the key's curve; it may be
// "" for formats that imply one (see [Format.Curve]) and for [JSON], whose
// files name their curve, and must match it otherwise. A field of s that
// format f does not use is an error, so that a password or path given by
// mistake is not silently ignored. A key that does not parse as f but
// looks like another format (as [LoadOptions.Format] detects it) is an
// error that names that format.
func Parse(f Format, c keys.Curve, data []byte, s Secrets) (*keys.PrivateKey, error) {
	f, err := ParseFormat(string(f))
	if err != nil {
		return nil, err
	}
	c, err = checkOptions(f, c, s.Path, s.Ed25519Scalar)
	if err != nil {
		return nil, wrap(f, err)
	}
	if len(s.Password) > 0 && f != Keystore {
		return nil, errorf(f, "a password is only used by the keystore format")
	}
	if len(s.Passphrase) > 0 && f != Mnemonic {
		return nil, errorf(f, "a passphrase is only used by the mnemonic format")
	}
	k, err := parse(f, c, data, s)
	if err != nil {
		return nil, misnamed(f, data, err)
	}
	return k, nil
}

func parse(f Format, c keys.Curve, data []byte, s Secrets) (*keys.PrivateKey, error) {
	switch f {
	case Hex:
		return parseHex(c, data, s.Ed25519Scalar)
	case Raw:
		return parseRaw(c, data, s.Ed25519Scalar)
	case WIF:
		return parseWIF(data)
	case Keystore:
		return parseKeystore(data, s.Password, defaultKDFLimits)
	case Solana:
		return parseSolanaKeypair(data)
	case XPRV:
		return parseXPRV(data, s.Path)
	case JSON:
		return parseJSON(c, data)
	default: // Mnemonic
		return parseMnemonic(c, data, s.Passphrase, s.Path)
	}
}
