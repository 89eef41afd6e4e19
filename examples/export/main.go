// Command export exports a key from Dfns with the API client and prints its
// public key and address (never the private key).
//
//	go run ./examples/export KEY_ID
//
// It uses DFNS_API_URL, DFNS_AUTH_TOKEN, DFNS_CRED_ID and DFNS_PRIVATE_KEY.
// Without DFNS_API_URL it starts an embedded simulator, has it create a key
// itself, as Dfns does for the keys it makes (an ECDSA key, so a CGGMP24
// key), and exports that one. Dfns by default stops signing with an exported
// key.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/internal/exampleenv"
	"github.com/dfnskeys/dfnskeys/keys"
)

func main() {
	env, err := exampleenv.New(true)
	if err != nil {
		log.Fatal(err)
	}
	defer env.Close()
	ctx := context.Background()

	var keyID string
	switch {
	case len(os.Args) == 2:
		keyID = os.Args[1]
	case env.Simulated:
		keyID = createNative(ctx, env.Client)
	default:
		log.Fatal("usage: go run ./examples/export KEY_ID")
	}

	key, err := env.Client.ExportKey(ctx, keyID) // decrypted, recombined, checked
	if err != nil {
		log.Fatal(err)
	}
	defer key.Destroy()
	addrs, err := address.ForKey(key.Curve(), key.PublicKey())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("exported %s: %s key, public key %s\n", keyID, key.Curve(), key.PublicKeyHex())
	for _, a := range addrs.List() {
		fmt.Printf("  %s: %s\n", a.Kind, a.Address)
	}
	fmt.Println("printing the key itself shows only:", key)
}

func createNative(ctx context.Context, c *dfnskeys.Client) string {
	created, err := c.Keys.Create(ctx, &keys.CreateRequest{Scheme: "ECDSA", Curve: keys.Secp256k1, Name: "example export"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("the simulator created a key itself (CGGMP24, never imported):", created.ID)
	return created.ID
}
