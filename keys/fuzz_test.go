package keys_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/encryption"
	"github.com/dfnskeys/dfnskeys/keys"
)

// fuzzDecryptionKey decrypts the export responses in the seed corpus
// (testdata/fuzz/FuzzRecover), which were made by the simulated cluster.
const fuzzDecryptionKey = "AXMgwf7J9LooFC4tHjymA+l2h5IKdMFgiLLLa5GDkeG0"

func FuzzRecover(f *testing.F) {
	raw, err := os.ReadFile("testdata/dfns-docs-examples.json")
	if err != nil {
		f.Fatal(err)
	}
	var docs struct {
		Export json.RawMessage `json:"export_response"`
	}
	if err := json.Unmarshal(raw, &docs); err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(docs.Export))
	dk, err := encryption.ParseDecryptionKeyText([]byte(fuzzDecryptionKey))
	if err != nil {
		f.Fatal(err)
	}
	ctx := keys.NewExportContextFromDecryptionKey(dk)
	f.Fuzz(func(t *testing.T, body []byte) {
		var resp keys.ExportResponse
		if json.Unmarshal(body, &resp) != nil {
			return
		}
		k, _, err := ctx.Recover(context.Background(), &resp, keys.RecoverOptions{})
		if err != nil {
			return
		}
		if k.PublicKeyHex() != strings.ToLower(resp.PublicKey) {
			t.Fatalf("recovered a key whose public key %s is not the response's %s", k.PublicKeyHex(), resp.PublicKey)
		}
		if _, err := hex.DecodeString(resp.PublicKey); err != nil {
			t.Fatal("accepted a non-hex public key")
		}
	})
}
