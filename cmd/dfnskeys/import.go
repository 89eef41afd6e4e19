package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/internal/secretish"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

var importCommand = &command{
	name:    "import",
	summary: "import a private key into Dfns",
	usage: `Usage: dfnskeys import --curve CURVE [flags] [key source flags]
         [connection flags]

Imports a private key: lists the signers, shows the key's public key and
addresses on standard error, splits and encrypts the key locally, sends the
signed POST /keys/import and prints the created key as JSON. The whole key
never leaves this machine.

Importing is idempotent: when Dfns already holds the key (an imported key
with the same public key, protocol and curve, active and never exported),
nothing is sent, that key is printed and the exit status is 0, so a rerun
after a crash or a timeout makes no second key. Finding it lists the keys
(one GET /keys per 500 keys); --allow-duplicate imports a second copy.

Flags:
  --curve CURVE           secp256k1, stark or ed25519 (implied by a wif,
                          keystore, xprv, solana or json key)
  --protocol NAME         CGGMP24 (default for secp256k1 and stark), CGGMP21,
                          FROST_BITCOIN (secp256k1) or FROST (ed25519, default)
  --name NAME             key name, at most 100 characters
  --min-signers N         threshold (default 3)
  --cluster ID            signing cluster when several are listed
  --expect-address ADDR   refuse unless the key has this address
  --allow-duplicate       import even when Dfns already holds the key
  --prove                 then have Dfns sign with the key, as 'dfnskeys
                          prove' does, and verify it under the local public
                          key; prints "proved": true (exit 1 if it fails)
  --dry-run               show the request that would be sent, and stop
  --request FILE          send an import request document made offline by
                          'dfnskeys split --request-out' instead of reading a
                          key; --pinned-signers is required, and only
                          --expect-address, --dry-run and --prove apply (see
                          'dfnskeys help ceremony')
` + pinUsage + "\n" + keySourceUsage + "\n" + connUsage,
	run: runImport,
}

func runImport(e *env, args []string) error {
	fs := newFlagSet("import")
	sf := addSplitFlags(fs)
	expect := fs.String("expect-address", "", "")
	dryRun := fs.Bool("dry-run", false, "")
	prove := fs.Bool("prove", false, "")
	pinFile := pathFlag(fs, "pinned-signers")
	allowDuplicate := fs.Bool("allow-duplicate", false, "")
	request := pathFlag(fs, "request")
	cf := addConnFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *prove && *dryRun {
		return usagef("--prove cannot be used with --dry-run: a dry run imports nothing to prove")
	}
	if *request != "" {
		return runImportRequest(e, fs, *request, *pinFile, *expect, *dryRun, *prove, cf)
	}
	_, c, opts, err := sf.options()
	if err != nil {
		return err
	}
	if opts.PinnedSigners, err = pinnedSigners(e, *pinFile, opts.ClusterID); err != nil {
		return err
	}
	opts.AllowDuplicate = *allowDuplicate
	client, err := cf.client(e, !*dryRun)
	if err != nil {
		return err
	}
	key, err := sf.ks.load(e)
	if err != nil {
		return err
	}
	defer key.Destroy()
	if c == "" { // the key file said: its scheme is checked now
		c = key.Curve()
		if opts.Protocol, err = sf.protocolFor(c); err != nil {
			return err
		}
	}
	if err := showKey(e, "the key", c, opts.Protocol, key.PublicKey(), *expect); err != nil {
		return err
	}
	ctx, stop := e.context()
	defer stop()
	plan, err := client.PlanImport(ctx, key, opts)
	if err != nil {
		return err
	}
	return finishImport(e, ctx, client, plan, key.PublicKey(), *dryRun, *prove, "; pass --allow-duplicate to import a second copy")
}

// showKey prints the curve, protocol, public key and addresses of the key
// to import (whose, in errors) and checks --expect-address against them.
func showKey(e *env, whose string, c keys.Curve, p keys.Protocol, pub []byte, expect string) error {
	addrs, err := address.ForKey(c, pub)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "curve: %s\nprotocol: %s\npublic key: %x\n", c, p, pub)
	for _, a := range addrs.List() {
		fmt.Fprintf(e.stderr, "%s address: %s\n", a.Kind, a.Address)
	}
	if expect == "" {
		return nil
	}
	kind, ok := addrs.Match(expect)
	if !ok && secretish.Looks(expect) { // a key pasted in place of the address is never shown
		return fmt.Errorf("%s does not have the --expect-address given (not shown: it looks like a secret, not an address): nothing was sent", whose)
	}
	if !ok {
		return fmt.Errorf("%s does not have address %s (its addresses are listed above): nothing was sent", whose, safetext.Text(expect))
	}
	fmt.Fprintf(e.stderr, "expected address matches the key's %s address\n", kind)
	if kind == "bitcoinP2pkhUncompressed" {
		fmt.Fprintf(e.stderr, "note: that is the legacy address of the uncompressed public key, which old wallets used; Dfns's Bitcoin addresses for this key are the ones listed above\n")
	}
	return nil
}

// finishImport ends import and import --request: it sends plan unless Dfns
// already holds the key (dupHint ends that message) or this is a dry run,
// prints the key as JSON and, with prove, has Dfns sign with it.
func finishImport(e *env, ctx context.Context, client *dfnskeys.Client, plan *dfnskeys.ImportPlan, pub []byte, dryRun, prove bool, dupHint string) error {
	switch {
	case plan.Existing != nil:
		what := "nothing was imported"
		if dryRun {
			what = "dry run: nothing would be imported"
		}
		fmt.Fprintf(e.stderr, "%s: Dfns already holds this key as %s (imported, active, never exported)%s\n", what, safetext.Text(plan.Existing.ID), dupHint)
		if !prove || dryRun {
			return printJSON(e, plan.Existing)
		}
	case dryRun:
		fmt.Fprintf(e.stderr, "dry run: this POST /keys/import body would be sent to cluster %s; nothing was sent\n", safetext.Text(plan.ClusterID))
		return printJSON(e, plan.Request)
	}
	res, err := client.SendImport(ctx, plan) // sends nothing for an existing key
	if err != nil {
		return err
	}
	if prove {
		return proveImported(e, ctx, client, res.Key, pub)
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
// verifies the signature under the public key computed locally (from the
// key, or recorded offline in an import request).
func proveImported(e *env, ctx context.Context, client *dfnskeys.Client, k *keys.Key, pub []byte) error {
	proof, err := client.ProveKey(ctx, k, dfnskeys.ProveOptions{PublicKey: pub})
	if err != nil {
		out := provedKey{Key: k, ProofError: safetext.Line(err.Error())}
		if perr := printJSON(e, out); perr != nil {
			return perr
		}
		var pending *dfnskeys.PolicyPendingError
		var failed *dfnskeys.ProofError
		if errors.As(err, &pending) {
			return fmt.Errorf("the key is imported as %s, but a policy holds the proof's signature request for approval: approve it, then run 'dfnskeys prove %s' (%w)", safetext.Text(k.ID), safetext.Text(k.ID), err)
		}
		if errors.As(err, &failed) && failed.Incomplete {
			return fmt.Errorf("the key is imported as %s, but the proof was not completed because of the network: %w; run the same command again (or 'dfnskeys prove %s') to finish it", safetext.Text(k.ID), err, safetext.Text(k.ID))
		}
		return fmt.Errorf("the key is imported as %s, but the proof failed: %w; asked again with the same externalId, Dfns answers with this same request: run 'dfnskeys prove %s --external-id NEW-ID' to ask for a new one", safetext.Text(k.ID), err, safetext.Text(k.ID))
	}
	fmt.Fprintf(e.stderr, "proved: Dfns signed with %s and the signature verifies under the public key computed here\n", safetext.Text(k.ID))
	return printJSON(e, provedKey{Key: k, Proved: true, SignatureID: proof.SignatureID, ExternalID: proof.ExternalID})
}

const pinUsage = `  --pinned-signers FILE   DFNS_PINNED_SIGNERS: a saved GET /signers response
                          ('dfnskeys signers --save FILE', fingerprints checked
                          out of band); the run stops before anything is sent
                          unless the API lists exactly these signers and keys
`

// pinnedSigners returns the signers pinned by --pinned-signers or
// DFNS_PINNED_SIGNERS, nil when neither is set. The cluster is clusterID,
// or the file's only cluster.
func pinnedSigners(e *env, flagValue, clusterID string) ([]signers.Signer, error) {
	path, what := flagValue, "--pinned-signers"
	if path == "" {
		path, what = e.getenv("DFNS_PINNED_SIGNERS"), "DFNS_PINNED_SIGNERS"
		if err := checkPathEnv(what, path); err != nil {
			return nil, err
		}
	}
	if path == "" {
		return nil, nil
	}
	data, err := readFileLimited(path, maxJSONFile, what)
	if err != nil {
		return nil, err
	}
	list, err := signers.ParseList(data)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	cluster, err := list.Cluster(clusterID)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if _, err := signers.Sort(cluster.Signers); err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if len(cluster.Signers) == 0 {
		return nil, fmt.Errorf("%s %s lists no signer", what, path)
	}
	return cluster.Signers, nil
}
