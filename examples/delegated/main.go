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

	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/exampleenv"
	"github.com/dfnskeys/dfnskeys/keys"
)

func main() {
	env, err := exampleenv.New(false) // the service itself holds no credential
	if err != nil {
		log.Fatal(err)
	}
	defer env.Close()
	ctx := context.Background()

	key, err := keys.GeneratePrivateKey(keys.Secp256k1)
	if err != nil {
		log.Fatal(err)
	}
	defer key.Destroy()

	// 1. The service builds the request offline and asks for a challenge
	//    bound to its exact bytes.
	list, err := env.Client.Signers.List(ctx)
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
	pending, err := env.Client.Keys.PrepareImport(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("challenge for %s %s (%d-byte body) sent to the delegate\n", pending.Method, pending.Path, len(pending.Body))

	// 2. The delegate signs the challenge wherever the credential lives.
	assertion, err := delegateSigns(ctx, env.Signer, pending.Challenge)
	if err != nil {
		log.Fatal(err)
	}

	// 3. The service completes the action with exactly the prepared bytes.
	created, err := env.Client.Keys.CompleteImport(ctx, pending, assertion)
	if err != nil {
		log.Fatal(err)
	}
	if created.PublicKey != key.PublicKeyHex() {
		log.Fatalf("Dfns reports public key %s, expected %s", created.PublicKey, key.PublicKeyHex())
	}
	fmt.Printf("imported as %s with the delegate's signature\n", created.ID)
}

func delegateSigns(ctx context.Context, s auth.Signer, ch *auth.UserActionChallenge) (*auth.Assertion, error) {
	return s.Sign(ctx, ch)
}
