package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/auth"
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
  --auth-token-file FILE  file holding the token; DFNS_AUTH_TOKEN holds the token itself
  --cred-id ID            DFNS_CRED_ID: the credential that signs user actions
  --private-key FILE      PEM file of that credential; DFNS_PRIVATE_KEY holds a PEM
                          string or the path of a PEM file
`

func addConnFlags(fs *flag.FlagSet) *connFlags {
	return &connFlags{
		apiURL:     fs.String("api-url", "", ""),
		tokenFile:  fs.String("auth-token-file", "", ""),
		credID:     fs.String("cred-id", "", ""),
		privateKey: fs.String("private-key", "", ""),
	}
}

// client builds an API client from flags and environment. withSigner asks
// for the user-action signer too (imports and exports need it).
func (cf *connFlags) client(e *env, withSigner bool) (*dfnskeys.Client, error) {
	opts := []dfnskeys.Option{dfnskeys.WithUserAgent("dfnskeys-cli/" + dfnskeys.Version)}
	if u := firstNonEmpty(*cf.apiURL, e.getenv("DFNS_API_URL")); u != "" {
		opts = append(opts, dfnskeys.WithBaseURL(u))
	}
	token := strings.TrimSpace(e.getenv("DFNS_AUTH_TOKEN"))
	if *cf.tokenFile != "" {
		b, err := readFileLimited(*cf.tokenFile, maxSecretFile, "--auth-token-file")
		if err != nil {
			return nil, err
		}
		token = strings.TrimSpace(string(b))
		clear(b)
	}
	if token == "" {
		return nil, usagef("no auth token: set DFNS_AUTH_TOKEN or pass --auth-token-file")
	}
	opts = append(opts, dfnskeys.WithAuthToken(token))
	if withSigner {
		s, err := cf.signer(e)
		if err != nil {
			return nil, err
		}
		opts = append(opts, dfnskeys.WithSigner(s))
	}
	return dfnskeys.NewClient(opts...)
}

func (cf *connFlags) signer(e *env) (auth.Signer, error) {
	credID := firstNonEmpty(*cf.credID, e.getenv("DFNS_CRED_ID"))
	if credID == "" {
		return nil, usagef("no credential: set DFNS_CRED_ID or pass --cred-id (imports, exports and proofs are signed user actions)")
	}
	var pemBytes []byte
	switch source := e.getenv("DFNS_PRIVATE_KEY"); {
	case *cf.privateKey != "":
		b, err := readFileLimited(*cf.privateKey, maxJSONFile, "--private-key")
		if err != nil {
			return nil, err
		}
		pemBytes = b
	case strings.Contains(source, "-----BEGIN"):
		pemBytes = []byte(strings.ReplaceAll(source, `\n`, "\n"))
	case source != "" && looksSecret(source):
		if _, err := os.Stat(source); err != nil {
			return nil, errors.New("DFNS_PRIVATE_KEY holds neither a PEM (-----BEGIN …) nor the path of a file; it looks like key material without its PEM armour (not shown): set it to the whole PEM, or to the path of a PEM file")
		}
		b, err := readFileLimited(source, maxJSONFile, "DFNS_PRIVATE_KEY file")
		if err != nil {
			return nil, err
		}
		pemBytes = b
	case source != "":
		b, err := readFileLimited(source, maxJSONFile, "DFNS_PRIVATE_KEY file")
		if err != nil {
			return nil, err
		}
		pemBytes = b
	default:
		return nil, usagef("no credential private key: set DFNS_PRIVATE_KEY (a PEM string or a PEM file's path) or pass --private-key FILE")
	}
	defer clear(pemBytes)
	return auth.NewKeySigner(credID, pemBytes)
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

// getenvOS is the default env.getenv.
func getenvOS(k string) string { return os.Getenv(k) }

var signersCommand = &command{
	name:    "signers",
	summary: "list the signing clusters, their signers and key fingerprints",
	usage: `Usage: dfnskeys signers [--json] [--save FILE] [connection flags]

Calls GET /signers and prints each cluster with its signers in share order
(ascending decoded signer ID, the order key shares are assigned in), each
with its encryption key and fingerprint: the SHA-256 of the key's bytes, all
64 hex digits. --json prints the response as it came. --save FILE also writes
the response to FILE (a new file) for --pinned-signers: compare its
fingerprints with ones obtained out of band (from Dfns, or from another
network) before pinning it.

` + connUsage,
	run: runSigners,
}

func runSigners(e *env, args []string) error {
	fs := newFlagSet("signers")
	asJSON := fs.Bool("json", false, "")
	save := fs.String("save", "", "")
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
	c, err := cf.client(e, false)
	if err != nil {
		return err
	}
	ctx, stop := e.context()
	defer stop()
	list, err := c.Signers.List(ctx)
	if err != nil {
		return err
	}
	b, err := marshalBody(list)
	if err != nil {
		return err
	}
	if *save != "" {
		for _, cl := range list.Clusters {
			if _, err := signers.Sort(cl.Signers); err != nil {
				return fmt.Errorf("cluster %s: %w; nothing was saved", cl.ClusterID, err)
			}
		}
		if err := saveTo.write(b); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "saved to %s: check the fingerprints below out of band before pinning it with --pinned-signers\n", *save)
	}
	if *asJSON {
		_, err = e.stdout.Write(b)
		return err
	}
	if len(list.Clusters) == 0 {
		return errors.New("the API lists no signing cluster")
	}
	for _, cl := range list.Clusters {
		sorted, err := signers.Sort(cl.Signers)
		if err != nil {
			return fmt.Errorf("cluster %s: %w", cl.ClusterID, err)
		}
		fmt.Fprintf(e.stdout, "cluster %s: %d signers\n", cl.ClusterID, len(sorted))
		for i, s := range sorted {
			fmt.Fprintf(e.stdout, "  %d  %s  key %s  fingerprint %s\n", i+1, s.SignerID, s.EncryptionKey, signers.Fingerprint(s))
		}
	}
	return nil
}
