package main

import (
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/dfnskeys/dfnskeys/internal/safefile"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

const maxKeySourceFile = 64 << 10 // keystore JSON, keypair files, mnemonics

// keySource holds the flags that say where a private key comes from; import
// and inspect share them.
type keySource struct {
	keyFile, format, curve, path *string
	edScalar                     *bool
	def                          keys.Curve // the curve of a key nothing else names one for
	named                        bool       // parse errors say where the key was read from
}

const keySourceUsage = `Key source:
  --key-file FILE|-   where the key is; - or absent: standard input
  --format F          detected when not given: hex (optional 0x), raw (32-byte
                      binary file), wif (Bitcoin), keystore (Ethereum V3,
                      scrypt or pbkdf2), solana (keypair JSON array or base58
                      of 64 bytes), mnemonic (BIP-39), xprv (BIP-32 extended
                      private key: xprv, tprv, yprv, zprv), json (what
                      'dfnskeys export' writes: it names its curve and kind,
                      and its public key is checked)
  --path PATH         derivation path: for --format mnemonic from the seed
                      (default m/44'/60'/0'/0/0 for secp256k1, m/44'/501'/0'/0'
                      for ed25519: BIP-32 / SLIP-0010); for --format xprv
                      below the extended key, required (m/0/0 below an
                      account key; m alone is the key itself)
  --ed25519-scalar    an ed25519 hex or raw key is a signing scalar (as Dfns
                      exports it), not an RFC 8032 seed
The keystore password comes from DFNS_KEY_PASSWORD and the BIP-39 mnemonic
passphrase from DFNS_MNEMONIC_PASSPHRASE (set it to the empty string for a
mnemonic without one), or from a prompt on a terminal; a missing one is an
error before anything is sent. Secrets never come from a command-line
argument. With a mnemonic, pass --expect-address: a wrong passphrase or path
derives another valid key, and only the address tells. A key file its group
or others can read is read with a warning (chmod go-r).
`

// addKeySource adds the key source flags and --curve; def is the curve of
// a key whose format and --curve name none ("": --curve is required).
func addKeySource(fs *flag.FlagSet, def keys.Curve) *keySource {
	return &keySource{
		keyFile:  pathFlag(fs, "key-file"),
		format:   fs.String("format", "", ""),
		curve:    fs.String("curve", "", ""),
		path:     fs.String("path", "", ""),
		edScalar: fs.Bool("ed25519-scalar", false, ""),
		def:      def,
	}
}

// formatAndCurve checks the flags before any key is read (options) and
// returns the named format ("" when it is to be detected) and the curve
// (--curve, or the one the format implies).
func (ks *keySource) formatAndCurve() (keyformat.Format, keys.Curve, error) {
	opts, err := ks.options()
	return opts.Format, cmp.Or(opts.Curve, opts.Format.Curve()), err
}

// options are the options keyformat.Load reads the key with, checked
// before any key is read: conflicting flags are a usage error. With the
// format to be detected only what holds for every format is checked;
// keyformat.Load checks the rest once it knows the format.
func (ks *keySource) options() (keyformat.LoadOptions, error) {
	opts := keyformat.LoadOptions{DefaultCurve: ks.def, Path: *ks.path, Ed25519Scalar: *ks.edScalar}
	var err error
	if *ks.format != "" {
		if opts.Format, err = keyformat.ParseFormat(*ks.format); err != nil {
			return keyformat.LoadOptions{}, usagef("%v", err)
		}
	}
	if opts.Curve, err = curveFlag(*ks.curve); err != nil {
		return keyformat.LoadOptions{}, err
	}
	if err := opts.Check(); err != nil {
		return keyformat.LoadOptions{}, err
	}
	return opts, nil
}

// load checks the flags, reads the key and parses it (keyformat.Load,
// which detects its format when --format was not given). The caller must
// Destroy it.
func (ks *keySource) load(e *env) (*keys.PrivateKey, error) {
	opts, err := ks.options()
	if err != nil {
		return nil, err
	}
	data, err := ks.read(e)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	opts.Secret = func(f keyformat.Format) ([]byte, error) { return ks.password(e, f) }
	key, err := keyformat.Load(data, opts)
	if err != nil && ks.named {
		from := "the key on " + stdinDisplayName
		if *ks.keyFile != "" && *ks.keyFile != "-" {
			from = "the key in " + *ks.keyFile
		}
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	return key, err
}

func (ks *keySource) read(e *env) ([]byte, error) {
	if *ks.keyFile != "" && *ks.keyFile != "-" {
		if f, err := os.Open(*ks.keyFile); err == nil {
			if w := safefile.ExposedKeyFileWarning(f, *ks.keyFile); w != "" {
				fmt.Fprintf(e.stderr, "dfnskeys: warning: %s\n", w)
			}
			f.Close()
		}
		b, err := readFileLimited(*ks.keyFile, maxKeySourceFile, "--key-file")
		return b, checkKeyInput(b, err, *ks.keyFile, false)
	}
	if in := terminalIn(e); in != nil {
		what := "private key (not echoed): "
		if *ks.format != "" {
			what = "private key (" + *ks.format + ", not echoed): "
		}
		b, err := ask(e, in, what)
		return b, checkKeyInput(b, err, "", true)
	}
	b, err := readAllLimited(e.stdin, maxKeySourceFile, "the key on "+stdinDisplayName)
	return b, checkKeyInput(b, err, "", false)
}

// checkKeyInput turns an empty key input (nothing, or only white space)
// into an error that says where the key was looked for: path, or
// standard input (typed on a terminal). It passes err through.
func checkKeyInput(b []byte, err error, path string, typed bool) error {
	if err != nil || len(bytes.TrimSpace(b)) > 0 {
		return err
	}
	clear(b)
	switch {
	case path != "":
		return fmt.Errorf("--key-file %s is empty: no key was read from it", path)
	case typed:
		return errors.New("no key was typed: type or paste the key, or give --key-file FILE")
	}
	return errors.New("standard input is empty: no key was read from it; pipe the key in (< key.hex) or give --key-file FILE")
}

// password returns the keystore password (DFNS_KEY_PASSWORD) or the
// mnemonic passphrase (DFNS_MNEMONIC_PASSPHRASE, which may be set empty),
// or asks on the terminal; otherwise a missing one is an error. The two are
// never confused: a mnemonic never uses the keystore password.
func (ks *keySource) password(e *env, f keyformat.Format) ([]byte, error) {
	name, what := "DFNS_KEY_PASSWORD", "keystore password"
	if f == keyformat.Mnemonic {
		name, what = "DFNS_MNEMONIC_PASSPHRASE", "mnemonic passphrase (empty for none)"
	}
	if pw, ok := lookupEnv(e, name); ok {
		return []byte(pw), nil
	}
	if in := terminalIn(e); in != nil && *ks.keyFile != "" && *ks.keyFile != "-" {
		return ask(e, in, what+" (not echoed): ")
	}
	if f == keyformat.Mnemonic {
		hint := ""
		if pw, ok := lookupEnv(e, "DFNS_KEY_PASSWORD"); ok && pw != "" {
			hint = "; DFNS_KEY_PASSWORD is the keystore password and is not used as a passphrase"
		}
		return nil, fmt.Errorf("the mnemonic's passphrase is not set: set DFNS_MNEMONIC_PASSPHRASE to it, or to the empty string if the mnemonic has none (or run on a terminal to be asked)%s", hint)
	}
	return nil, errors.New("the keystore needs a password: set DFNS_KEY_PASSWORD (or run on a terminal to be asked)")
}

// lookupEnv distinguishes an empty variable from an unset one.
func lookupEnv(e *env, k string) (string, bool) {
	if e.lookupEnv != nil {
		return e.lookupEnv(k)
	}
	return os.LookupEnv(k)
}
