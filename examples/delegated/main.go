// Command delegated imports a key with delegated signing: the service
// prepares the request, someone else (an end user's passkey, an HSM, an
// approver's device) signs the challenge, and the service completes it.
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
	client, delegate, stop, err := connect() // the service itself holds no credential
	if err != nil {
		log.Fatal(err)
	}
	defer stop()
	ctx := context.Background()

	key, err := keys.GeneratePrivateKey(keys.Secp256k1)
	if err != nil {
		log.Fatal(err)
	}
	defer key.Destroy()

	// 1. The service builds the request offline and asks for a challenge
	//    bound to its exact bytes.
	list, err := client.Signers.List(ctx)
	if err != nil {
		log.Fatal(err)
	}
	cluster, err := list.Cluster("")
	if err != nil {
		log.Fatal(err)
	}
	req, err := keys.BuildImportRequest(key, cluster.Signers, keys.ImportOptions{Name: "delegated import"})
	if err != nil {
		log.Fatal(err)
	}
	pending, err := client.Keys.PrepareImport(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("challenge for %s %s (%d-byte body) sent to the delegate\n", pending.Method, pending.Path, len(pending.Body))

	// 2. The delegate signs the challenge wherever the credential lives.
	assertion, err := delegateSigns(ctx, delegate, pending.Challenge)
	if err != nil {
		log.Fatal(err)
	}

	// 3. The service completes the action with exactly the prepared bytes.
	created, err := client.Keys.CompleteImport(ctx, pending, assertion)
	if err != nil {
		log.Fatal(err)
	}
	if created.PublicKey != key.PublicKeyHex() {
		log.Fatalf("Dfns reports public key %s, expected %s", created.PublicKey, key.PublicKeyHex())
	}
	fmt.Printf("imported as %s with the delegate's signature\n", created.ID)
}

func delegateSigns(ctx context.Context, s auth.UserActionSigner, ch *auth.UserActionChallenge) (*auth.Assertion, error) {
	return s.Sign(ctx, ch)
}

// connect returns a client that holds no credential (the service's) and the
// delegate's signer: the Dfns account DFNS_API_URL, DFNS_AUTH_TOKEN,
// DFNS_CRED_ID and DFNS_PRIVATE_KEY (a PEM string or file) describe, or,
// when DFNS_API_URL is not set, an embedded simulator (dfnstest), which
// stop closes.
func connect() (c *dfnskeys.Client, delegate auth.UserActionSigner, stop func(), err error) {
	url, token, credID, pem := os.Getenv("DFNS_API_URL"), os.Getenv("DFNS_AUTH_TOKEN"), os.Getenv("DFNS_CRED_ID"), []byte(nil)
	stop = func() {}
	if url == "" {
		srv, err := dfnstest.StartServer()
		if err != nil {
			return nil, nil, nil, err
		}
		fmt.Fprintf(os.Stderr, "DFNS_API_URL is not set: using an embedded simulator at %s\n", srv.URL())
		url, token, credID, pem, stop = srv.URL(), srv.Token(), srv.CredentialID(), srv.CredentialPEM(), srv.Close
	} else if source := os.Getenv("DFNS_PRIVATE_KEY"); strings.Contains(source, "-----BEGIN") {
		pem = []byte(strings.ReplaceAll(source, `\n`, "\n"))
	} else if pem, err = os.ReadFile(source); err != nil {
		return nil, nil, nil, fmt.Errorf("DFNS_PRIVATE_KEY is neither a PEM block nor a readable PEM file")
	}
	signer, err := auth.NewKeySigner(credID, pem)
	if err == nil {
		c, err = dfnskeys.NewClient(dfnskeys.WithBaseURL(url), dfnskeys.WithAuthToken(token))
	}
	if err != nil {
		stop()
		return nil, nil, nil, err
	}
	return c, signer, stop, nil
}
