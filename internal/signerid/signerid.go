// Package signerid decodes the signer IDs of GET /signers and export
// responses (docs/protocol.md §5), for packages signers and keys.
package signerid

import (
	"encoding/base64"
	"fmt"

	"github.com/dfnskeys/dfnskeys/internal/safetext"
)

// MaxSigners is the largest cluster dfnskeys accepts.
const MaxSigners = 256

// Decode decodes a signer ID: standard padded base64 of 1 to 64 bytes.
func Decode(id string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(id)
	if err != nil {
		return nil, fmt.Errorf("signer ID \"%s\" is not standard padded base64", safetext.TextN(id, 100))
	}
	if len(b) == 0 || len(b) > 64 {
		return nil, fmt.Errorf("signer ID \"%s\" decodes to %d bytes, want 1 to 64", safetext.TextN(id, 100), len(b))
	}
	return b, nil
}
