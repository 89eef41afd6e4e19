package dfnskeys

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/dfnskeys/dfnskeys/signatures"
)

// Sign calls POST /keys/{keyId}/signatures (permission
// Keys:Signatures:Create; a user action): Dfns signs with the key. The
// answer is usually Pending; poll [KeysService.GetSignature] until it is
// Signed (or Confirmed), Failed or Rejected. [Client.ProveKey] does it all
// and verifies the signature.
//
// With an ExternalID, Dfns's idempotency key, the request is retried on a
// 5xx or a lost answer as well as on a 429 or a refused connection, each
// time with the same body and a fresh user action: Dfns answers a repeated
// externalId with the request it made first. Without one, a failure after
// sending is returned as an ambiguous error (errors.Is(err, ErrAmbiguous)).
func (s *KeysService) Sign(ctx context.Context, keyID string, req *signatures.SignRequest) (*signatures.Request, error) {
	p, err := idPath("/keys/", keyID, "/signatures")
	if err != nil {
		return nil, err
	}
	var out signatures.Request
	cl, err := newCall(http.MethodPost, p, req, &out)
	if err != nil {
		return nil, err
	}
	cl.userAction = true
	cl.idempotent = req != nil && req.ExternalID != ""
	if err := s.c.do(ctx, cl); err != nil {
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

// listSignatures calls GET /keys/{keyId}/signatures?limit=&paginationToken=
// (permission Keys:Signatures:Read) and returns one page of the key's
// signature requests. opts may be nil.
func (s *KeysService) listSignatures(ctx context.Context, keyID string, opts *ListOptions) (*signatures.ListResponse, error) {
	p, err := idPath("/keys/", keyID, "/signatures")
	if err != nil {
		return nil, err
	}
	var out signatures.ListResponse
	cl, _ := newCall(http.MethodGet, p, nil, &out)
	if opts != nil {
		cl.query = url.Values{}
		if opts.Limit > 0 {
			cl.query.Set("limit", strconv.Itoa(opts.Limit))
		}
		if opts.PaginationToken != "" {
			cl.query.Set("paginationToken", opts.PaginationToken)
		}
	}
	if err := s.c.do(ctx, cl); err != nil {
		return nil, err
	}
	return &out, nil
}

// FindSignature returns the key's signature request with the given
// externalId, or nil when Dfns lists none: it pages through the key's
// signature requests (GET /keys/{keyId}/signatures, permission
// Keys:Signatures:Read), bounded as [KeysService.All] is.
func (s *KeysService) FindSignature(ctx context.Context, keyID, externalID string) (*signatures.Request, error) {
	if externalID == "" {
		return nil, fmt.Errorf("no externalId to look for")
	}
	opts := &ListOptions{Limit: 100}
	seen := map[string]bool{}
	for pages := 1; ; pages++ {
		if pages > maxListPages {
			return nil, fmt.Errorf("%w: GET /keys/%s/signatures: still more signature requests after %d pages; stopping", errDecode, keyID, maxListPages)
		}
		page, err := s.listSignatures(ctx, keyID, opts)
		if err != nil {
			return nil, err
		}
		for i := range page.Items {
			if page.Items[i].ExternalID == externalID {
				return &page.Items[i], nil
			}
		}
		if page.NextPageToken == "" {
			return nil, nil
		}
		if seen[page.NextPageToken] {
			return nil, fmt.Errorf("%w: GET /keys/%s/signatures returned the pagination token %s twice", errDecode, safe(keyID), safe(page.NextPageToken))
		}
		seen[page.NextPageToken] = true
		opts.PaginationToken = page.NextPageToken
	}
}
