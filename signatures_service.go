package dfnskeys

import (
	"context"
	"net/http"

	"github.com/dfnskeys/dfnskeys/signatures"
)

// Sign calls POST /keys/{keyId}/signatures (permission
// Keys:Signatures:Create; a user action): Dfns signs with the key. The
// answer is usually Pending; poll [KeysService.GetSignature] until it is
// Signed, Failed or Rejected. [Client.ProveKey] does it all and verifies
// the signature.
func (s *KeysService) Sign(ctx context.Context, keyID string, req *signatures.SignRequest) (*signatures.Request, error) {
	p, err := idPath("/keys/", keyID, "/signatures")
	if err != nil {
		return nil, err
	}
	var out signatures.Request
	if err := s.c.mutate(ctx, http.MethodPost, p, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetSignature calls GET /keys/{keyId}/signatures/{signatureId}
// (permission Keys:Signatures:Read).
func (s *KeysService) GetSignature(ctx context.Context, keyID, signatureID string) (*signatures.Request, error) {
	p, err := idPath("/keys/", keyID, "/signatures/")
	if err != nil {
		return nil, err
	}
	p, err = idPath(p, signatureID, "")
	if err != nil {
		return nil, err
	}
	var out signatures.Request
	cl, _ := newCall(http.MethodGet, p, nil, &out)
	if err := s.c.do(ctx, cl); err != nil {
		return nil, err
	}
	return &out, nil
}
