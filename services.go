package dfnskeys

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// SignersService lists the signing clusters.
type SignersService struct{ c *Client }

// List calls GET /signers (permission Signers:ListSigners).
func (s *SignersService) List(ctx context.Context) (*signers.ListResponse, error) {
	var out signers.ListResponse
	cl, _ := newCall(http.MethodGet, "/signers", nil, &out)
	if err := s.c.do(ctx, cl); err != nil {
		return nil, err
	}
	return &out, nil
}

// KeysService calls the /keys endpoints.
type KeysService struct{ c *Client }

// importRequest calls POST /keys/import (permission Keys:Import; a user
// action). It does not check the returned key against the imported one and
// does not resolve an ambiguous failure: [Client.SendImport] does both.
func (s *KeysService) importRequest(ctx context.Context, req *keys.ImportRequest) (*keys.Key, error) {
	if req.MasterKey {
		return nil, keys.ErrMasterKey
	}
	var out keys.Key
	if err := s.c.mutate(ctx, http.MethodPost, "/keys/import", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Create calls POST /keys (permission Keys:Create; a user action): Dfns
// generates a new key in its cluster. Such a key was never imported; it
// can be exported like any other (see [Client.ExportKey]). A master key
// (req.MasterKey) is refused with [keys.ErrMasterKey], as on import. Like an import,
// a create has no idempotency key: after an ambiguous failure
// (errors.Is(err, ErrAmbiguous)) list the keys before trying again.
func (s *KeysService) Create(ctx context.Context, req *keys.CreateRequest) (*keys.Key, error) {
	if req == nil {
		return nil, errors.New("no create request")
	}
	if req.MasterKey {
		return nil, fmt.Errorf("creating a master key (masterKey: true) is refused, as on import, since dfnskeys could not export its chain code: %w", keys.ErrMasterKey)
	}
	var out keys.Key
	if err := s.c.mutate(ctx, http.MethodPost, "/keys", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// export calls POST /keys/{keyId}/export (permission Keys:Export; a user
// action). [Client.SendExport] recovers the key from the response.
func (s *KeysService) export(ctx context.Context, keyID string, req *keys.ExportRequest) (*keys.ExportResponse, error) {
	p, err := idPath("/keys/", keyID, "/export")
	if err != nil {
		return nil, err
	}
	var out keys.ExportResponse
	if err := s.c.mutate(ctx, http.MethodPost, p, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get calls GET /keys/{keyId} (permission Keys:Read).
func (s *KeysService) Get(ctx context.Context, keyID string) (*keys.Key, error) {
	p, err := idPath("/keys/", keyID, "")
	if err != nil {
		return nil, err
	}
	var out keys.Key
	cl, _ := newCall(http.MethodGet, p, nil, &out)
	if err := s.c.do(ctx, cl); err != nil {
		return nil, err
	}
	if out.ID != keyID {
		// An answer about another key is not an answer about this one
		// (docs/threat-model.md §1).
		return nil, fmt.Errorf("%w: GET /keys/%s answered with key %s", errDecode, safe(keyID), safe(out.ID))
	}
	return &out, nil
}

// ListOptions pages through GET /keys.
type ListOptions struct {
	// Limit is the page size; 0 lets the server choose.
	Limit int
	// PaginationToken is the NextPageToken of the previous page.
	PaginationToken string
	// Owner, when set, lists only the keys of this owner (a user ID or
	// username; the owner query of ListKeysQuery in @dfns/sdk 0.8.21).
	// [KeysService.FindSignature] does not use it.
	Owner string
}

// List calls GET /keys?limit=&paginationToken=&owner= (permission Keys:Read) and
// returns one page. The page is decoded as a stream and may hold at most
// 1,000 keys.
func (s *KeysService) List(ctx context.Context, opts *ListOptions) (*keys.ListResponse, error) {
	var out keys.ListResponse
	cl, _ := newCall(http.MethodGet, "/keys", nil, nil)
	cl.decode = func(r io.Reader) error {
		out = keys.ListResponse{} // a retried attempt starts over
		return decodeKeyPage(r, &out)
	}
	if opts != nil {
		cl.query = url.Values{}
		if opts.Limit > 0 {
			cl.query.Set("limit", strconv.Itoa(opts.Limit))
		}
		if opts.PaginationToken != "" {
			cl.query.Set("paginationToken", opts.PaginationToken)
		}
		if opts.Owner != "" {
			cl.query.Set("owner", opts.Owner)
		}
	}
	if err := s.c.do(ctx, cl); err != nil {
		return nil, err
	}
	return &out, nil
}

// All iterates over every key, fetching pages of the given size (0: the
// server's default) as it goes. Iteration stops after yielding an error.
// A listing is bounded: a pagination token seen twice, more than
// 20,000 pages, or more than 15 minutes (when ctx has no deadline of its
// own) is an error.
func (s *KeysService) All(ctx context.Context, pageSize int) iter.Seq2[*keys.Key, error] {
	return func(yield func(*keys.Key, error) bool) {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, listDeadline)
			defer cancel()
		}
		opts := &ListOptions{Limit: pageSize}
		seen := map[string]bool{}
		for pages := 1; ; pages++ {
			if pages > maxListPages {
				yield(nil, fmt.Errorf("%w: GET /keys: still more keys after %d pages; stopping (does the server keep returning a next page?)", errDecode, maxListPages))
				return
			}
			page, err := s.List(ctx, opts)
			if err != nil {
				yield(nil, err)
				return
			}
			for i := range page.Items {
				if !yield(&page.Items[i], nil) {
					return
				}
			}
			if page.NextPageToken == "" {
				return
			}
			if seen[page.NextPageToken] {
				yield(nil, fmt.Errorf("%w: GET /keys returned the pagination token %s twice", errDecode, quoted(page.NextPageToken)))
				return
			}
			seen[page.NextPageToken] = true
			opts.PaginationToken = page.NextPageToken
		}
	}
}

// ScanKeys lists the organisation's keys (GET /keys, every page) into the
// Client's index of imported keys, the one [Client.PlanImport] looks keys
// up in, handing each listed key to seen, and lists them again while
// pending (nil: never) reports true, as many times and as far apart as the
// client's [RetryPolicy] sets for lookups (LookupAttempts, LookupDelay
// doubling): a key whose import was sent can appear a moment after. A
// caller importing many keys (package bulk) scans once at its start and
// passes that time as [ImportKeyOptions.ListedSince], so that its imports
// do not list again. It returns the first error of a listing or of seen,
// or ctx's error if it ends while waiting.
func (c *Client) ScanKeys(ctx context.Context, seen func(*keys.Key) error, pending func() bool) error {
	if seen == nil {
		seen = func(*keys.Key) error { return nil }
	}
	looks, wait := c.retry.lookups()
	for i := 0; i < looks && (i == 0 || pending != nil && pending()); i++ {
		if i > 0 {
			if err := wait.Wait(ctx); err != nil {
				return err
			}
		}
		if err := c.index.scan(ctx, c.Keys, seen); err != nil {
			return err
		}
	}
	return nil
}

// findImported returns the imported key of the given scheme (protocol and
// curve) whose public key is publicKeyHex (compared case-insensitively) and
// that accept (nil: any) takes, or nil when there is none: the key with the
// same [keys.Identity]. Of several, an active key that was never exported
// comes first, then the most recently created. It lists every key: one
// GET /keys per page.
func (s *KeysService) findImported(ctx context.Context, scheme keys.Scheme, publicKeyHex string, accept func(*keys.Key) bool) (*keys.Key, error) {
	pub, err := hex.DecodeString(strings.TrimSpace(publicKeyHex))
	if err != nil || len(pub) == 0 {
		return nil, fmt.Errorf("the public key %s is not hex", quoted(publicKeyHex))
	}
	want := importbuild.Identity(scheme, pub)
	var best *keys.Key
	for k, err := range s.All(ctx, 500) {
		if err != nil {
			return nil, err
		}
		if !k.Imported || k.Identity() != want {
			continue
		}
		if accept != nil && !accept(k) {
			continue
		}
		if best == nil || preferKey(k, best) {
			best = k
		}
	}
	return best, nil
}

// preferKey reports whether a is a better answer than b to "which key is
// it": a usable key first, then the newest.
func preferKey(a, b *keys.Key) bool {
	if (a.Unusable() == "") != (b.Unusable() == "") {
		return a.Unusable() == ""
	}
	return a.DateCreated.After(b.DateCreated)
}

// importWalletRequest calls POST /wallets/import (permission
// Wallets:Import; a user action): a key import that also creates a wallet
// on req.Network. [Client.ImportWallet] checks and resolves it.
func (c *Client) importWalletRequest(ctx context.Context, req *importbuild.WalletRequest) (*keys.Wallet, error) {
	if req == nil || req.Network == "" {
		return nil, errors.New("a wallet import needs a network, for example \"EthereumSepolia\"")
	}
	if req.MasterKey {
		return nil, keys.ErrMasterKey
	}
	var out keys.Wallet
	if err := c.mutate(ctx, http.MethodPost, "/wallets/import", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// exportWalletRequest calls POST /wallets/{walletId}/export (permission
// Wallets:Export; a user action; deprecated by Dfns in favour of key
// export). [Client.ExportWallet] recovers the key from the response.
func (c *Client) exportWalletRequest(ctx context.Context, walletID string, req *keys.ExportRequest) (*keys.ExportResponse, error) {
	p, err := idPath("/wallets/", walletID, "/export")
	if err != nil {
		return nil, err
	}
	var out keys.ExportResponse
	if err := c.mutate(ctx, http.MethodPost, p, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) mutate(ctx context.Context, method, path string, body, out any) error {
	cl, err := newCall(method, path, body, out)
	if err != nil {
		return err
	}
	cl.userAction = true
	return c.do(ctx, cl)
}

// idPath builds prefix + escaped id + suffix, rejecting IDs that would
// change the path.
func idPath(prefix, id, suffix string) (string, error) {
	if id == "" || strings.ContainsAny(id, "/?#%\\") || strings.TrimSpace(id) != id || id == "." || id == ".." {
		return "", fmt.Errorf("%s is not a valid ID", quoted(id))
	}
	return prefix + url.PathEscape(id) + suffix, nil
}
