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
	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// Split a key into an import request. A simulated five-signer cluster stands
// in for the response of GET /signers; its signers decrypt and validate
// their shares exactly as Dfns signers do.
func Example_import() {
	cluster, err := dfnstest.NewCluster(5)
	if err != nil {
		log.Fatal(err)
	}

	raw, _ := hex.DecodeString("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
	key, err := keys.NewPrivateKey(keys.Secp256k1, raw)
	clear(raw)
	if err != nil {
		log.Fatal(err)
	}
	defer key.Destroy()

	target, err := dfnskeys.NewImportTarget(&signers.ListResponse{Clusters: []signers.Cluster{{ClusterID: cluster.ID, Signers: cluster.Signers()}}}, "", nil)
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

	stored, err := cluster.Import(req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signers agree:", hex.EncodeToString(stored.PublicKey) == key.PublicKeyHex())
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
	cluster, err := dfnstest.NewCluster(5)
	if err != nil {
		log.Fatal(err)
	}
	seed, _ := hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	original, err := keys.NewPrivateKey(keys.Ed25519, seed)
	if err != nil {
		log.Fatal(err)
	}
	req, err := importbuild.Request(original, cluster.Signers(), importbuild.Options{})
	if err != nil {
		log.Fatal(err)
	}
	stored, err := cluster.Import(req)
	if err != nil {
		log.Fatal(err)
	}

	ctx, err := keys.NewExportContext()
	if err != nil {
		log.Fatal(err)
	}
	defer ctx.Destroy()
	resp, err := cluster.Export(stored, ctx.Request()) // the API's answer
	if err != nil {
		log.Fatal(err)
	}
	key, faulty, err := ctx.Recover(context.Background(), resp, keys.RecoverOptions{})
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
