// Command import imports a private key into Dfns with the API client.
//
//	go run ./examples/import < key.hex     # a secp256k1 key as hex on stdin
//	go run ./examples/import               # no stdin: a fresh random key
//
// It uses DFNS_API_URL, DFNS_AUTH_TOKEN, DFNS_CRED_ID and DFNS_PRIVATE_KEY,
// or an embedded simulator when DFNS_API_URL is not set.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/dfnstest"
	"github.com/dfnskeys/dfnskeys/keys"
)

func main() {
	client, _, stop, err := connect()
	if err != nil {
		log.Fatal(err)
	}
	defer stop()

	raw, err := readKey()
	if err != nil {
		log.Fatal(err)
	}
	key, err := keys.NewPrivateKey(keys.Secp256k1, raw)
	clear(raw)
	if err != nil {
		log.Fatal(err)
	}
	defer key.Destroy()
	addrs, err := address.ForKey(key.Curve(), key.PublicKey())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("importing the key of Ethereum address", addrs.Ethereum)

	created, err := client.ImportKey(context.Background(), key, dfnskeys.ImportKeyOptions{Name: "example import"})
	if err != nil {
		log.Fatal(err) // an *AmbiguousError says whether to look again
	}
	what := "already held by Dfns as"
	if created.Created {
		what = "imported as"
	}
	fmt.Printf("%s %s (%s %s), public key %s\n", what, created.ID, created.Scheme, created.Curve, created.PublicKey)
}

// readKey reads hex from a piped stdin, or makes a random key.
func readKey() ([]byte, error) {
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice == 0 {
		text, err := io.ReadAll(io.LimitReader(os.Stdin, 4096))
		if err != nil {
			return nil, err
		}
		defer clear(text)
		if s := strings.TrimPrefix(strings.TrimSpace(string(text)), "0x"); s != "" {
			return hex.DecodeString(s)
		}
	}
	b := make([]byte, 32)
	_, err := rand.Read(b)
	return b, err
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
