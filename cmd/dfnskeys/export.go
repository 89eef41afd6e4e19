package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/keys"
)

var exportRequestCommand = &command{
	name:    "export-request",
	summary: "make the body of POST /keys/{keyId}/export and its decryption key",
	usage: `Usage: dfnskeys export-request --decryption-key-out FILE [--out FILE]

Generates a one-time key pair for one key export. Writes the body of
POST /keys/{keyId}/export as JSON, and saves the decryption key that
'dfnskeys recover' needs to a new file with mode 0600. That file must not
exist: it is never overwritten. Keep it secret, and delete it once the key is
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
	usage: `Usage: dfnskeys recover --decryption-key FILE --response FILE [--out FILE]

Decrypts the signers' shares in a key export response with the decryption key
saved by 'dfnskeys export-request', recombines them and checks the result
against the response's public key. Writes the private key as 64 lowercase hex
digits and a newline to --out, a new file with mode 0600 (an existing file is
never overwritten), or to standard output when that is not a terminal.
Prints the curve, protocol and public key on standard error.

For ed25519 the result is the signing scalar, not an RFC 8032 seed, which
cannot be recovered; import it again with 'dfnskeys split --ed25519-scalar'.

Flags:
  --decryption-key FILE   decryption key saved by export-request (required)
  --response FILE         the export response JSON (required)
  --out FILE              write the key to this new file instead of standard output
`,
	run: runRecover,
}

func runExportRequest(e *env, args []string) error {
	fs := newFlagSet("export-request")
	dkOut := fs.String("decryption-key-out", "", "")
	out := fs.String("out", "", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireFlags("decryption-key-out", *dkOut); err != nil {
		return err
	}
	if *out != "" && samePath(*out, *dkOut) {
		return usagef("--out and --decryption-key-out name the same file")
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
	err = createExclusive(*dkOut, "--decryption-key-out", text)
	clear(text)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := refuseSameFile(*out, *dkOut); err != nil {
			return err
		}
	}
	if err := writeOutput(e, *out, body, 0o644); err != nil {
		return fmt.Errorf("writing the export request: %w (the decryption key was saved to %s and kept; remove it, or rerun with another --decryption-key-out)", err, *dkOut)
	}
	fmt.Fprintf(e.stderr, "decryption key saved to %s: keep it secret until 'dfnskeys recover' has used it, then delete it\n", *dkOut)
	return nil
}

func runRecover(e *env, args []string) error {
	fs := newFlagSet("recover")
	dkPath := fs.String("decryption-key", "", "")
	respPath := fs.String("response", "", "")
	out := fs.String("out", "", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireFlags("decryption-key", *dkPath, "response", *respPath); err != nil {
		return err
	}
	// Fail on the destination before any secret is decrypted.
	if err := checkSecretDestination(e, *out); err != nil {
		return err
	}

	var resp keys.ExportResponse
	if err := readJSONFile(*respPath, "--response", &resp); err != nil {
		return err
	}
	dk, err := loadDecryptionKey(*dkPath)
	if err != nil {
		return err
	}
	ctx := keys.NewExportContextFromDecryptionKey(dk)
	defer ctx.Destroy()

	key, faulty, err := ctx.Recover(&resp)
	if err != nil {
		return fmt.Errorf("recovering the key from %s: %w", *respPath, err)
	}
	defer key.Destroy()
	warnFaulty(e, faulty)

	text := hexLine(key)
	defer clear(text)
	if err := writeSecretOutput(e, *out, text); err != nil {
		return err
	}

	fmt.Fprintf(e.stderr, "curve: %s\nprotocol: %s\npublic key: %s\n", key.Curve(), resp.Protocol, key.PublicKeyHex())
	if key.Curve() == keys.Ed25519 {
		fmt.Fprintln(e.stderr, "note: this ed25519 key is the signing scalar, not an RFC 8032 seed; import it again with 'dfnskeys split --curve ed25519 --ed25519-scalar'")
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

// refuseSameFile fails when out is the file just created at keyPath under
// another name (a link), which writing the body would overwrite.
func refuseSameFile(out, keyPath string) error {
	oi, err := os.Stat(out)
	if err != nil {
		return nil // does not exist (yet): cannot be the key file
	}
	ki, err := os.Stat(keyPath)
	if err == nil && os.SameFile(oi, ki) {
		return fmt.Errorf("--out %s is the decryption key file %s; the key was saved and kept: rerun with another --out", out, keyPath)
	}
	return nil
}
