package authwire_test

import (
	"encoding/json"
	"fmt"
	"log"

	"github.com/dfnskeys/dfnskeys/internal/authwire"
)

// ExampleNewUserActionInitRequest builds the body of POST /auth/action/init
// for a key export.
func ExampleNewUserActionInitRequest() {
	body := []byte(`{"encryptionKey":"AQ…","supportedSchemes":[{"protocol":"CGGMP21","curve":"secp256k1"}]}`)
	req, err := authwire.NewUserActionInitRequest("POST", "/keys/key-123/export", body)
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
