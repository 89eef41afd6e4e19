package dfnskeys

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/proof"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signatures"
)

// FuzzCheckSignatureRequest feeds hostile signature request bodies (as a
// server could answer a proof) to the checks ProveKey applies: they never
// panic, and a request naming another key, another externalId or another
// hash is never accepted.
func FuzzCheckSignatureRequest(f *testing.F) {
	f.Add([]byte(`{"id":"sig-1","keyId":"key-1","status":"Signed","externalId":"e","requestBody":{"kind":"Hash","hash":"0x11"}}`))
	f.Add([]byte(`{"id":"sig-1","keyId":"key-2"}`))
	f.Add([]byte(`{"id":"","requestBody":{"kind":"Hash","hash":"0x11","taprootMerkleRoot":""}}`))
	f.Add([]byte(`{"items":[{"id":"sig-1"}],"nextPageToken":"x"}`))
	scheme := keys.Scheme{Protocol: keys.CGGMP24, Curve: keys.Secp256k1}
	body := signatures.NewSignRequest(scheme, proof.Hash(keys.Secp256k1, "e"))
	body.ExternalID = "e"
	f.Fuzz(func(t *testing.T, data []byte) {
		var r signatures.Request
		if json.Unmarshal(data, &r) != nil {
			var page signatures.ListResponse
			_ = json.Unmarshal(data, &page)
			return
		}
		err := checkRequest(&r, "key-1", body)
		if err != nil {
			return
		}
		switch {
		case r.ID == "":
			t.Fatal("a request without an ID was accepted")
		case r.KeyID != "" && r.KeyID != "key-1":
			t.Fatalf("another key's request was accepted: %q", r.KeyID)
		case r.ExternalID != "" && r.ExternalID != "e":
			t.Fatalf("another externalId was accepted: %q", r.ExternalID)
		case r.RequestBody != nil && !strings.EqualFold(r.RequestBody.Hash, body.Hash):
			t.Fatalf("another hash was accepted: %q", r.RequestBody.Hash)
		}
	})
}
