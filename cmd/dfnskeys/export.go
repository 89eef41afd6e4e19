package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/internal/safefile"
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

Flags:
  --decryption-key-out FILE   where to save the decryption key (required)
  --out FILE                  write the body to FILE, not standard output
  --request-out FILE          write instead an export request document for
                              'dfnskeys export KEY_ID --request FILE' on an
                              online machine (see 'dfnskeys help ceremony')
  --key KEY_ID                the only key the document may be sent for
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
against the response's public key and the key you expect, as 'dfnskeys
export' does (see its help for --expect-*, --format and --out). Prints the
curve, protocol and public key on standard error.

Flags:
  --decryption-key FILE   decryption key saved by export-request (required)
  --response FILE         the export response document saved by 'dfnskeys
                          export --response-out', or a bare export response
                          body (required)
  --expect-public-key HEX, --expect-address ADDR
                          the key you expect: a key recovered that is
                          another one is discarded (exit status 1)
  --format F              json (default) or hex
  --out FILE              a new file for the key instead of standard output
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
	if safefile.Same(*out, *dkOut) {
		return usagef("--out and --decryption-key-out name the same file")
	}
	// Both files are created before anything else, so that a destination
	// that cannot be written costs nothing.
	dkFile, err := createOut(*dkOut, "--decryption-key-out", 0o600)
	if err != nil {
		return err
	}
	defer dkFile.discard()
	bodyFile, err := createOptional(*out, "--out", 0o644)
	if err != nil {
		return err
	}
	defer bodyFile.discard()

	ctx, err := keys.NewExportContext()
	if err != nil {
		return err
	}
	defer ctx.Destroy()
	var body any = ctx.Request()
	if *requestOut != "" {
		body = &dfnskeys.ExportRequestDocument{KeyID: *keyID, Request: ctx.Request()}
	}
	// The decryption key is saved first: a request whose key is lost
	// would export the key to nobody.
	text := append(ctx.DecryptionKey().MarshalBinaryText(), '\n')
	err = dkFile.write(text)
	clear(text)
	if err != nil {
		return err
	}
	if err := bodyFile.emit(e, body, "the export request"); err != nil {
		return fmt.Errorf("%w (the decryption key was saved to %s and kept; remove it, or rerun with another --decryption-key-out)", err, *dkOut)
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
	x := addExpectFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireFlags("decryption-key", *dkPath, "response", *respPath); err != nil {
		return err
	}
	expect, err := x.parse("")
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
	if err := keyformat.CheckEncode(keyformat.Format(*format), resp.Curve); err != nil {
		return err
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
	printKey(e, keyID, key.Curve(), string(resp.Protocol), key.PublicKeyHex(), *format)
	printChecked(e, expect, "the key was checked only against the public key in the response; pass --expect-public-key or --expect-address to bind it")
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

var exportCommand = &command{
	name:    "export",
	summary: "export a private key from Dfns",
	usage: `Usage: dfnskeys export KEY_ID
         [--expect-public-key HEX | --expect-address ADDR]
         [--format json|hex|wif|keystore] [--out FILE] [connection flags]
       dfnskeys export KEY_ID --request FILE --response-out FILE
         [--expect-public-key HEX | --expect-address ADDR] [connection flags]

Exports a key from Dfns (Dfns then stops signing with it, by default),
recovers it locally and checks it against the key's public key and the key
you expect. The key goes to --out, a new file (mode 0600: never overwritten,
never through a symbolic link), or to standard output when that is not a
terminal, as --format says:
  json       an export document (the default): curve, kind (scalar), key ID,
             public key and key, which 'import', 'inspect', 'split' and
             'bulk-import' read with --format json
  hex        64 hex digits and a newline (not for ed25519: Dfns exports its
             signing scalar, which bare hex would read back as a seed)
  wif        Bitcoin WIF, compressed, mainnet (secp256k1 only)
  keystore   Ethereum V3 keystore encrypted with DFNS_KEYSTORE_PASSWORD or a
             password asked on the terminal, so the key never touches disk
             in the clear (secp256k1 only); it records the key ID

Before the export is sent, --out is created, the format is checked against
the key's curve and the keystore password is read. Once sent, the export is
seen through, interrupt (Ctrl-C) or not; a key that cannot be written where
asked is saved to a new file dfnskeys-rescued-KEY_ID-TIME (beside --out,
else in the working, home or temporary directory) and the error says where.

Bind the export to the key you know: the API is not trusted to say which
key it returns (see docs/threat-model.md §2).
  --expect-public-key HEX  the key's public key, hex, as Dfns encodes it
                           (33 bytes on secp256k1 and stark, 32 on ed25519),
                           e.g. from the import or a bulk-import report
  --expect-address ADDR    one of the key's addresses 'dfnskeys inspect'
                           prints (Ethereum, Bitcoin, Solana)
When GET /keys/KEY_ID reports another key, nothing is sent; a key recovered
that is another one is discarded. Either way the exit status is 1. Without
either flag the key is checked only against the public key the API reports,
and a note on standard error says so.

The online half of the two-step export (see 'dfnskeys help ceremony'):
  --request FILE       an export request document made offline by
                       'dfnskeys export-request --request-out'
  --response-out FILE  a new file for Dfns's answer, still encrypted, which
                       only 'dfnskeys recover' on the offline machine reads
--expect-* still stop the export before it is sent when Dfns reports another
key.

` + connUsage,
	run: runExport,
}

// exportFormats maps export formats to the extension of their files.
var exportFormats = map[string]string{"json": ".json", "hex": ".hex", "wif": ".wif", "keystore": ".json"}

// runExport is 'export KEY_ID', and with --request and --response-out the
// online half of the two-step export, which holds no decryption key and
// so cannot read the key it exports.
func runExport(e *env, args []string) error {
	fs := newFlagSet("export")
	format := fs.String("format", "json", "")
	out := pathFlag(fs, "out")
	x := addExpectFlags(fs)
	request := pathFlag(fs, "request")
	responseOut := pathFlag(fs, "response-out")
	cf := addConnFlags(fs)
	keyID, err := parseKeyIDArgs(fs, args, "export")
	if err != nil {
		return err
	}
	twoStep := *request != "" || *responseOut != ""
	if twoStep {
		if err := requireFlags("request", *request, "response-out", *responseOut); err != nil {
			return err
		}
		if bad := given(fs, "format", "out"); bad != "" {
			return usagef("--%s cannot be used with --request: the answer is saved, still encrypted, to --response-out", bad)
		}
		if safefile.Same(*request, *responseOut) {
			return usagef("--response-out and --request name the same file")
		}
	} else if _, ok := exportFormats[*format]; !ok {
		return usagef("unknown --format %q: use json, hex, wif or keystore", *format)
	}
	expect, err := x.parse("; nothing was exported")
	if err != nil {
		return err
	}
	var req dfnskeys.ExportRequestDocument
	if twoStep {
		if err := readDocument(*request, "--request", &req); err != nil {
			return err
		}
		if req.KeyID != "" && req.KeyID != keyID {
			return fmt.Errorf("--request %s was made for key %s, not %s: nothing was exported", *request, safetext.Text(req.KeyID), safetext.Text(keyID))
		}
	}
	client, err := cf.client(e, true)
	if err != nil {
		return err
	}
	// Everything that can fail is checked before the key is exported:
	// Dfns stops signing with an exported key. First the destination.
	var dest *safefile.SecretFile
	var answer *outFile
	if twoStep {
		answer, err = createOut(*responseOut, "--response-out", 0o644)
		defer answer.discard()
	} else {
		dest, err = openSecretOut(e, *out)
		defer dest.Discard()
	}
	if err != nil {
		return err
	}
	ctx, stop := e.context()
	defer stop()
	plan, err := client.PlanExport(ctx, keyID, dfnskeys.ExportOptions{Expect: expect})
	if err != nil {
		return err
	}
	var password []byte
	if !twoStep {
		if err := keyformat.CheckEncode(keyformat.Format(*format), plan.Key.Curve); err != nil {
			return err
		}
		if *format == "keystore" {
			if password, err = keystorePassword(e); err != nil {
				return err
			}
			defer clear(password)
		}
	}
	if ctx.Err() != nil {
		return errors.New("interrupted: nothing was exported")
	}
	// From here on an interrupt does not stop the export: once sent, Dfns
	// may have exported the key, and dropping the response would lose it.
	what := map[bool]string{false: "key", true: "answer"}[twoStep]
	sendCtx, sent := e.unstoppable(ctx, "interrupt: the export is under way; finishing it and saving the "+what+" (this cannot be stopped safely)")
	defer sent()
	if twoStep {
		return saveAnswer(e, client, sendCtx, keyID, plan, &req, answer, expect)
	}
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
	printKey(e, keyID, key.Curve(), "", key.PublicKeyHex(), *format)
	printChecked(e, expect, "the key was checked only against the public key the API reports; pass --expect-public-key or --expect-address to bind the export")
	return nil
}

// saveAnswer sends the two-step export's request and saves Dfns's answer,
// still encrypted, to answer; an answer that cannot be written there is
// rescued, never lost.
func saveAnswer(e *env, client *dfnskeys.Client, ctx context.Context, keyID string, plan *dfnskeys.ExportPlan, req *dfnskeys.ExportRequestDocument, answer *outFile, expect keys.Expectation) error {
	doc, err := client.SendExportRequest(ctx, plan, req)
	if err != nil {
		return err
	}
	body, err := marshalBody(doc)
	if err != nil {
		return fmt.Errorf("encoding the export response: %w", err)
	}
	if err := answer.write(body); err != nil {
		p, rerr := safefile.Rescue(body, keyID, ".json", filepath.Dir(answer.path))
		if rerr != nil {
			return fmt.Errorf("%w; %v: the answer is lost", err, rerr)
		}
		return fmt.Errorf("%w; the answer was saved instead to %s: carry that file to the offline machine", err, p)
	}
	fmt.Fprintf(e.stderr, "key: %s\ncurve: %s\npublic key (as Dfns reports it): %s\n", safetext.Text(keyID), safetext.Text(string(plan.Key.Curve)), safetext.Text(plan.Key.PublicKey))
	if expect != nil {
		fmt.Fprintf(e.stderr, "checked: Dfns reports %s\n", expect)
	}
	fmt.Fprintf(e.stderr, "saved the answer, still encrypted, to %s: carry it to the offline machine and run 'dfnskeys recover --response %s --decryption-key FILE --expect-public-key HEX' there\n", answer.path, answer.path)
	return nil
}

// printKey says on standard error which key was exported or recovered;
// empty values are left out.
func printKey(e *env, keyID string, c keys.Curve, protocol, pub, format string) {
	for _, l := range [][2]string{{"key", safetext.Text(keyID)}, {"curve", string(c)}, {"protocol", protocol}, {"public key", pub}, {"format", format}} {
		if l[1] != "" {
			fmt.Fprintf(e.stderr, "%s: %s\n", l[0], l[1])
		}
	}
}

// printChecked says what the key was checked against: the key expected,
// or only what the API said (note).
func printChecked(e *env, expect keys.Expectation, note string) {
	if expect != nil {
		fmt.Fprintf(e.stderr, "checked: the key is %s\n", expect)
	} else {
		fmt.Fprintf(e.stderr, "note: %s to the key you know (see docs/threat-model.md §2)\n", note)
	}
}

// expectFlags are --expect-public-key and --expect-address, the key an
// export or a recovery is bound to. Their values are never printed back:
// one may be key material pasted by mistake.
type expectFlags struct {
	fs        *flag.FlagSet
	pub, addr *string
}

func addExpectFlags(fs *flag.FlagSet) *expectFlags {
	return &expectFlags{fs, fs.String("expect-public-key", "", ""), fs.String("expect-address", "", "")}
}

// parse returns the expectation the flags give (nil for none); suffix
// ends its errors. A flag given as an empty string is refused: it would
// otherwise mean no expectation.
func (x *expectFlags) parse(suffix string) (keys.Expectation, error) {
	for _, n := range []string{"expect-public-key", "expect-address"} {
		if given(x.fs, n) != "" && x.fs.Lookup(n).Value.String() == "" {
			return nil, usagef("--%s is empty: give the key's %s, or leave the flag out", n, strings.ReplaceAll(strings.TrimPrefix(n, "expect-"), "-", " "))
		}
	}
	var exp keys.Expectation
	var err error
	switch {
	case *x.pub != "" && *x.addr != "":
		return nil, usagef("give --expect-public-key or --expect-address, not both")
	case *x.pub != "":
		if exp, err = keys.ParseExpectedPublicKey(*x.pub); err != nil {
			return nil, usagef("--expect-public-key: %v%s", err, suffix)
		}
	case *x.addr != "":
		if exp, err = address.Expect(*x.addr); err != nil {
			return nil, usagef("--expect-address: %v%s", err, suffix)
		}
	}
	return exp, nil
}

func keystorePassword(e *env) ([]byte, error) {
	if pw, ok := lookupEnv(e, "DFNS_KEYSTORE_PASSWORD"); ok {
		if pw == "" {
			return nil, errors.New("DFNS_KEYSTORE_PASSWORD is empty: a keystore needs a password")
		}
		return []byte(pw), nil
	}
	in := terminalIn(e)
	if in == nil {
		return nil, errors.New("the keystore needs a password: set DFNS_KEYSTORE_PASSWORD (or run on a terminal to be asked)")
	}
	pw, err := ask(e, in, "keystore password (not echoed): ")
	if err != nil {
		return nil, err
	}
	again, err := ask(e, in, "again: ")
	defer clear(again)
	if err != nil || !bytes.Equal(pw, again) || len(pw) == 0 {
		clear(pw)
		return nil, errors.New("the passwords differ or are empty; nothing was exported")
	}
	return pw, nil
}

// warnFaulty tells the user which signers sent faulty export shares when
// the key was recovered from the others anyway.
func warnFaulty(e *env, faulty []keys.FaultySigner) {
	if len(faulty) == 0 {
		return
	}
	fmt.Fprintf(e.stderr, "dfnskeys: warning: %d signer(s) sent faulty export shares; the key was recovered from the others and matches its public key. Tell Dfns about:\n", len(faulty))
	for _, f := range faulty {
		fmt.Fprintf(e.stderr, "  %s\n", safetext.Line(f.String()))
	}
}
