package auth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"

	"github.com/dfnskeys/dfnskeys/auth"
)

// Example signs a user-action challenge with a Key credential and builds the
// body of POST /auth/action. The challenge would come from POST
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
	body, err := json.Marshal(auth.UserActionRequest{
		ChallengeIdentifier: challenge.ChallengeIdentifier,
		FirstFactor:         *assertion,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(body))

	// Output:
	// auth.KeySigner{credID: "cr-example", alg: Ed25519}
	// {"challengeIdentifier":"eyJhbGciOiJIUzI1NiJ9.e30.c2ln","firstFactor":{"kind":"Key","credentialAssertion":{"credId":"cr-example","clientData":"eyJ0eXBlIjoia2V5LmdldCIsImNoYWxsZW5nZSI6IlkyZ3RaWGhoYlhCc1pRIn0","signature":"vbXjKFd5T9abzg6cgDfkpoNl6K-TraIcciRiDvc72VgbiSAhAAeDEFOK8wPy8E9WAl4OGaIKsBO4t7H3KSH3Dw"}}}
}

// ExampleKeyClientData shows the exact bytes a Key credential signs.
func ExampleKeyClientData() {
	clientData, err := auth.KeyClientData(`a "quoted" <challenge>`)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(clientData))
	// Output:
	// {"type":"key.get","challenge":"a \"quoted\" <challenge>"}
}

// ExampleNewUserActionInitRequest builds the body of POST /auth/action/init
// for a key export.
func ExampleNewUserActionInitRequest() {
	body := []byte(`{"encryptionKey":"AQ…","supportedSchemes":[{"protocol":"CGGMP21","curve":"secp256k1"}]}`)
	req, err := auth.NewUserActionInitRequest("POST", "/keys/key-123/export", body)
	if err != nil {
		log.Fatal(err)
	}
	out, err := json.Marshal(req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output:
	// {"userActionPayload":"{\"encryptionKey\":\"AQ…\",\"supportedSchemes\":[{\"protocol\":\"CGGMP21\",\"curve\":\"secp256k1\"}]}","userActionHttpMethod":"POST","userActionHttpPath":"/keys/key-123/export","userActionServerKind":"Api"}
}
