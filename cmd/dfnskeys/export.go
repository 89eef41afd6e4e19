package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

var exportRequestCommand = &command{
	name:    "export-request",
	summary: "make an export request body and its decryption key",
	usage: `Usage: dfnskeys export-request --decryption-key-out FILE [--out FILE]
       dfnskeys export-request --decryption-key-out FILE --request-out FILE
                               [--key KEY_ID]

Generates a one-time key pair for one key export. Writes the body of
POST /keys/{keyId}/export as JSON, and saves the decryption key that
'dfnskeys recover' needs to a new file with mode 0600. Neither file may
exist: dfnskeys never overwrites a file or follows a symbolic link. Keep
the decryption key secret, and delete it once the key is recovered. Use a
new export request for every export.

With --request-out it writes, instead of the bare body, an export request
document for 'dfnskeys export KEY_ID --request FILE --response-out FILE' on
an online machine (see 'dfnskeys help ceremony'); --key records the only key
it may be sent for.

Flags:
  --decryption-key-out FILE   where to save the decryption key (required)
  --out FILE                  write the body to FILE instead of standard
                              output
  --request-out FILE          write the export request document to FILE
  --key KEY_ID                the key the document is for (with --request-out)
`,
	run: runExportRequest,
}

var recoverCommand = &command{
	name:    "recover",
	summary: "recover a private key from an export response",
	usage: `Usage: dfnskeys recover --decryption-key FILE --response FILE
         [--expect-public-key HEX | --expect-address ADDR]
         [--format json|hex] [--out FILE]

Decrypts the signers' shares in a key export response with the decryption key
saved by 'dfnskeys export-request', recombines them and checks the result
against the response's public key and, with --expect-public-key or
--expect-address (as for 'dfnskeys export'), against the key you expect: a
key recovered that is another one is discarded, nothing is written, and
the exit status is 1 (see docs/threat-model.md §2). Writes the private key
to --out, a new file with mode 0600 (an existing file is never overwritten,
a symbolic link never followed), or to standard output when that is not a
terminal:
  json   an export document: curve, kind (scalar), public key and key, which
         'import', 'inspect', 'split' and 'bulk-import' read with format json
         (the default)
  hex    64 lowercase hex digits and a newline (not for ed25519: Dfns exports
         the signing scalar, which bare hex would read back as a seed)
Prints the curve, protocol and public key on standard error.

Flags:
  --decryption-key FILE   decryption key saved by export-request (required)
  --response FILE         the export response document saved by 'dfnskeys
                          export --response-out', or a bare export response
                          body (required)
  --expect-public-key HEX the key's public key, hex, as Dfns encodes it
  --expect-address ADDR   one of the key's addresses ('dfnskeys inspect')
  --format F              json (default) or hex
  --out FILE              write the key to this new file instead of
                          standard output
`,
	run: runRecover,
}

func runExportRequest(e *env, args []string) error {
	fs := newFlagSet("export-request")
	dkOut := pathFlag(fs, "decryption-key-out")
	out := pathFlag(fs, "out")
	requestOut := pathFlag(fs, "request-out")
	keyID := fs.String("key", "", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireFlags("decryption-key-out", *dkOut); err != nil {
		return err
	}
	switch {
	case *out != "" && *requestOut != "":
		return usagef("give --out (the bare body) or --request-out (the export request document), not both")
	case *keyID != "" && *requestOut == "":
		return usagef("--key is recorded in the export request document: give --request-out too")
	case looksSecret(*keyID) && !strings.HasPrefix(*keyID, "key-"):
		return usagef("--key (not shown) looks like a secret, not a Dfns key ID (key-…)")
	case *requestOut != "":
		out = requestOut
	}
	if *out != "" && samePath(*out, *dkOut) {
		return usagef("--out and --decryption-key-out name the same file")
	}

	// Both files are created before anything else, so that a destination
	// that cannot be written costs nothing.
	dkFile, err := createOut(*dkOut, "--decryption-key-out", 0o600)
	if err != nil {
		return err
	}
	defer dkFile.discard()
	var bodyFile *outFile
	if *out != "" {
		if bodyFile, err = createOut(*out, "--out", 0o644); err != nil {
			return err
		}
		defer bodyFile.discard()
	}

	ctx, err := keys.NewExportContext()
	if err != nil {
		return err
	}
	defer ctx.Destroy()
	var body []byte
	if *requestOut != "" {
		body, err = marshalBody(&dfnskeys.ExportRequestDocument{KeyID: *keyID, Request: ctx.Request()})
	} else {
		body, err = marshalBody(ctx.Request())
	}
	if err != nil {
		return fmt.Errorf("encoding the export request: %w", err)
	}

	// The decryption key is saved first: a request whose key is lost
	// would export the key to nobody.
	text := ctx.DecryptionKey().MarshalBinaryText()
	text = append(text, '\n')
	err = dkFile.write(text)
	clear(text)
	if err != nil {
		return err
	}
	if bodyFile != nil {
		err = bodyFile.write(body)
	} else {
		_, err = e.stdout.Write(body)
	}
	if err != nil {
		return fmt.Errorf("writing the export request: %w (the decryption key was saved to %s and kept; remove it, or rerun with another --decryption-key-out)", err, *dkOut)
	}
	fmt.Fprintf(e.stderr, "decryption key saved to %s: keep it secret until 'dfnskeys recover' has used it, then delete it\n", *dkOut)
	return nil
}

func runRecover(e *env, args []string) error {
	fs := newFlagSet("recover")
	dkPath := pathFlag(fs, "decryption-key")
	respPath := pathFlag(fs, "response")
	out := pathFlag(fs, "out")
	format := fs.String("format", "json", "")
	expectPub := fs.String("expect-public-key", "", "")
	expectAddr := fs.String("expect-address", "", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireFlags("decryption-key", *dkPath, "response", *respPath); err != nil {
		return err
	}
	if err := refuseEmptyExpectation(fs); err != nil {
		return err
	}
	expect, err := exportExpectation(*expectPub, *expectAddr, "")
	if err != nil {
		return err
	}
	if *format != "json" && *format != "hex" {
		return usagef("unknown --format %q: use json or hex", *format)
	}
	if err := refuseInput(*out, "--decryption-key", *dkPath, "--response", *respPath); err != nil {
		return err
	}
	// Fail on the destination before any secret is decrypted.
	dest, err := openSecretOut(e, *out)
	if err != nil {
		return err
	}
	defer dest.Discard()
	resp, keyID, err := readExportResponse(*respPath)
	if err != nil {
		return err
	}
	if *format == "hex" && resp.Curve == keys.Ed25519 {
		return usagef("%s", ed25519HexRefusal)
	}
	dk, err := loadDecryptionKey(*dkPath)
	if err != nil {
		return err
	}
	ctx := keys.NewExportContextFromDecryptionKey(dk)
	defer ctx.Destroy()

	key, faulty, err := ctx.Recover(context.Background(), resp, keys.RecoverOptions{Expect: expect})
	if err != nil {
		return fmt.Errorf("recovering the key from %s: %w", *respPath, err)
	}
	defer key.Destroy()
	warnFaulty(e, faulty)

	text, err := keyformat.Encode(keyformat.Format(*format), key, keyformat.EncodeOptions{})
	if err != nil {
		return err
	}
	defer clear(text)
	if err := dest.Save(text, "recovered", "."+*format); err != nil {
		return err
	}
	if keyID != "" {
		fmt.Fprintf(e.stderr, "key: %s\n", safetext.Text(keyID))
	}
	fmt.Fprintf(e.stderr, "curve: %s\nprotocol: %s\npublic key: %s\nformat: %s\n", key.Curve(), resp.Protocol, key.PublicKeyHex(), *format)
	if expect != nil {
		fmt.Fprintf(e.stderr, "checked: the key is %s\n", expect)
	} else {
		fmt.Fprintln(e.stderr, "note: the key was checked only against the public key in the response; pass --expect-public-key or --expect-address to bind it to the key you know (see docs/threat-model.md §2)")
	}
	return nil
}

// loadDecryptionKey reads a file written by export-request. The library
// decodes the base64 into a buffer it clears; text is cleared here.
func loadDecryptionKey(path string) (*encryption.DecryptionKey, error) {
	text, err := readFileLimited(path, maxSecretFile, "--decryption-key")
	if err != nil {
		return nil, err
	}
	defer clear(text)
	dk, err := encryption.ParseDecryptionKeyText(text)
	var notBase64 base64.CorruptInputError
	if errors.As(err, &notBase64) {
		return nil, fmt.Errorf("--decryption-key %s is not a decryption key saved by 'dfnskeys export-request': it is not base64", path)
	}
	if err != nil {
		return nil, fmt.Errorf("--decryption-key %s: %w", path, err)
	}
	return dk, nil
}

// samePath reports whether two flag values obviously name the same file.
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

var exportCommand = &command{
	name:    "export",
	summary: "export a private key from Dfns",
	usage: `Usage: dfnskeys export KEY_ID
         [--expect-public-key HEX | --expect-address ADDR]
         [--format json|hex|wif|keystore] [--out FILE] [connection flags]

Exports a key from Dfns (Dfns then stops signing with it, by default),
recovers it locally and checks it against the key's public key and the key
you expect. The output goes to --out (a new file, mode 0600: never
overwritten, never through a symbolic link) or to standard output when that
is not a terminal:
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

The online half of the two-step export (see 'dfnskeys help ceremony'):
  --request FILE       an export request document made offline by
                       'dfnskeys export-request --request-out'
  --response-out FILE  where to save Dfns's answer, still encrypted (a new
                       file): 'dfnskeys recover --response' on the offline
                       machine decrypts it; this machine cannot
With these two, --format and --out do not apply; --expect-* still stop the
export before it is sent when Dfns reports another key.

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
	request := pathFlag(fs, "request")
	responseOut := pathFlag(fs, "response-out")
	cf := addConnFlags(fs)
	keyID, err := parseKeyIDArgs(fs, args, "export")
	if err != nil {
		return err
	}
	if *request != "" || *responseOut != "" {
		return runExportRequestDoc(e, fs, keyID, *request, *responseOut, cf)
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
	defer dest.Discard()
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
	sendCtx, sent := e.unstoppable(ctx, "interrupt: the export is under way; finishing it and saving the key (this cannot be stopped safely)")
	defer sent()
	// A key that is not the one expected never comes back: the library
	// destroys it, and nothing is saved (the --out file created above is
	// removed). It is not the user's key, so there is nothing to rescue.
	key, faulty, err := client.SendExport(sendCtx, plan)
	if err != nil {
		return err
	}
	defer key.Destroy()
	warnFaulty(e, faulty)
	if err := dest.SaveKey(key, keyformat.Format(*format), keyformat.EncodeOptions{KeyID: keyID, Password: password}, exportFormats[*format]); err != nil {
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
