// Command delegated imports a key with delegated signing: the service
// holds no credential; its signer hands each user-action challenge to
// someone else (an end user's passkey, an HSM, an approver's device) and
// waits for their assertion, and ImportKey does the rest.
//
//	go run ./examples/delegated
//
// It uses DFNS_API_URL, DFNS_AUTH_TOKEN, DFNS_CRED_ID and DFNS_PRIVATE_KEY,
// or an embedded simulator when DFNS_API_URL is not set. Here the
// "delegate" is the configured credential, signing in another function.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/dfnskeys/dfnskeys"

	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/dfnstest"
	"github.com/dfnskeys/dfnskeys/keys"
)

func main() {
	url, token, delegate, stop, err := connect() // the service itself holds no credential
	if err != nil {
		log.Fatal(err)
	}
	defer stop()
	ctx := context.Background()

	// The service's signer relays each challenge to the delegate and
	// waits for the assertion: here over channels, in a real service
	// through whatever reaches the end user (a web page, a push message).
	challenges := make(chan *auth.UserActionChallenge)
	assertions := make(chan *auth.Assertion)
	go func() {
		for ch := range challenges {
			a, err := delegate.Sign(ctx, ch) // on the delegate's side
			if err != nil {
				log.Fatal(err)
			}
			assertions <- a
		}
	}()
	relay := relaySigner{challenges, assertions}
	client, err := dfnskeys.NewClient(dfnskeys.WithBaseURL(url), dfnskeys.WithAuthToken(token), dfnskeys.WithSigner(relay))
	if err != nil {
		log.Fatal(err)
	}

	key, err := keys.GeneratePrivateKey(keys.Secp256k1)
	if err != nil {
		log.Fatal(err)
	}
	defer key.Destroy()

	// ImportKey takes every step: it looks for the key, lists the signers,
	// builds the request, has the delegate sign the challenge bound to its
	// exact bytes, sends it and checks the key Dfns created.
	res, err := client.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Name: "delegated import"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("imported as %s with the delegate's signature (public key %s)\n", res.ID, res.PublicKey)
}

// relaySigner is a credential signer that hands each challenge to someone
// else and waits for their assertion.
type relaySigner struct {
	challenges chan<- *auth.UserActionChallenge
	assertions <-chan *auth.Assertion
}

// Sign sends the challenge to the delegate and returns their assertion.
func (r relaySigner) Sign(ctx context.Context, ch *auth.UserActionChallenge) (*auth.Assertion, error) {
	fmt.Println("user-action challenge sent to the delegate")
	select {
	case r.challenges <- ch:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case a := <-r.assertions:
		return a, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// connect returns the API's base URL and token (the service's; it holds
// no credential) and the delegate's signer: the Dfns account DFNS_API_URL,
// DFNS_AUTH_TOKEN, DFNS_CRED_ID and DFNS_PRIVATE_KEY (a PEM string or
// file) describe, or, when DFNS_API_URL is not set, an embedded simulator
// (dfnstest), which stop closes.
func connect() (url, token string, delegate auth.UserActionSigner, stop func(), err error) {
	url, token, credID, pem := os.Getenv("DFNS_API_URL"), os.Getenv("DFNS_AUTH_TOKEN"), os.Getenv("DFNS_CRED_ID"), []byte(nil)
	stop = func() {}
	if url == "" {
		srv, err := dfnstest.StartServer(dfnstest.Options{})
		if err != nil {
			return "", "", nil, nil, err
		}
		fmt.Fprintf(os.Stderr, "DFNS_API_URL is not set: using an embedded simulator at %s\n", srv.URL())
		url, token, credID, pem, stop = srv.URL(), srv.Token(), srv.CredentialID(), srv.CredentialPEM(), srv.Close
	} else if source := os.Getenv("DFNS_PRIVATE_KEY"); strings.Contains(source, "-----BEGIN") {
		pem = []byte(strings.ReplaceAll(source, `\n`, "\n"))
	} else if pem, err = os.ReadFile(source); err != nil {
		return "", "", nil, nil, fmt.Errorf("DFNS_PRIVATE_KEY is neither a PEM block nor a readable PEM file")
	}
	signer, err := auth.NewKeySigner(credID, pem)
	if err != nil {
		stop()
		return "", "", nil, nil, err
	}
	return url, token, signer, stop, nil
}
