package auth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"

	"github.com/dfnskeys/dfnskeys/auth"
)

// Example signs a user-action challenge with a Key credential: the assertion
// is the firstFactor of POST /auth/action, which the client sends. The challenge would come from POST
// /auth/action/init; Ed25519 signatures are deterministic, so the output is
// stable.
func Example() {
	pemBytes, err := os.ReadFile("testdata/ed25519_pkcs8.pem")
	if err != nil {
		log.Fatal(err)
	}
	signer, err := auth.NewKeySigner("cr-example", pemBytes)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(signer) // never prints key material

	var challenge auth.UserActionChallenge
	err = json.Unmarshal([]byte(`{
		"challenge": "Y2gtZXhhbXBsZQ",
		"challengeIdentifier": "eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
		"allowCredentials": {"key": [{"type": "public-key", "id": "cr-example"}], "webauthn": []}
	}`), &challenge)
	if err != nil {
		log.Fatal(err)
	}

	assertion, err := signer.Sign(context.Background(), &challenge)
	if err != nil {
		log.Fatal(err)
	}
	body, err := json.Marshal(assertion)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(body))

	// Output:
	// auth.KeySigner{credID: "cr-example", alg: Ed25519}
	// {"kind":"Key","credentialAssertion":{"credId":"cr-example","clientData":"eyJ0eXBlIjoia2V5LmdldCIsImNoYWxsZW5nZSI6IlkyZ3RaWGhoYlhCc1pRIn0","signature":"vbXjKFd5T9abzg6cgDfkpoNl6K-TraIcciRiDvc72VgbiSAhAAeDEFOK8wPy8E9WAl4OGaIKsBO4t7H3KSH3Dw"}}
}
