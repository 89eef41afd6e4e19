package main

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/internal/safefile"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/keys"
)

// ceremonyHelp is 'dfnskeys help ceremony'.
const ceremonyHelp = `The air-gapped ceremony: keys never on an online machine, credentials never
on the offline one.

Two machines: OFFLINE holds the private keys and has no network and no DFNS_*
settings; ONLINE holds the API credentials and never a private key. Between
them you carry (on removable media, by hand) documents that hold no secret:
JSON with a "kind", a "version" and a "purpose", read strictly (an unknown
field, another kind or version is refused).

Once, on ONLINE: dfnskeys signers --save signers.json, compare the
fingerprints printed with ones from Dfns, and carry signers.json to OFFLINE.

Import
  OFFLINE  dfnskeys split --signers signers.json --curve secp256k1 \
             --key-file key.hex --request-out request.json
           Splits the key and encrypts each share to one signer; the request
           also records the key's curve, protocol, public key and addresses
           and the signers. Carry it to ONLINE; note the public key printed,
           which you will check exports against.
  ONLINE   dfnskeys import --request request.json \
             --pinned-signers signers.json
           Refuses, before sending anything, a request encrypted to other
           signers than the pinned ones, and live signers (GET /signers)
           that are not the pinned ones; does nothing when Dfns already
           holds the key; sends the body and checks that the key Dfns made
           has the request's public key. --prove has Dfns sign with it.

Export
  OFFLINE  dfnskeys export-request --key KEY_ID \
             --decryption-key-out dk --request-out export-request.json
           The decryption key (dk) never leaves OFFLINE: keep it secret.
  ONLINE   dfnskeys export KEY_ID --request export-request.json \
             --response-out response.json [--expect-public-key HEX]
           Sends the request (refused if made for another key) and saves
           Dfns's answer, still encrypted: ONLINE cannot read the key.
  OFFLINE  dfnskeys recover --response response.json --decryption-key dk \
             --expect-public-key HEX --out key.json
           Decrypts and recombines the shares, and refuses an answer for
           another key than the public key noted at import (or an address,
           --expect-address).

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

// runImportRequest is 'import --request': the online half of the
// ceremony's import, with no key anywhere.
func runImportRequest(e *env, fs *flag.FlagSet, path, pinFile, expect string, dryRun, prove bool, cf *connFlags) error {
	// The flags that describe a key to read, which the request fixes.
	if bad := given(fs, "curve", "protocol", "name", "min-signers", "cluster", "allow-duplicate", "key-file", "format", "path", "ed25519-scalar"); bad != "" {
		return usagef("--%s cannot be used with --request: the import request already fixes the key and how it is split, and no key is read here", bad)
	}
	var req dfnskeys.ImportPlan
	if err := readDocument(path, "--request", &req); err != nil {
		return err
	}
	pinned, err := pinnedSigners(e, pinFile, req.ClusterID)
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
	fmt.Fprintf(e.stderr, "request: %s (made offline; no private key is read here)\n", path)
	if err := showKey(e, "the request's key", req.Request.Curve, req.Request.Protocol, pub, expect); err != nil {
		return err
	}
	client, ctx, stop, err := cf.connect(e, !dryRun)
	if err != nil {
		return err
	}
	defer stop()
	plan, err := client.PlanImportRequest(ctx, &req, dfnskeys.ImportKeyOptions{PinnedSigners: pinned})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "signers: the request's and the live ones of cluster %s are the pinned ones\n", safetext.Text(req.ClusterID))
	return finishImport(e, ctx, client, plan, pub, dryRun, prove, "")
}

// readDocument reads the ceremony document at path, named by flag, into v
// (a dfnskeys.ImportPlan or an export document, which read themselves
// strictly).
func readDocument(path, flagName string, v json.Unmarshaler) error {
	data, err := readFileLimited(path, safefile.MaxDocumentSize, flagName)
	if err != nil {
		return err
	}
	if err := v.UnmarshalJSON(data); err != nil {
		return fmt.Errorf("%s %s: %w", flagName, path, err)
	}
	return nil
}

// readExportResponse reads recover's --response: an export response
// document (with the key's ID), or a bare export response body.
func readExportResponse(path string) (*keys.ExportResponse, string, error) {
	data, err := readFileLimited(path, safefile.MaxDocumentSize, "--response")
	if err != nil {
		return nil, "", err
	}
	var h struct {
		Kind json.RawMessage `json:"kind"`
	}
	if json.Unmarshal(data, &h) == nil && h.Kind != nil { // a document, not a bare body
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
