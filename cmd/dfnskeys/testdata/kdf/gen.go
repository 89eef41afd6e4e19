//go:build ignore

// gen.go writes the eight keystores TestBulkImportKDFMemoryIndependentOfWorkers
// imports: fresh secp256k1 keys, each encrypted with the password
// "costly but allowed" under scrypt n = 2^19, r = 8, p = 1 (512 MiB, the
// most keyformat accepts). They are made once and committed so that the
// test derives nothing itself: under -race one derivation in the test
// process took longer than the whole import. Run from this directory:
//
//	go run gen.go
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/dfnskeys/dfnskeys/keyformat"
	"github.com/dfnskeys/dfnskeys/keys"
)

func main() {
	for i := range 8 {
		k, err := keys.GeneratePrivateKey(keys.Secp256k1)
		if err != nil {
			log.Fatal(err)
		}
		b, err := keyformat.Encode(keyformat.Keystore, k, keyformat.EncodeOptions{
			Password: []byte("costly but allowed"),
			Keystore: keyformat.KeystoreOptions{KDF: "scrypt", ScryptN: 1 << 19, ScryptR: 8, ScryptP: 1},
		})
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(fmt.Sprintf("k%d.json", i), b, 0o644); err != nil {
			log.Fatal(err)
		}
		k.Destroy()
	}
}
