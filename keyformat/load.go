package keyformat

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/dfnskeys/dfnskeys/internal/optionerr"
	"github.com/dfnskeys/dfnskeys/keys"
)

// LoadOptions configures [Load].
type LoadOptions struct {
	// Format is the key's format; "" detects it from the bytes: a JSON
	// object is a [Keystore] (it has "crypto") or a [JSON] export document
	// (its type says so), a JSON array a [Solana] keypair, 64 hex digits
	// (with or without 0x) [Hex], twelve or more lower-case words a
	// [Mnemonic], a base58 string an [XPRV] (by its prefix), a [WIF] key or
	// a base58 [Solana] keypair (by its length), and 32 bytes that are not
	// text [Raw].
	Format Format
	// Curve is the key's curve. It may be "" for a format that implies
	// one (see [Format.Curve]) or names it ([JSON]), and must match it
	// otherwise.
	Curve keys.Curve
	// DefaultCurve is the curve of a key when Curve is "" and its format
	// (named or detected) neither implies nor names one, as a hex key
	// does not; "" (the zero value) makes Curve required for such a key.
	DefaultCurve keys.Curve
	// Path and Ed25519Scalar are as in [Secrets].
	Path          string
	Ed25519Scalar bool
	// Secret returns the keystore password (for [Keystore]) or the BIP-39
	// passphrase (for [Mnemonic]); it is called only for those formats,
	// once the format is known, and Load clears what it returns. Without
	// it such a key is an error.
	Secret func(Format) ([]byte, error)
}

// Check checks the options before any key is read, so that a mistake in
// them costs nothing: a curve that the format contradicts ([Format.Curve]),
// a missing curve, a derivation path for a format that has none, an
// [XPRV] key without one, and Ed25519Scalar anywhere but on an ed25519 key
// in [Hex] or [Raw]. With Format "" (to be detected) only what needs no
// format is checked; [Parse] (and so Load) runs the same checks again once
// the format is known. Its errors wrap [keys.ErrInvalidOption] and name
// each option, then the command line's flag for it ("a derivation path
// (--path) is only for formats mnemonic and xprv").
func (o LoadOptions) Check() error {
	_, err := checkOptions(o.Format, o.curve(o.Format), o.Path, o.Ed25519Scalar)
	return err
}

// curve is the curve to read a key in format f with: Curve, or
// DefaultCurve when f is known and neither implies nor names one.
func (o LoadOptions) curve(f Format) keys.Curve {
	if o.Curve == "" && f != "" && f != JSON && f.Curve() == "" {
		return o.DefaultCurve
	}
	return o.Curve
}

// checkOptions is [LoadOptions.Check] and the start of [Parse]: it
// returns the key's curve, c or the one f implies ("" for a [JSON] file
// without c: the file says).
func checkOptions(f Format, c keys.Curve, path string, scalar bool) (keys.Curve, error) {
	if implied := f.Curve(); implied != "" {
		if c != "" && c != implied {
			return "", optionerr.New("format %s keys are %s keys, not %s (--format, --curve)", f, implied, c)
		}
		c = implied
	}
	switch {
	case f == "" && scalar && c != "" && c != keys.Ed25519:
		return "", optionerr.New("the ed25519 scalar form (--ed25519-scalar) is only for ed25519 keys, not %s", c)
	case f == "":
		return c, nil // the rest needs the format
	case c == "" && f != JSON:
		return "", optionerr.New("a curve is required (--curve): a %s key can be on secp256k1, stark or ed25519", f)
	case scalar && f == JSON:
		return "", optionerr.New("the ed25519 scalar form (--ed25519-scalar) is not needed with format json: the file says what its key is")
	case scalar && f != Hex && f != Raw:
		return "", optionerr.New("the ed25519 scalar form (--ed25519-scalar) is only for formats hex and raw")
	case scalar && c != keys.Ed25519:
		return "", optionerr.New("the ed25519 scalar form (--ed25519-scalar) is only for ed25519 keys, not %s", c)
	case path != "" && f != Mnemonic && f != XPRV:
		return "", optionerr.New("a derivation path (--path) is only for formats mnemonic and xprv")
	case path == "" && f == XPRV:
		return "", optionerr.New("format xprv needs a derivation path (--path): the path below the extended key, for example m/44'/60'/0'/0/0 below a master key or m/0/0 below an account key (m alone is the extended key itself)")
	}
	return c, nil
}

// Load reads a private key from data, the contents of a key file or what
// was typed, as opts say: it detects the format when opts.Format is "",
// asks opts.Secret for the password or passphrase the format needs, and
// parses the key with [Parse]. Every path that reads a key from the user
// (the command line's key sources, bulk rows) goes through it. A format
// that cannot be detected is an error that lists the formats; a key in
// another format than the one named is an error that names the right one
// (see [Parse]). Options that do not fit a detected format are refused
// with the error [LoadOptions.Check] gives with that format named (not
// wrapped in an [*Error]: the options are wrong, not the key). No error
// holds the key's bytes.
func Load(data []byte, opts LoadOptions) (*keys.PrivateKey, error) {
	f := opts.Format
	detected := f == ""
	if detected {
		if f = detect(data); f == "" {
			return nil, errors.New("the key's format could not be recognised: name it (--format): hex, raw, wif, keystore, solana, mnemonic, xprv or json")
		}
	}
	f, err := ParseFormat(string(f))
	if err != nil {
		return nil, err
	}
	// The options are checked before a secret is asked for; Parse checks
	// them again.
	c := opts.curve(f)
	if _, err := checkOptions(f, c, opts.Path, opts.Ed25519Scalar); err != nil {
		if detected {
			return nil, err // about the options, as Check says it
		}
		return nil, wrap(f, err)
	}
	s := Secrets{Path: opts.Path, Ed25519Scalar: opts.Ed25519Scalar}
	if f == Keystore || f == Mnemonic {
		if opts.Secret == nil {
			return nil, errorf(f, "a %s is needed and none was given", secretName(f))
		}
		secret, err := opts.Secret(f)
		if err != nil {
			return nil, err
		}
		defer clear(secret)
		if f == Keystore {
			s.Password = secret
		} else {
			s.Passphrase = secret
		}
	}
	return Parse(f, c, data, s)
}

func secretName(f Format) string {
	if f == Keystore {
		return "keystore password"
	}
	return "mnemonic passphrase"
}

// detect returns the format data looks like, or "" when it looks like
// none: a JSON object is a [Keystore] (it has "crypto") or a [JSON] export
// document (its type says so), a JSON array a [Solana] keypair, 64 hex
// digits (with or without 0x, or with a few wrong ones) [Hex], twelve or more lower-case words a
// [Mnemonic], a base58 string an [XPRV] (by its prefix), a [WIF] key or a
// base58 [Solana] keypair (by its length), and 32 bytes that are not text
// [Raw]. It reads the bytes only to classify them and keeps nothing;
// [Parse] still checks everything.
func detect(data []byte) Format {
	if len(data) == 32 && !isText(data) {
		return Raw
	}
	text := bytes.TrimSpace(bytes.TrimPrefix(data, utf8BOM))
	if len(text) == 0 || !isText(text) {
		return ""
	}
	switch text[0] {
	case '{':
		return detectObject(text)
	case '[':
		return Solana
	}
	if len(text) > 1 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') {
		return Hex
	}
	fields := bytes.Fields(text)
	if len(fields) == 1 || allHex(fields) {
		word := string(bytes.Join(fields, nil))
		switch {
		case allHex(fields) || mostlyHex(word):
			return Hex // a mistyped or truncated one: hex's errors say where
		case !isBase58(word):
			return ""
		case len(word) >= 100 && len(word) <= 120 && hasXPRVPrefix(word):
			return XPRV
		case (len(word) == 51 || len(word) == 52) && strings.ContainsRune("5KLc9", rune(word[0])):
			return WIF
		case len(word) >= 85 && len(word) <= 90:
			return Solana
		}
		return ""
	}
	if len(fields) >= 12 && allWords(fields) {
		return Mnemonic
	}
	return ""
}

// detectObject tells a keystore from an export document by their fields;
// the values it reads are the document's type and whether crypto is set.
func detectObject(text []byte) Format {
	var probe struct {
		Type   string          `json:"type"`
		Crypto json.RawMessage `json:"crypto"` // matches "Crypto" too
	}
	err := json.Unmarshal(text, &probe)
	defer clear(probe.Crypto)
	switch {
	case err != nil:
		return ""
	case probe.Type == documentType:
		return JSON
	case len(probe.Crypto) > 0:
		return Keystore
	}
	return ""
}

func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && !isSpace(c) || c == 0x7f {
			return false
		}
	}
	return true
}

func allHex(fields [][]byte) bool {
	for _, f := range fields {
		for _, c := range f {
			if _, ok := hexNibble(c); ok == 0 {
				return false
			}
		}
	}
	return true
}

func allWords(fields [][]byte) bool {
	for _, f := range fields {
		for _, c := range f {
			if c < 'a' || c > 'z' {
				return false
			}
		}
	}
	return true
}

// mostlyHex reports whether word is a hex key with a few wrong digits:
// at least 32 characters, nine in ten of them hex digits.
func mostlyHex(word string) bool {
	n := 0
	for i := 0; i < len(word); i++ {
		if _, ok := hexNibble(word[i]); ok != 0 {
			n++
		}
	}
	return len(word) >= 32 && 10*n >= 9*len(word)
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func isBase58(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(base58Alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

func hasXPRVPrefix(s string) bool {
	for _, p := range []string{"xprv", "tprv", "yprv", "zprv"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// describe names format f as a user would know it.
func describe(f Format) string {
	switch f {
	case Hex:
		return "a hex key"
	case Raw:
		return "a raw 32-byte key"
	case WIF:
		return "a WIF key"
	case Keystore:
		return "an Ethereum keystore"
	case Solana:
		return "a Solana keypair"
	case Mnemonic:
		return "a BIP-39 mnemonic"
	case XPRV:
		return "a BIP-32 extended private key"
	}
	return "an export document written by dfnskeys"
}

// misnamed is the error of a key that failed to parse as f and looks like
// another format: it names that format (and never the bytes).
func misnamed(f Format, data []byte, err error) error {
	var fe *Error
	if !errors.As(err, &fe) || fe.Format != f {
		return err
	}
	d := detect(data)
	if d == "" || d == f {
		return err
	}
	return errorf(f, "this looks like %s, not %s: use format %s (--format %s)", describe(d), f, d, d)
}
