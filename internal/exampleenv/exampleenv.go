// Package exampleenv gives the programs under examples/ a Dfns client: the
// real API when DFNS_API_URL, DFNS_AUTH_TOKEN, DFNS_CRED_ID and
// DFNS_PRIVATE_KEY are set, an embedded simulator otherwise.
package exampleenv

import (
	"fmt"
	"os"
	"strings"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/testutil"
)

// Env is a configured client and the credential signer behind it.
type Env struct {
	// Client is the API client.
	Client *dfnskeys.Client
	// Signer signs user actions for the configured credential.
	Signer *auth.KeySigner
	// Simulated reports whether the embedded simulator is in use.
	Simulated bool
	close     func()
}

// Close stops the embedded simulator, if any.
func (e *Env) Close() {
	if e.close != nil {
		e.close()
	}
}

// New returns a client for the environment's Dfns account, or for an
// embedded simulator when DFNS_API_URL is not set. withSigner=false leaves
// the client without a signer (for delegated signing).
func New(withSigner bool) (*Env, error) {
	url := os.Getenv("DFNS_API_URL")
	if url == "" {
		srv, err := testutil.StartServer()
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "DFNS_API_URL is not set: using an embedded simulator at %s\n", srv.URL())
		e, err := build(srv.URL(), srv.Token(), srv.CredentialID(), srv.CredentialPEM(), withSigner)
		if err != nil {
			srv.Close()
			return nil, err
		}
		e.Simulated, e.close = true, srv.Close
		return e, nil
	}
	pemSource := os.Getenv("DFNS_PRIVATE_KEY")
	pem := []byte(strings.ReplaceAll(pemSource, `\n`, "\n"))
	if !strings.Contains(pemSource, "-----BEGIN") {
		b, err := os.ReadFile(pemSource)
		if err != nil {
			return nil, fmt.Errorf("DFNS_PRIVATE_KEY is neither a PEM string nor a readable PEM file: %w", err)
		}
		pem = b
	}
	return build(url, os.Getenv("DFNS_AUTH_TOKEN"), os.Getenv("DFNS_CRED_ID"), pem, withSigner)
}

func build(url, token, credID string, pem []byte, withSigner bool) (*Env, error) {
	signer, err := auth.NewKeySigner(credID, pem)
	if err != nil {
		return nil, err
	}
	opts := []dfnskeys.Option{dfnskeys.WithBaseURL(url), dfnskeys.WithAuthToken(token)}
	if withSigner {
		opts = append(opts, dfnskeys.WithSigner(signer))
	}
	c, err := dfnskeys.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	return &Env{Client: c, Signer: signer}, nil
}
