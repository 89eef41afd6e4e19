package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

const maxKeySourceFile = 64 << 10 // keystore JSON, keypair files, mnemonics

// keySource holds the flags that say where a private key comes from; import
// and inspect share them.
type keySource struct {
	keyFile, format, path *string
	edScalar              *bool
}

const keySourceUsage = `Key source:
  --key-file FILE|-   where the key is; - or absent: standard input
  --format F          hex (default; optional 0x), raw (32-byte binary file), wif
                      (Bitcoin), keystore (Ethereum V3, scrypt or pbkdf2), solana
                      (keypair JSON array or base58 of 64 bytes), mnemonic (BIP-39),
                      xprv (BIP-32 extended private key: xprv, tprv, yprv, zprv),
                      json (what 'dfnskeys export' writes: the file names its
                      curve and kind, and its public key is checked)
  --path PATH         derivation path: for --format mnemonic from the seed (default
                      m/44'/60'/0'/0/0 for secp256k1, m/44'/501'/0'/0' for ed25519:
                      BIP-32 / SLIP-0010); for --format xprv below the extended key,
                      required (m/0/0 below an account key; m alone is the key itself)
  --ed25519-scalar    an ed25519 hex or raw key is a signing scalar (as Dfns
                      exports it), not an RFC 8032 seed
The keystore password comes from DFNS_KEY_PASSWORD and the BIP-39 mnemonic
passphrase from DFNS_MNEMONIC_PASSPHRASE (set it to the empty string for a
mnemonic without one), or from a prompt when standard input is a terminal;
a missing one is an error before anything is sent. Secrets never come from
a command-line argument. With a mnemonic, pass --expect-address: a wrong
passphrase or path derives another valid key, and only the address tells.
`

func addKeySource(fs *flag.FlagSet) *keySource {
	return &keySource{
		keyFile:  pathFlag(fs, "key-file"),
		format:   fs.String("format", "hex", ""),
		path:     fs.String("path", "", ""),
		edScalar: fs.Bool("ed25519-scalar", false, ""),
	}
}

// curveFor returns the curve: the --curve flag, or the format's own curve,
// or def. Conflicting key source flags are usage errors whichever way the
// curve was chosen.
func (ks *keySource) curveFor(flagValue string, def keys.Curve) (keyformat.Format, keys.Curve, error) {
	f, err := keyformat.ParseFormat(*ks.format)
	if err != nil {
		return "", "", usagef("%v", err)
	}
	c := f.Curve() // implied by the format, or ""
	if flagValue != "" {
		fc, err := keys.ParseCurve(flagValue)
		if err != nil {
			return "", "", usagef("unsupported --curve %q: the curves are %s", flagValue, supportedCurves())
		}
		if c != "" && fc != c {
			return "", "", usagef("--format %s keys are %s keys, not --curve %s", f, c, fc)
		}
		c = fc
	}
	if c == "" && f == keyformat.JSON {
		return f, "", nil // the file says
	}
	if c == "" {
		c = def
	}
	if c == "" {
		return "", "", usagef("missing required flag --curve")
	}
	if *ks.edScalar && f == keyformat.JSON {
		return "", "", usagef("--ed25519-scalar is not needed with --format json: the file says what its key is")
	}
	if *ks.edScalar && f != keyformat.Hex && f != keyformat.Raw {
		return "", "", usagef("--ed25519-scalar is only for --format hex or raw")
	}
	if *ks.edScalar && c != keys.Ed25519 {
		return "", "", usagef("--ed25519-scalar is only for --curve ed25519, not %s", c)
	}
	if *ks.path != "" && f != keyformat.Mnemonic && f != keyformat.XPRV {
		return "", "", usagef("--path is only for --format mnemonic or xprv")
	}
	if *ks.path == "" && f == keyformat.XPRV {
		return "", "", usagef("--format xprv needs --path: the derivation path below the extended key, for example m/44'/60'/0'/0/0 below a master key or m/0/0 below an account key (m alone is the extended key itself)")
	}
	return f, c, nil
}

// load reads and parses the key. The caller must Destroy it.
func (ks *keySource) load(e *env, f keyformat.Format, c keys.Curve) (*keys.PrivateKey, error) {
	data, err := ks.read(e)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	secrets := keyformat.Secrets{Path: *ks.path, Ed25519Scalar: *ks.edScalar}
	if f == keyformat.Keystore || f == keyformat.Mnemonic {
		pw, err := ks.password(e, f)
		if err != nil {
			return nil, err
		}
		defer clear(pw)
		if f == keyformat.Keystore {
			secrets.Password = pw
		} else {
			secrets.Passphrase = pw
		}
	}
	return keyformat.Parse(f, c, data, secrets)
}

func (ks *keySource) read(e *env) ([]byte, error) {
	if *ks.keyFile != "" && *ks.keyFile != "-" {
		b, err := readFileLimited(*ks.keyFile, maxKeySourceFile, "--key-file")
		return b, checkKeyInput(b, err, *ks.keyFile, false)
	}
	if f, ok := e.stdin.(*os.File); ok && isTerminal(f) {
		fmt.Fprintf(e.stderr, "private key (%s, not echoed): ", *ks.format)
		b, err := readPassword(f)
		fmt.Fprintln(e.stderr)
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
	keyOnStdin := *ks.keyFile == "" || *ks.keyFile == "-"
	if in, ok := e.stdin.(*os.File); ok && !keyOnStdin && isTerminal(in) {
		fmt.Fprintf(e.stderr, "%s (not echoed): ", what)
		b, err := readPassword(in)
		fmt.Fprintln(e.stderr)
		return b, err
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

// keyReport is what inspect prints and import shows before sending.
type keyReport struct {
	Curve     keys.Curve        `json:"curve"`
	PublicKey string            `json:"publicKey"`
	Addresses address.Addresses `json:"addresses"`
}

func reportFor(k *keys.PrivateKey) (*keyReport, error) {
	a, err := address.ForKey(k.Curve(), k.PublicKey())
	if err != nil {
		return nil, err
	}
	return &keyReport{Curve: k.Curve(), PublicKey: k.PublicKeyHex(), Addresses: a}, nil
}

var inspectCommand = &command{
	name:    "inspect",
	summary: "print a private key's curve, public key and addresses (never the key)",
	usage: `Usage: dfnskeys inspect [--curve CURVE] [key source flags]

Parses a private key and prints one JSON object: curve, publicKey (hex, as
Dfns reports it) and addresses: ethereum (EIP-55), bitcoinP2wpkh and
bitcoinP2tr (mainnet) for secp256k1, solana for ed25519. The key itself is
never printed. --curve defaults to secp256k1 (ed25519 for --format solana;
the file's own curve for --format json).

` + keySourceUsage,
	run: runInspect,
}

func runInspect(e *env, args []string) error {
	fs := newFlagSet("inspect")
	curveName := fs.String("curve", "", "")
	ks := addKeySource(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f, c, err := ks.curveFor(*curveName, keys.Secp256k1)
	if err != nil {
		return err
	}
	key, err := ks.load(e, f, c)
	if err != nil {
		return err
	}
	defer key.Destroy()
	r, err := reportFor(key)
	if err != nil {
		return err
	}
	return printJSON(e, r)
}

var importCommand = &command{
	name:    "import",
	summary: "import a private key into Dfns",
	usage: `Usage: dfnskeys import --curve CURVE [flags] [key source flags] [connection flags]

Imports a private key: lists the signers, shows the key's public key and
addresses on standard error, splits and encrypts the key locally, sends the
signed POST /keys/import and prints the created key as JSON. The whole key
never leaves this machine.

Importing is idempotent: when Dfns already holds the key (an imported key
with the same public key, protocol and curve, active and never exported),
nothing is sent; that key is printed, standard error says nothing was
imported, and the exit status is 0. So a script rerun after a crash or a
timeout does not create a second key. Finding it lists the organisation's
keys (one GET /keys per 500 keys). --allow-duplicate imports a second copy
deliberately.

Flags:
  --curve CURVE           secp256k1, stark or ed25519 (implied by --format wif,
                          keystore and solana)
  --protocol NAME         CGGMP24 (default for secp256k1 and stark), CGGMP21,
                          FROST_BITCOIN (secp256k1) or FROST (ed25519, default)
  --name NAME             key name, at most 100 characters
  --min-signers N         threshold (default 3)
  --cluster ID            signing cluster when several are listed
  --expect-address ADDR   refuse unless the key has this address
  --allow-duplicate       import even when Dfns already holds the key
  --prove                 after importing, have Dfns sign a hash with the key (a
                          request with an externalId, as 'dfnskeys prove' sends)
                          and verify it here against the local public key; prints
                          "proved": true (exit 1 if it does not verify)
  --dry-run               show the request that would be sent, and stop
` + pinUsage + "\n" + keySourceUsage + "\n" + connUsage,
	run: runImport,
}

func runImport(e *env, args []string) error {
	fs := newFlagSet("import")
	curveName := fs.String("curve", "", "")
	protocol := fs.String("protocol", "", "")
	name := fs.String("name", "", "")
	minSigners := fs.Int("min-signers", keys.DefaultThreshold, "")
	clusterID := fs.String("cluster", "", "")
	expect := fs.String("expect-address", "", "")
	dryRun := fs.Bool("dry-run", false, "")
	prove := fs.Bool("prove", false, "")
	pinFile := pathFlag(fs, "pinned-signers")
	allowDuplicate := fs.Bool("allow-duplicate", false, "")
	ks := addKeySource(fs)
	cf := addConnFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *prove && *dryRun {
		return usagef("--prove cannot be used with --dry-run: a dry run imports nothing to prove")
	}
	if err := checkKeyName(*name); err != nil {
		return err
	}
	f, c, err := ks.curveFor(*curveName, "")
	if err != nil {
		return err
	}
	var scheme keys.Scheme
	if c != "" { // else the key file says, and the scheme is checked once it is read
		if scheme, err = schemeFlag(*protocol, c); err != nil {
			return err
		}
	}
	if *minSigners < 2 {
		return usagef("--min-signers %d is invalid: it must be at least 2", *minSigners)
	}
	pinned, err := pinnedSigners(e, *pinFile, *clusterID)
	if err != nil {
		return err
	}
	client, err := cf.client(e, !*dryRun)
	if err != nil {
		return err
	}
	key, err := ks.load(e, f, c)
	if err != nil {
		return err
	}
	defer key.Destroy()
	if c == "" {
		c = key.Curve()
		if scheme, err = schemeFlag(*protocol, c); err != nil {
			return err
		}
	}
	report, err := reportFor(key)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "curve: %s\nprotocol: %s\npublic key: %s\n", c, scheme.Protocol, report.PublicKey)
	for _, a := range report.Addresses.List() {
		fmt.Fprintf(e.stderr, "%s address: %s\n", a.Kind, a.Address)
	}
	if *expect != "" {
		kind, ok := report.Addresses.Match(*expect)
		if !ok {
			return fmt.Errorf("the key does not have address %s (its addresses are listed above): nothing was sent", *expect)
		}
		fmt.Fprintf(e.stderr, "expected address matches the key's %s address\n", kind)
		if kind == "bitcoinP2pkhUncompressed" {
			fmt.Fprintf(e.stderr, "note: that is the legacy address of the uncompressed public key, which old wallets used; Dfns's Bitcoin addresses for this key are the ones listed above\n")
		}
	}
	opts := dfnskeys.ImportKeyOptions{ClusterID: *clusterID, PinnedSigners: pinned, Protocol: scheme.Protocol, Threshold: *minSigners, Name: *name, AllowDuplicate: *allowDuplicate}
	ctx, stop := e.context()
	defer stop()
	plan, err := client.PlanImport(ctx, key, opts)
	if err != nil {
		return err
	}
	switch {
	case plan.Existing != nil:
		what := "nothing was imported"
		if *dryRun {
			what = "dry run: nothing would be imported"
		}
		fmt.Fprintf(e.stderr, "%s: Dfns already holds this key as %s (imported, active, never exported); pass --allow-duplicate to import a second copy\n", what, safetext.Text(plan.Existing.ID))
		if *prove && !*dryRun {
			return proveImported(e, ctx, client, plan.Existing, key)
		}
		return printJSON(e, plan.Existing)
	case *dryRun:
		fmt.Fprintf(e.stderr, "dry run: this POST /keys/import body would be sent to cluster %s; nothing was sent\n", safetext.Text(plan.ClusterID))
		return printJSON(e, plan.Request)
	}
	res, err := client.SendImport(ctx, plan)
	if err != nil {
		return err
	}
	if *prove {
		return proveImported(e, ctx, client, res.Key, key)
	}
	return printJSON(e, res.Key)
}

// provedKey is the key import --prove prints: the key as Dfns reports it,
// and whether Dfns's signature with it verified under the public key
// computed from the local secret.
type provedKey struct {
	*keys.Key
	Proved      bool   `json:"proved"`
	ProofError  string `json:"proofError,omitempty"`
	SignatureID string `json:"signatureId,omitempty"`
	ExternalID  string `json:"externalId,omitempty"`
}

// proveImported has Dfns sign with the key just imported (or found) and
// verifies the signature under the local key's public key.
func proveImported(e *env, ctx context.Context, client *dfnskeys.Client, k *keys.Key, local *keys.PrivateKey) error {
	proof, err := client.ProveKey(ctx, k, dfnskeys.ProveOptions{PublicKey: local.PublicKey()})
	if err != nil {
		out := provedKey{Key: k, ProofError: safetext.Line(err.Error())}
		if perr := printJSON(e, out); perr != nil {
			return perr
		}
		var pending *dfnskeys.PolicyPendingError
		if errors.As(err, &pending) {
			return fmt.Errorf("the key is imported as %s, but a policy holds the proof's signature request for approval: approve it, then run 'dfnskeys prove %s' (%w)", safetext.Text(k.ID), safetext.Text(k.ID), err)
		}
		if errors.Is(err, dfnskeys.ErrProofIncomplete) {
			return fmt.Errorf("the key is imported as %s, but the proof was not completed because of the network: %w; run the same command again (or 'dfnskeys prove %s') to finish it", safetext.Text(k.ID), err, safetext.Text(k.ID))
		}
		return fmt.Errorf("the key is imported as %s, but the proof failed: %w; asked again with the same externalId, Dfns answers with this same request: run 'dfnskeys prove %s --external-id NEW-ID' to ask for a new one", safetext.Text(k.ID), err, safetext.Text(k.ID))
	}
	fmt.Fprintf(e.stderr, "proved: Dfns signed with %s and the signature verifies under the public key computed here\n", safetext.Text(k.ID))
	return printJSON(e, provedKey{Key: k, Proved: true, SignatureID: proof.SignatureID, ExternalID: proof.ExternalID})
}

var exportCommand = &command{
	name:    "export",
	summary: "export a private key from Dfns",
	usage: `Usage: dfnskeys export KEY_ID [--expect-public-key HEX | --expect-address ADDR] [--format json|hex|wif|keystore] [--out FILE] [connection flags]

Exports a key from Dfns (Dfns then stops signing with it, by default),
recovers it locally and checks it against the key's public key and the key
you expect. The output
goes to --out (a new file, mode 0600: never overwritten, never through a
symbolic link) or to standard output when that is not a terminal:
  json       an export document (the default): curve, kind (scalar), key ID,
             public key and key, which 'import', 'inspect', 'split' and
             'bulk-import' read with --format json
  hex        64 hex digits and a newline (secp256k1 and stark only: an
             ed25519 key comes out as its signing scalar, which bare hex
             would read back as a seed of another key)
  wif        Bitcoin WIF, compressed, mainnet (secp256k1 only)
  keystore   Ethereum V3 keystore encrypted with DFNS_KEYSTORE_PASSWORD or a
             password asked on the terminal, so the key never touches disk
             in the clear (secp256k1 only); it records the key ID

Everything that can be checked is checked before Dfns is asked to export:
the --out file is created first, the format is checked against the key's
curve, the keystore password is read. Once the export is sent it is seen
through, interrupt (Ctrl-C) or not, and the key is saved; if it cannot be
written where asked, it is saved to a new file named
dfnskeys-rescued-KEY_ID-TIME (beside --out, else in the working, home or
temporary directory) and the error says where.

Bind the export to the key you know: the API is not trusted to say which
key it returns (see docs/threat-model.md §2).
  --expect-public-key HEX  the key's public key, hex, as Dfns encodes it
                           (33 bytes compressed on secp256k1 and stark, 32
                           on ed25519), e.g. from the import or a
                           bulk-import report
  --expect-address ADDR    one of the key's addresses, of any kind
                           'dfnskeys inspect' prints (Ethereum, Bitcoin,
                           Solana)
When GET /keys/KEY_ID already reports another key, nothing is sent; when the
key recovered is another one, it is discarded and saved nowhere. Either way
the exit status is 1. Without either flag the key is checked only against
the public key the API reports, and a note on standard error says so.

` + connUsage,
	run: runExport,
}

// ed25519HexRefusal says why an ed25519 key is not written as bare hex.
const ed25519HexRefusal = "--format hex cannot be used for an ed25519 key: Dfns exports its signing scalar, which as bare hex would read back as the seed of another key; use --format json, which says what the key is"

// exportFormats maps export formats to the extension of their files.
var exportFormats = map[string]string{"json": ".json", "hex": ".hex", "wif": ".wif", "keystore": ".json"}

func runExport(e *env, args []string) error {
	fs := newFlagSet("export")
	format := fs.String("format", "json", "")
	out := pathFlag(fs, "out")
	expectPub := fs.String("expect-public-key", "", "")
	expectAddr := fs.String("expect-address", "", "")
	cf := addConnFlags(fs)
	keyID, err := parseKeyIDArgs(fs, args, "export")
	if err != nil {
		return err
	}
	if _, ok := exportFormats[*format]; !ok {
		return usagef("unknown --format %q: use json, hex, wif or keystore", *format)
	}
	if err := refuseEmptyExpectation(fs); err != nil {
		return err
	}
	expect, err := exportExpectation(*expectPub, *expectAddr, "; nothing was exported")
	if err != nil {
		return err
	}
	client, err := cf.client(e, true)
	if err != nil {
		return err
	}
	// Everything that can fail is checked before the key is exported:
	// Dfns stops signing with an exported key. First the destination.
	dest, err := openSecretOut(e, *out)
	if err != nil {
		return err
	}
	defer dest.discard()
	ctx, stop := e.context()
	defer stop()
	plan, err := client.PlanExport(ctx, keyID, dfnskeys.ExportOptions{Expect: expect})
	if err != nil {
		return err
	}
	info := plan.Key
	switch {
	case *format == "hex" && info.Curve == keys.Ed25519:
		return usagef("%s", ed25519HexRefusal)
	case (*format == "wif" || *format == "keystore") && info.Curve != keys.Secp256k1:
		return usagef("--format %s is only for secp256k1 keys; %s is on %s: use --format json", *format, safetext.Text(keyID), safetext.Text(string(info.Curve)))
	}
	var password []byte
	if *format == "keystore" {
		if password, err = keystorePassword(e); err != nil {
			return err
		}
		defer clear(password)
	}
	if ctx.Err() != nil {
		return errors.New("interrupted: nothing was exported")
	}

	// From here on an interrupt does not stop the export: once sent, Dfns
	// may have exported the key, and dropping the response would lose it.
	sent := make(chan struct{})
	defer close(sent)
	go func() {
		select {
		case <-ctx.Done():
			fmt.Fprintln(e.stderr, "interrupt: the export is under way; finishing it and saving the key (this cannot be stopped safely)")
		case <-sent:
		}
	}()
	// A key that is not the one expected never comes back: the library
	// destroys it, and nothing is saved (the --out file created above is
	// removed). It is not the user's key, so there is nothing to rescue.
	key, faulty, err := client.SendExport(context.WithoutCancel(ctx), plan)
	if err != nil {
		return err
	}
	defer key.Destroy()
	warnFaulty(e, faulty)
	data, err := keyformat.Encode(keyformat.Format(*format), key, keyformat.EncodeOptions{KeyID: keyID, Password: password})
	defer clear(data)
	if err != nil {
		// Only a bug gets here (the curve was checked): save the key anyway.
		doc, derr := keyformat.EncodeJSON(key, keyID)
		if derr != nil {
			return fmt.Errorf("the key was exported but could not be encoded: %w", err)
		}
		defer clear(doc)
		if serr := dest.save(doc, keyID, ".json"); serr != nil {
			return serr
		}
		return fmt.Errorf("the key was exported but could not be written as %s (%v): it was written as an export document (format json) instead", *format, err)
	}
	if err := dest.save(data, keyID, exportFormats[*format]); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "key: %s\ncurve: %s\npublic key: %s\nformat: %s\n", safetext.Text(keyID), key.Curve(), key.PublicKeyHex(), *format)
	if expect != nil {
		fmt.Fprintf(e.stderr, "checked: the key is %s\n", expect)
	} else {
		fmt.Fprintln(e.stderr, exportAPIOnlyNote)
	}
	return nil
}

// exportAPIOnlyNote is what export says when no key was expected.
const exportAPIOnlyNote = "note: the key was checked only against the public key the API reports; pass --expect-public-key or --expect-address to bind the export to the key you know (see docs/threat-model.md §2)"

// refuseEmptyExpectation refuses --expect-public-key or --expect-address
// given as an empty string, which would otherwise mean no expectation.
func refuseEmptyExpectation(fs *flag.FlagSet) error {
	var empty string
	fs.Visit(func(f *flag.Flag) {
		if (f.Name == "expect-public-key" || f.Name == "expect-address") && f.Value.String() == "" {
			empty = f.Name
		}
	})
	if empty != "" {
		return usagef("--%s is empty: give the key's %s, or leave the flag out", empty, map[string]string{"expect-public-key": "public key", "expect-address": "address"}[empty])
	}
	return nil
}

// exportExpectation parses the --expect-public-key and --expect-address
// of export and recover; suffix ends their errors. The values are never
// printed back: one may be key material pasted by mistake.
func exportExpectation(pub, addr, suffix string) (keys.Expectation, error) {
	switch {
	case pub != "" && addr != "":
		return nil, usagef("give --expect-public-key or --expect-address, not both")
	case pub != "":
		exp, err := keys.ParseExpectedPublicKey(pub)
		if err != nil {
			return nil, usagef("--expect-public-key: %v%s", err, suffix)
		}
		return exp, nil
	case addr != "":
		exp, err := address.Expect(addr)
		if err != nil {
			return nil, usagef("--expect-address: %v%s", err, suffix)
		}
		return exp, nil
	}
	return nil, nil
}

func keystorePassword(e *env) ([]byte, error) {
	if pw, ok := lookupEnv(e, "DFNS_KEYSTORE_PASSWORD"); ok {
		if pw == "" {
			return nil, errors.New("DFNS_KEYSTORE_PASSWORD is empty: a keystore needs a password")
		}
		return []byte(pw), nil
	}
	in, ok := e.stdin.(*os.File)
	if !ok || !isTerminal(in) {
		return nil, errors.New("the keystore needs a password: set DFNS_KEYSTORE_PASSWORD (or run on a terminal to be asked)")
	}
	fmt.Fprint(e.stderr, "keystore password (not echoed): ")
	pw, err := readPassword(in)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, err
	}
	fmt.Fprint(e.stderr, "again: ")
	again, err := readPassword(in)
	fmt.Fprintln(e.stderr)
	defer clear(again)
	if err != nil || !bytes.Equal(pw, again) || len(pw) == 0 {
		clear(pw)
		return nil, errors.New("the passwords differ or are empty; nothing was exported")
	}
	return pw, nil
}

func printJSON(e *env, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	// Text from the API inside strings (IDs, names) is written with \u
	// escapes where it holds invisible characters: the same JSON, which
	// cannot drive the terminal (docs/threat-model.md §3).
	_, err = e.stdout.Write(safetext.JSON(append(b, '\n')))
	return err
}
