package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/internal/envconf"
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/signers"
)

// connFlags are the connection settings of the online commands. Each has an
// environment variable; a flag overrides it. Secrets (the token and the
// credential's private key) come from the environment or from files, never
// from the command line.
type connFlags struct {
	apiURL, tokenFile, credID, privateKey *string
}

const connUsage = `Connection (flags override the environment):
  --api-url URL           DFNS_API_URL (default https://api.dfns.io)
  --auth-token-file FILE  file holding the token; DFNS_AUTH_TOKEN holds the
                          token itself
  --cred-id ID            DFNS_CRED_ID: the credential that signs user actions
  --private-key FILE      PEM file of that credential; DFNS_PRIVATE_KEY holds
                          a PEM string or the path of a PEM file
`

func addConnFlags(fs *flag.FlagSet) *connFlags {
	return &connFlags{
		apiURL:     fs.String("api-url", "", ""),
		tokenFile:  pathFlag(fs, "auth-token-file"),
		credID:     fs.String("cred-id", "", ""),
		privateKey: pathFlag(fs, "private-key"),
	}
}

// connect is client and then e.context, the start of every command that
// talks to Dfns once its flags are checked; call stop when done.
func (cf *connFlags) connect(e *env, withSigner bool) (*dfnskeys.Client, context.Context, context.CancelFunc, error) {
	c, err := cf.client(e, withSigner)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, stop := e.context()
	return c, ctx, stop, nil
}

// client builds an API client from flags and environment, through the
// library's reader (internal/envconf), each flag standing for its
// variable. withSigner asks for the user-action signer too (imports and
// exports need it); without it the credential is not read.
func (cf *connFlags) client(e *env, withSigner bool) (*dfnskeys.Client, error) {
	token := e.getenv("DFNS_AUTH_TOKEN")
	if *cf.tokenFile != "" {
		b, err := readFileLimited(*cf.tokenFile, maxSecretFile, "--auth-token-file")
		if err != nil {
			return nil, err
		}
		token = string(b)
		clear(b)
	}
	vars := map[string]string{
		"DFNS_API_URL":     cmp.Or(*cf.apiURL, e.getenv("DFNS_API_URL")),
		"DFNS_AUTH_TOKEN":  strings.TrimSpace(token),
		"DFNS_CRED_ID":     cmp.Or(*cf.credID, e.getenv("DFNS_CRED_ID")),
		"DFNS_PRIVATE_KEY": cmp.Or(*cf.privateKey, e.getenv("DFNS_PRIVATE_KEY")),
	}
	keyFrom := "DFNS_PRIVATE_KEY"
	if *cf.privateKey != "" {
		keyFrom = "--private-key"
	}
	switch {
	case vars["DFNS_AUTH_TOKEN"] == "":
		return nil, usagef("no auth token: set DFNS_AUTH_TOKEN or pass --auth-token-file")
	case !withSigner:
		delete(vars, "DFNS_CRED_ID") // the credential is not read
		delete(vars, "DFNS_PRIVATE_KEY")
	case vars["DFNS_CRED_ID"] == "":
		return nil, usagef("no credential: set DFNS_CRED_ID or pass --cred-id (imports, exports and proofs are signed user actions)")
	case vars["DFNS_PRIVATE_KEY"] == "":
		return nil, usagef("no credential private key: set DFNS_PRIVATE_KEY (a PEM string or a PEM file's path) or pass --private-key FILE")
	}
	s, err := envconf.Read(func(k string) string { return vars[k] }, keyFrom)
	if err != nil {
		return nil, err
	}
	opts := []dfnskeys.Option{dfnskeys.WithUserAgent("dfnskeys-cli/" + dfnskeys.Version), dfnskeys.WithAuthToken(s.Token), dfnskeys.WithSigner(s.Signer)}
	if s.BaseURL != "" {
		opts = append(opts, dfnskeys.WithBaseURL(s.BaseURL))
	}
	return dfnskeys.NewClient(opts...)
}

var signersCommand = &command{
	name:    "signers",
	summary: "list the signing clusters, signers and fingerprints",
	usage: `Usage: dfnskeys signers [--json] [--save FILE] [connection flags]

Calls GET /signers and prints each cluster's signers in share order
(ascending decoded signer ID), each on three lines: ID, encryption key and
fingerprint (SHA-256 of the key's bytes, all 64 hex digits). --json prints
the response as it came (invisible characters as \u escapes, which decode
the same). --save FILE also writes it to FILE (a new file) for
--pinned-signers: check its fingerprints out of band (from Dfns, or from
another network) before pinning it.

Text from the API is printed escaped (\n, \x1b, \u202e; a backslash as \\)
and cut after 256 characters (\…[N more bytes]): each line is one cluster
or one signer's field whatever the API sends. --save refuses, saving
nothing, a listing whose IDs would print escaped or cut: what is pinned
must be what you checked.

` + connUsage,
	run: runSigners,
}

func runSigners(e *env, args []string) error {
	fs := newFlagSet("signers")
	asJSON := fs.Bool("json", false, "")
	save := pathFlag(fs, "save")
	cf := addConnFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var saveTo *outFile
	if *save != "" {
		o, err := createOut(*save, "--save", 0o600)
		if err != nil {
			return err
		}
		defer o.discard()
		saveTo = o
	}
	c, ctx, stop, err := cf.connect(e, false)
	if err != nil {
		return err
	}
	defer stop()
	list, err := c.Signers.List(ctx)
	if err != nil {
		return err
	}
	b, err := marshalBody(list)
	if err != nil {
		return err
	}
	// A listing is saved only when what is saved is what is printed: IDs
	// that print escaped could be told apart only by reading the escapes,
	// and a listing that is not printed in full cannot be checked at all
	// (see docs/threat-model.md §3). It is printed either way.
	var refuseSave error
	if saveTo != nil {
		refuseSave = savable(list)
	}
	if *asJSON {
		if _, err := e.stdout.Write(safetext.JSON(b)); err != nil {
			return err
		}
	} else if err := printSigners(e, list); err != nil {
		if saveTo != nil {
			return fmt.Errorf("%w; nothing was saved to %s", err, *save)
		}
		return err
	}
	if saveTo == nil {
		return nil
	}
	if refuseSave != nil {
		return fmt.Errorf("%w; nothing was saved to %s", refuseSave, *save)
	}
	if err := saveTo.write(b); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "saved to %s: check the fingerprints below out of band before pinning it with --pinned-signers\n", *save)
	return nil
}

// printSigners prints the listing, one line per cluster and three per
// signer (ID, encryption key, fingerprint): every ID from the API is escaped and bounded (safetext.Text), so
// that no cluster ID can add, hide or rewrite a line.
func printSigners(e *env, list *signers.ListResponse) error {
	if len(list.Clusters) == 0 {
		return errors.New("the API lists no signing cluster")
	}
	for _, cl := range list.Clusters {
		sorted, err := signers.Sort(cl.Signers)
		if err != nil {
			return fmt.Errorf("cluster %s: %w", safetext.Text(cl.ClusterID), err)
		}
		fmt.Fprintf(e.stdout, "cluster %s: %d signers\n", safetext.Text(cl.ClusterID), len(sorted))
		for i, s := range sorted {
			// Three lines a signer, within 80 columns: the fingerprint is
			// compared out of band, so it is never shortened.
			fmt.Fprintf(e.stdout, "%3d signer      %s\n    key         %s\n    fingerprint %s\n", i+1, safetext.Text(s.SignerID), safetext.Text(s.EncryptionKey.String()), signers.Fingerprint(s))
		}
	}
	return nil
}

// savable reports why a listing cannot be saved for pinning: a cluster
// that does not validate, or an ID or key that does not print as itself.
func savable(list *signers.ListResponse) error {
	if len(list.Clusters) == 0 {
		return errors.New("the API lists no signing cluster")
	}
	for _, cl := range list.Clusters {
		if !safetext.Clean(cl.ClusterID) {
			return fmt.Errorf("refusing to save the listing: cluster ID %s holds characters that do not print as themselves (control, invisible or format characters, or a backslash; shown escaped) or is longer than %d characters, so the listing saved could differ from the one printed; real Dfns cluster IDs are plain text: the API may be tampered with (see docs/threat-model.md §3)", safetext.Text(cl.ClusterID), safetext.MaxLen)
		}
		if _, err := signers.Sort(cl.Signers); err != nil {
			return fmt.Errorf("refusing to save the listing: cluster %s: %w", safetext.Text(cl.ClusterID), err)
		}
		for _, s := range cl.Signers {
			if !safetext.Clean(s.SignerID) || !safetext.Clean(s.EncryptionKey) {
				return fmt.Errorf("refusing to save the listing: signer %s of cluster %s has an ID or key that does not print as itself (see docs/threat-model.md §3)", safetext.Text(s.SignerID), safetext.Text(cl.ClusterID))
			}
		}
	}
	return nil
}
