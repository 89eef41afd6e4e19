package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/dfnskeys/dfnskeys/internal/safefile"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/keys"
)

// ceremonyHelp is 'dfnskeys help ceremony'.
const ceremonyHelp = `The air-gapped ceremony: keys never on an online machine, credentials never
on the offline one.

Two machines: OFFLINE holds the private keys and has no network and no DFNS_*
settings; ONLINE holds the API credentials and never a private key. Between
them you carry (on removable media, by hand) three kinds of document, none of
which holds a secret: each is JSON with a "kind", a "version" and a "purpose"
saying what it is for, and is read strictly (an unknown field, another kind
or version is refused).

Once, on ONLINE: save the signers and check them out of band
  dfnskeys signers --save signers.json    compare the fingerprints printed
                                          with ones from Dfns, then carry
                                          signers.json to OFFLINE

Import
  OFFLINE  dfnskeys split --signers signers.json --curve secp256k1 \
             --key-file key.hex --request-out request.json
           Splits the key and encrypts each share to one signer. The import
           request records the POST /keys/import body, the key's curve,
           protocol, public key and addresses, and the cluster and signers
           the shares are encrypted to. Carry request.json to ONLINE; note
           the public key printed, which you will check exports against.
  ONLINE   dfnskeys import --request request.json \
             --pinned-signers signers.json
           Refuses, before sending anything, a request encrypted to other
           signers than the pinned ones, and live signers (GET /signers)
           that are not the pinned ones. Does nothing when Dfns already
           holds the key (a rerun creates nothing); otherwise signs the
           user action, sends the body, and checks that the key Dfns made
           has the request's public key. --prove has Dfns sign with it.

Export
  OFFLINE  dfnskeys export-request --key KEY_ID \
             --decryption-key-out dk --request-out export-request.json
           The decryption key (dk) never leaves OFFLINE: keep it secret.
           Carry export-request.json (a public key only) to ONLINE.
  ONLINE   dfnskeys export KEY_ID --request export-request.json \
             --response-out response.json [--expect-public-key HEX]
           Sends the request (refused if made for another key) and saves
           Dfns's answer, still encrypted: ONLINE cannot read the key.
           Carry response.json to OFFLINE.
  OFFLINE  dfnskeys recover --response response.json --decryption-key dk \
             --expect-public-key HEX --out key.json
           Decrypts and recombines the shares, and refuses an answer for
           another key than the one you expect: give the public key noted
           at import, or an address (--expect-address).

Many keys: the same steps over a bulk input (see each command's help)
  OFFLINE  dfnskeys bulk-split --input rows.jsonl --signers signers.json \
             --out-dir carry
  ONLINE   dfnskeys bulk-import --input carry/requests.jsonl --journal j \
             --report imported.jsonl --pinned-signers signers.json
  OFFLINE  dfnskeys bulk-export-request --input imported.jsonl \
             --carry-dir carry --key-dir secret --report r1.jsonl
  ONLINE   dfnskeys bulk-export --input ids.jsonl --carry-dir carry \
             --report r2.jsonl
  OFFLINE  dfnskeys bulk-recover --input imported.jsonl --carry-dir carry \
             --key-dir secret --report r3.jsonl
Each is resumable: rerun it after a failure, Ctrl-C or a kill. bulk-import
keeps its journal, lock and exactly-once guarantees; bulk-recover needs the
public keys (imported.jsonl has them) and refuses an answer for another key.

What each side checks, and what it cannot: see docs/threat-model.md §10.
`

// importRequestFlags are the flags 'import --request' uses.
type importRequestFlags struct {
	path, pinFile, expect string
	dryRun, prove         bool
}

// keyFlags are import's flags that describe a key to read, which an import
// request already fixes.
var keyFlags = []string{"curve", "protocol", "name", "min-signers", "cluster", "allow-duplicate", "key-file", "format", "path", "ed25519-scalar"}

// runImportRequest is 'import --request': the online half of the
// ceremony's import, with no key anywhere.
func runImportRequest(e *env, fs *flag.FlagSet, f importRequestFlags, cf *connFlags) error {
	var bad string
	fs.Visit(func(fl *flag.Flag) {
		for _, k := range keyFlags {
			if fl.Name == k && bad == "" {
				bad = k
			}
		}
	})
	if bad != "" {
		return usagef("--%s cannot be used with --request: the import request already fixes the key and how it is split, and no key is read here", bad)
	}
	var req dfnskeys.ImportPlan
	if err := readDocument(f.path, "--request", &req); err != nil {
		return err
	}
	pinned, err := pinnedSigners(e, f.pinFile, req.ClusterID)
	if err != nil {
		return err
	}
	if pinned == nil {
		return usagef("--request needs --pinned-signers FILE (or DFNS_PINNED_SIGNERS): the signers saved with 'dfnskeys signers --save' and checked out of band, which the request and the live signers must match")
	}
	pub, err := hex.DecodeString(req.Identity.PublicKey)
	if err != nil {
		return err // unreachable: the document was checked
	}
	addrs, err := address.ForKey(req.Request.Curve, pub)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "request: %s (made offline; no private key is read here)\ncurve: %s\nprotocol: %s\npublic key: %s\n", f.path, req.Request.Curve, req.Request.Protocol, req.Identity.PublicKey)
	for _, a := range addrs.List() {
		fmt.Fprintf(e.stderr, "%s address: %s\n", a.Kind, a.Address)
	}
	if f.expect != "" {
		kind, ok := addrs.Match(f.expect)
		if !ok {
			return fmt.Errorf("the request's key does not have address %s (its addresses are listed above): nothing was sent", f.expect)
		}
		fmt.Fprintf(e.stderr, "expected address matches the key's %s address\n", kind)
	}
	client, err := cf.client(e, !f.dryRun)
	if err != nil {
		return err
	}
	ctx, stop := e.context()
	defer stop()
	plan, err := client.PlanImportRequest(ctx, &req, dfnskeys.ImportKeyOptions{PinnedSigners: pinned})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "signers: the request's and the live ones of cluster %s are the pinned ones\n", safetext.Text(req.ClusterID))
	switch {
	case plan.Existing != nil:
		what := "nothing was imported"
		if f.dryRun {
			what = "dry run: nothing would be imported"
		}
		fmt.Fprintf(e.stderr, "%s: Dfns already holds this key as %s (imported, active, never exported)\n", what, safetext.Text(plan.Existing.ID))
		if f.prove && !f.dryRun {
			return proveImported(e, ctx, client, plan.Existing, pub)
		}
		return printJSON(e, plan.Existing)
	case f.dryRun:
		fmt.Fprintf(e.stderr, "dry run: this POST /keys/import body would be sent to cluster %s; nothing was sent\n", safetext.Text(plan.ClusterID))
		return printJSON(e, plan.Request)
	}
	res, err := client.SendImport(ctx, plan)
	if err != nil {
		return err
	}
	if f.prove {
		return proveImported(e, ctx, client, res.Key, pub)
	}
	return printJSON(e, res.Key)
}

// document is a ceremony document type (dfnskeys.ImportPlan and the export
// documents).
type document interface{ UnmarshalJSON([]byte) error }

// readDocument reads the ceremony document at path, named by flag.
func readDocument(path, flagName string, v document) error {
	data, err := readFileLimited(path, dfnskeys.MaxDocumentSize, flagName)
	if err != nil {
		return err
	}
	if err := v.UnmarshalJSON(data); err != nil {
		return fmt.Errorf("%s %s: %w", flagName, path, err)
	}
	return nil
}

// isDocument reports whether data looks like a ceremony document (a JSON
// object with a "kind") rather than a bare API body.
func isDocument(data []byte) bool {
	var h struct {
		Kind json.RawMessage `json:"kind"`
	}
	return json.Unmarshal(data, &h) == nil && h.Kind != nil
}

// runExportRequestDoc is 'export KEY_ID --request FILE --response-out
// FILE': the online half of the two-step export. It holds no decryption
// key, so it cannot read the key it exports.
func runExportRequestDoc(e *env, fs *flag.FlagSet, keyID, requestPath, responseOut string, cf *connFlags) error {
	if err := requireFlags("request", requestPath, "response-out", responseOut); err != nil {
		return err
	}
	var bad string
	fs.Visit(func(fl *flag.Flag) {
		if (fl.Name == "format" || fl.Name == "out") && bad == "" {
			bad = fl.Name
		}
	})
	if bad != "" {
		return usagef("--%s cannot be used with --request: the answer is saved, still encrypted, to --response-out", bad)
	}
	if samePath(requestPath, responseOut) {
		return usagef("--response-out and --request name the same file")
	}
	if err := refuseEmptyExpectation(fs); err != nil {
		return err
	}
	expect, err := exportExpectation(fs.Lookup("expect-public-key").Value.String(), fs.Lookup("expect-address").Value.String(), "; nothing was exported")
	if err != nil {
		return err
	}
	var req dfnskeys.ExportRequestDocument
	if err := readDocument(requestPath, "--request", &req); err != nil {
		return err
	}
	if req.KeyID != "" && req.KeyID != keyID {
		return fmt.Errorf("--request %s was made for key %s, not %s: nothing was exported", requestPath, safetext.Text(req.KeyID), safetext.Text(keyID))
	}
	client, err := cf.client(e, true)
	if err != nil {
		return err
	}
	// The destination first: Dfns stops signing with an exported key, and
	// the answer is the only copy of its shares.
	out, err := createOut(responseOut, "--response-out", 0o644)
	if err != nil {
		return err
	}
	defer out.discard()
	ctx, stop := e.context()
	defer stop()
	plan, err := client.PlanExport(ctx, keyID, dfnskeys.ExportOptions{Expect: expect})
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return errors.New("interrupted: nothing was exported")
	}
	sendCtx, sent := e.unstoppable(ctx, "interrupt: the export is under way; finishing it and saving the answer (this cannot be stopped safely)")
	defer sent()
	doc, err := client.SendExportRequest(sendCtx, plan, &req)
	if err != nil {
		return err
	}
	body, err := marshalBody(doc)
	if err != nil {
		return fmt.Errorf("encoding the export response: %w", err)
	}
	if err := out.write(body); err != nil {
		p, rerr := safefile.Rescue(body, keyID, ".json", filepath.Dir(responseOut))
		if rerr != nil {
			return fmt.Errorf("%w; %v: the answer is lost", err, rerr)
		}
		return fmt.Errorf("%w; the answer was saved instead to %s: carry that file to the offline machine", err, p)
	}
	fmt.Fprintf(e.stderr, "key: %s\ncurve: %s\npublic key (as Dfns reports it): %s\n", safetext.Text(keyID), safetext.Text(string(plan.Key.Curve)), safetext.Text(plan.Key.PublicKey))
	if expect != nil {
		fmt.Fprintf(e.stderr, "checked: Dfns reports %s\n", expect)
	}
	fmt.Fprintf(e.stderr, "saved the answer, still encrypted, to %s: carry it to the offline machine and run 'dfnskeys recover --response %s --decryption-key FILE --expect-public-key HEX' there\n", responseOut, responseOut)
	return nil
}

// readExportResponse reads recover's --response: an export response
// document (with the key's ID), or a bare export response body.
func readExportResponse(path string) (*keys.ExportResponse, string, error) {
	data, err := readFileLimited(path, dfnskeys.MaxDocumentSize, "--response")
	if err != nil {
		return nil, "", err
	}
	if isDocument(data) {
		var doc dfnskeys.ExportResponseDocument
		if err := doc.UnmarshalJSON(data); err != nil {
			return nil, "", fmt.Errorf("--response %s: %w", path, err)
		}
		return doc.Response, doc.KeyID, nil
	}
	var resp keys.ExportResponse
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, "", fmt.Errorf("--response %s is not valid JSON: %w", path, err)
	}
	return &resp, "", nil
}
