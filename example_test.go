package dfnskeys_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"log"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/dfnstest"
	"github.com/dfnskeys/dfnskeys/keys"
)

// exampleClient starts a simulator and a client for its default user; a
// real program takes the URL, token and credential from its configuration.
func exampleClient() (*dfnstest.Server, *dfnskeys.Client) {
	srv, err := dfnstest.StartServer(dfnstest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	signer, err := auth.NewKeySigner(srv.CredentialID(), srv.CredentialPEM())
	if err != nil {
		log.Fatal(err)
	}
	c, err := dfnskeys.NewClient(
		dfnskeys.WithBaseURL(srv.URL()),
		dfnskeys.WithAuthToken(srv.Token()),
		dfnskeys.WithSigner(signer),
	)
	if err != nil {
		log.Fatal(err)
	}
	return srv, c
}

// Import a private key. The key is split and encrypted to the signers on
// this machine; Dfns reports the public key, which ImportKey checks against
// the one computed here.
func ExampleClient_ImportKey() {
	srv, c := exampleClient()
	defer srv.Close()

	raw, _ := hex.DecodeString("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
	key, err := keys.NewPrivateKey(keys.Secp256k1, raw)
	clear(raw)
	if err != nil {
		log.Fatal(err)
	}
	defer key.Destroy()

	imported, err := c.ImportKey(context.Background(), key, dfnskeys.ImportKeyOptions{Name: "treasury"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("imported:", imported.Imported, imported.Name, imported.Curve)
	fmt.Println("public key:", imported.PublicKey)

	// Importing the same key again finds the first import.
	again, err := c.ImportKey(context.Background(), key, dfnskeys.ImportKeyOptions{Name: "treasury"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("same key:", again.ID == imported.ID)
	// Output:
	// imported: true treasury secp256k1
	// public key: 024e3b81af9c2234cad09d679ce6035ed1392347ce64ce405f5dcd36228a25de6e
	// same key: true
}

// Export a key, checked against the public key the caller knows rather than
// the API's word for it.
func ExampleClient_ExportKey() {
	srv, c := exampleClient()
	defer srv.Close()

	seed, _ := hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	original, err := keys.NewPrivateKey(keys.Ed25519, seed)
	clear(seed)
	if err != nil {
		log.Fatal(err)
	}
	defer original.Destroy()
	imported, err := c.ImportKey(context.Background(), original, dfnskeys.ImportKeyOptions{})
	if err != nil {
		log.Fatal(err)
	}

	recovered, faulty, err := c.ExportKey(context.Background(), imported.ID, dfnskeys.ExportOptions{
		Expect: keys.ExpectPublicKey(original.PublicKey()),
	})
	if err != nil {
		log.Fatal(err) // a *keys.UnexpectedKeyError for another key
	}
	defer recovered.Destroy()
	for _, f := range faulty { // corrected shares: the key is right, but report them
		log.Printf("warning: %s", f)
	}
	fmt.Println("curve:", recovered.Curve())
	fmt.Println("same key:", recovered.Equal(original))
	k, err := c.Keys.Get(context.Background(), imported.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("exported:", k.Exported)
	// Output:
	// curve: ed25519
	// same key: true
	// exported: true
}
