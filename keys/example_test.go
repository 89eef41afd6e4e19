package keys_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/dfnstest"
	"github.com/dfnskeys/dfnskeys/keys"
)

// Split a key into an import request. A simulated Dfns with a five-signer
// cluster stands in for the response of GET /signers; its signers decrypt
// and validate their shares exactly as Dfns signers do.
func Example_import() {
	srv, err := dfnstest.StartServer(dfnstest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	raw, _ := hex.DecodeString("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
	key, err := keys.NewPrivateKey(keys.Secp256k1, raw)
	clear(raw)
	if err != nil {
		log.Fatal(err)
	}
	defer key.Destroy()

	// Offline: a saved GET /signers answer is all the plan needs.
	target, err := dfnskeys.NewImportTarget(srv.Signers(), "", nil)
	if err != nil {
		log.Fatal(err)
	}
	plan, err := target.Plan(key, dfnskeys.ImportKeyOptions{Name: "treasury"})
	if err != nil {
		log.Fatal(err)
	}
	req := plan.Request
	body, _ := json.Marshal(req) // POST /keys/import, as a signed user action
	fmt.Println(req.Protocol, req.Curve, "minSigners:", req.MinSigners, "shares:", len(req.EncryptedKeyShares))
	fmt.Println("holds the key in the clear:", bytes.Contains(body, []byte("4c0883a6")))
	fmt.Println("public key:", key.PublicKeyHex())

	// Online: the signers check their shares.
	res, err := srv.Client().SendImport(context.Background(), plan)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signers agree:", res.Key.PublicKey == key.PublicKeyHex())
	// Output:
	// CGGMP24 secp256k1 minSigners: 3 shares: 5
	// holds the key in the clear: false
	// public key: 024e3b81af9c2234cad09d679ce6035ed1392347ce64ce405f5dcd36228a25de6e
	// signers agree: true
}

// Recover a key from an export response. The context's encryption key goes
// into POST /keys/{keyId}/export; the response holds one encrypted share per
// signer.
func ExampleExportContext_Recover() {
	srv, err := dfnstest.StartServer(dfnstest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c := srv.Client()
	seed, _ := hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	original, err := keys.NewPrivateKey(keys.Ed25519, seed)
	if err != nil {
		log.Fatal(err)
	}
	imported, err := c.ImportKey(context.Background(), original, dfnskeys.ImportKeyOptions{})
	if err != nil {
		log.Fatal(err)
	}

	ctx, err := keys.NewExportContext()
	if err != nil {
		log.Fatal(err)
	}
	defer ctx.Destroy()
	plan, err := c.PlanExport(context.Background(), imported.Key.ID, dfnskeys.ExportOptions{})
	if err != nil {
		log.Fatal(err)
	}
	doc, err := c.SendExportRequest(context.Background(), plan, &dfnskeys.ExportRequestDocument{Request: ctx.Request()})
	if err != nil {
		log.Fatal(err)
	}
	resp := doc.Response // the API's answer, its shares still encrypted
	key, faulty, err := ctx.Recover(context.Background(), resp, keys.RecoverOptions{Expect: keys.ExpectPublicKey(original.PublicKey())})
	if err != nil {
		log.Fatal(err) // a *keys.RecoveryError names the faulty signers
	}
	defer key.Destroy()
	for _, f := range faulty { // corrected: the key is right, but report them
		log.Printf("warning: %s", f)
	}
	fmt.Println(resp.Protocol, key.Curve(), key.PublicKeyHex())
	fmt.Println("same key:", key.Equal(original))
	fmt.Printf("%v\n", key) // secrets never print
	// Output:
	// FROST ed25519 d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a
	// same key: true
	// keys.PrivateKey{curve: ed25519, publicKey: d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a, secret: REDACTED}
}
