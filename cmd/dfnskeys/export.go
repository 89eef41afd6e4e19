package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

var exportRequestCommand = &command{
	name:    "export-request",
	summary: "make the body of POST /keys/{keyId}/export and its decryption key",
	usage: `Usage: dfnskeys export-request --decryption-key-out FILE [--out FILE]

Generates a one-time key pair for one key export. Writes the body of
POST /keys/{keyId}/export as JSON, and saves the decryption key that
'dfnskeys recover' needs to a new file with mode 0600. Neither file may
exist: dfnskeys never overwrites a file or follows a symbolic link. Keep it secret, and delete it once the key is
recovered. Use a new export request for every export.

Flags:
  --decryption-key-out FILE   where to save the decryption key (required)
  --out FILE                  write the body to FILE instead of standard output
`,
	run: runExportRequest,
}

var recoverCommand = &command{
	name:    "recover",
	summary: "recover a private key from an export response",
	usage: `Usage: dfnskeys recover --decryption-key FILE --response FILE [--expect-public-key HEX | --expect-address ADDR] [--format json|hex] [--out FILE]

Decrypts the signers' shares in a key export response with the decryption key
saved by 'dfnskeys export-request', recombines them and checks the result
against the response's public key and, with --expect-public-key or
--expect-address (as for 'dfnskeys export'), against the key you expect: a
key recovered that is another one is discarded, nothing is written, and the
exit status is 1 (see docs/threat-model.md §2). Writes the private key to --out, a new
file with mode 0600 (an existing file is never overwritten, a symbolic link
never followed), or to standard output when that is not a terminal:
  json   an export document: curve, kind (scalar), public key and key, which
         'import', 'inspect', 'split' and 'bulk-import' read with format json
         (the default)
  hex    64 lowercase hex digits and a newline (not for ed25519: Dfns exports
         the signing scalar, which bare hex would read back as a seed)
Prints the curve, protocol and public key on standard error.

Flags:
  --decryption-key FILE   decryption key saved by export-request (required)
  --response FILE         the export response JSON (required)
  --expect-public-key HEX the key's public key, hex, as Dfns encodes it
  --expect-address ADDR   one of the key's addresses ('dfnskeys inspect')
  --format F              json (default) or hex
  --out FILE              write the key to this new file instead of standard output
`,
	run: runRecover,
}

func runExportRequest(e *env, args []string) error {
	fs := newFlagSet("export-request")
	dkOut := pathFlag(fs, "decryption-key-out")
	out := pathFlag(fs, "out")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireFlags("decryption-key-out", *dkOut); err != nil {
		return err
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
	body, err := marshalBody(ctx.Request())
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
	defer dest.discard()
	var resp keys.ExportResponse
	if err := readJSONFile(*respPath, "--response", &resp); err != nil {
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

	key, faulty, err := ctx.RecoverWith(context.Background(), &resp, keys.RecoverOptions{Expect: expect})
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
	if err := dest.save(text, "recovered", "."+*format); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "curve: %s\nprotocol: %s\npublic key: %s\nformat: %s\n", key.Curve(), resp.Protocol, key.PublicKeyHex(), *format)
	if expect != nil {
		fmt.Fprintf(e.stderr, "checked: the key is %s\n", expect)
	} else {
		fmt.Fprintln(e.stderr, "note: the key was checked only against the public key in the response; pass --expect-public-key or --expect-address to bind it to the key you know (see docs/threat-model.md §2)")
	}
	return nil
}

// loadDecryptionKey reads a file written by export-request. It decodes the
// base64 itself, into a buffer it clears, rather than through a string that
// could not be cleared.
func loadDecryptionKey(path string) (*encryption.DecryptionKey, error) {
	text, err := readFileLimited(path, maxSecretFile, "--decryption-key")
	if err != nil {
		return nil, err
	}
	defer clear(text)
	trimmed := bytes.TrimSpace(text)
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(trimmed)))
	defer clear(raw)
	n, err := base64.StdEncoding.Strict().Decode(raw, trimmed)
	if err != nil {
		return nil, fmt.Errorf("--decryption-key %s is not a decryption key saved by 'dfnskeys export-request': it is not base64", path)
	}
	dk, err := encryption.ParseDecryptionKey(raw[:n])
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
