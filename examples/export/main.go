// Command export exports a key from Dfns with the API client and prints its
// public key and address (never the private key).
//
//	go run ./examples/export KEY_ID [EXPECTED_PUBLIC_KEY_OR_ADDRESS]
//
// With the second argument (the key's public key as hex, or one of its
// addresses), the export is bound to that key: an API answering for
// another key is refused, before the export when it can be (see
// docs/threat-model.md §2). Without it the key is checked only against the
// public key the API reports, and the example says so.
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
	"github.com/dfnskeys/dfnskeys/dfnstest"
	"github.com/dfnskeys/dfnskeys/keys"
)

func main() {
	client, simulated, stop, err := connect()
	if err != nil {
		log.Fatal(err)
	}
	defer stop()
	ctx := context.Background()

	var keyID string
	switch {
	case len(os.Args) == 2 || len(os.Args) == 3:
		keyID = os.Args[1]
	case simulated:
		keyID = createNative(ctx, client)
	default:
		log.Fatal("usage: go run ./examples/export KEY_ID [EXPECTED_PUBLIC_KEY_OR_ADDRESS]")
	}
	var opts dfnskeys.ExportOptions
	if len(os.Args) == 3 {
		if opts.Expect, err = keys.ParseExpectedPublicKey(os.Args[2]); err != nil {
			if opts.Expect, err = address.Expect(os.Args[2]); err != nil {
				log.Fatal("the expected key is neither a public key (hex) nor an address: ", err)
			}
		}
	}

	key, faulty, err := client.ExportKey(ctx, keyID, opts) // decrypted, recombined, checked
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range faulty { // the key is right; these signers sent bad shares
		log.Printf("warning: %s", f)
	}
	defer key.Destroy()
	addrs, err := address.ForKey(key.Curve(), key.PublicKey())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("exported %s: %s key, public key %s\n", keyID, key.Curve(), key.PublicKeyHex())
	if opts.Expect == nil {
		fmt.Println("note: checked only against the public key the API reports; give the expected public key or address to bind the export to the key you know")
	}
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

// connect returns a client for the Dfns account that DFNS_API_URL,
// DFNS_AUTH_TOKEN, DFNS_CRED_ID and DFNS_PRIVATE_KEY describe, or, when
// DFNS_API_URL is not set, for an embedded simulator (dfnstest), which
// stop closes.
func connect() (c *dfnskeys.Client, simulated bool, stop func(), err error) {
	if os.Getenv("DFNS_API_URL") != "" {
		c, err := dfnskeys.NewClientFromEnv()
		return c, false, func() {}, err
	}
	srv, err := dfnstest.StartServer(dfnstest.Options{})
	if err != nil {
		return nil, false, nil, err
	}
	fmt.Fprintf(os.Stderr, "DFNS_API_URL is not set: using an embedded simulator at %s\n", srv.URL())
	return srv.Client(), true, srv.Close, nil
}
