package dfnskeys

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dfnskeys/dfnskeys/internal/identfp"
	"github.com/dfnskeys/dfnskeys/keys"
)

// keyIndex is what a Client knows of the organisation's imported keys, so
// that [Client.ImportKey]'s check for an existing key does not list the
// whole organisation on every call.
//
// The first check lists every key (one GET /keys per 500). Later checks
// re-read only the tail: the last page seen and any page after it. That
// relies on GET /keys listing keys in creation order, new keys last, which
// the simulator does and Dfns's documentation does not say
// (docs/protocol.md §9). The guess is checked, and a wrong guess costs a
// full relisting, never a missed key of this Client's own:
//
//   - the re-read page must begin with the key it began with before;
//   - every key this Client imported since the last refresh must be listed
//     in the tail (its own imports are probes of the order);
//   - a pagination token the server no longer accepts, or any error while
//     reading the tail, restarts from the first page.
//
// Keys this Client imports go into the index at once, whatever the
// listing says, so they are never imported twice by it.
type keyIndex struct {
	mu sync.Mutex
	// built reports that a full listing has been made.
	built bool
	// refreshed is when the last refresh started: a call that began
	// before it need not refresh again (concurrent callers share one).
	refreshed time.Time
	byID      map[string]indexedKey
	byIdent   map[identFP][]string
	// tailToken fetches the last page seen ("" for the first page);
	// tailFirst is the ID of that page's first key.
	tailToken, tailFirst string
	// probes are the IDs of keys this Client imported since the last
	// refresh.
	probes []string
	// own are the keys this Client imported: kept through a relisting
	// that does not show them (yet).
	own map[string]keys.Key
}

// indexedKey is what the index keeps of a key: with its ID and the map
// entries about 180 bytes, so 100,000 keys take some 17 MiB (it was 35 MiB
// with the identity kept in full).
type indexedKey struct {
	ident   identFP
	created int64 // DateCreated, Unix nanoseconds
	usable  bool
}

// identFP is a key identity's fingerprint. A key the index finds by it is
// confirmed by GET /keys/{keyId} and compared in full before it is
// returned, so a collision could cost a request, never a wrong key.
type identFP = identfp.FP

var fingerprint = identfp.Of

// indexPageSize is the GET /keys page size of the index's listings.
const indexPageSize = 500

func (ix *keyIndex) put(k *keys.Key) {
	if !k.Imported || k.ID == "" {
		return
	}
	ident := fingerprint(k.Identity())
	entry := indexedKey{ident: ident, usable: k.Unusable() == ""}
	if !k.DateCreated.IsZero() {
		entry.created = k.DateCreated.UnixNano()
	}
	if old, ok := ix.byID[k.ID]; ok {
		if old.ident != ident {
			ix.drop(k.ID, old.ident)
		} else {
			ix.byID[k.ID] = entry
			return
		}
	}
	ix.byID[k.ID] = entry
	ix.byIdent[ident] = append(ix.byIdent[ident], k.ID)
}

func (ix *keyIndex) drop(id string, ident identFP) {
	delete(ix.byID, id)
	ids := ix.byIdent[ident]
	for i, x := range ids {
		if x == id {
			ids = append(ids[:i], ids[i+1:]...)
			break
		}
	}
	if len(ids) == 0 {
		delete(ix.byIdent, ident)
	} else {
		ix.byIdent[ident] = ids
	}
}

// added records a key this Client imported.
func (ix *keyIndex) added(k *keys.Key) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.byID == nil {
		return // never built: the first check lists everything anyway
	}
	imported := *k // the import answer may not say so
	imported.Imported = true
	ix.put(&imported)
	ix.probes = append(ix.probes, k.ID)
	if ix.own == nil {
		ix.own = map[string]keys.Key{}
	}
	ix.own[k.ID] = keys.Key{ID: k.ID, Imported: true, Curve: k.Curve, Scheme: k.Scheme, PublicKey: k.PublicKey, Status: k.Status, DateCreated: k.DateCreated}
}

// find returns the usable imported key with identity want that this
// Client knows of, refreshed first (see [keyIndex]) and confirmed by
// GET /keys/{keyId}, since another writer may have exported or archived
// it since it was listed; nil when there is none.
//
// A listing read at or after since (zero: the call's start) is fresh
// enough: with an earlier since, a refresh made since then is reused.
func (ix *keyIndex) find(ctx context.Context, s *KeysService, want keys.Identity, since time.Time) (*keys.Key, error) {
	start := time.Now()
	if since.IsZero() || since.After(start) {
		since = start
	}
	ix.mu.Lock()
	if !ix.built || ix.refreshed.Before(since) {
		if err := ix.refresh(ctx, s, start); err != nil {
			ix.mu.Unlock()
			return nil, err
		}
	}
	ix.mu.Unlock()
	wantFP := fingerprint(want)
	for {
		ix.mu.Lock()
		best := ix.newest(wantFP)
		ix.mu.Unlock()
		if best == "" {
			return nil, nil
		}
		// Confirmed without the lock: concurrent look-ups of other keys
		// (a bulk run's workers) do not wait for this one's request.
		k, err := s.Get(ctx, best)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		ix.mu.Lock()
		if err != nil || !k.Imported {
			ix.drop(best, wantFP)
		} else {
			ix.put(k)
		}
		ix.mu.Unlock()
		if err == nil && k.Imported && k.Unusable() == "" && k.Identity() == want {
			return k, nil
		}
	}
}

// newest returns the ID of the newest usable key with fingerprint fp, or
// "". The caller holds ix.mu.
func (ix *keyIndex) newest(fp identFP) string {
	var best string
	var bestKey indexedKey
	for _, id := range ix.byIdent[fp] {
		k := ix.byID[id]
		if k.usable && (best == "" || k.created > bestKey.created) {
			best, bestKey = id, k
		}
	}
	return best
}

func (ix *keyIndex) refresh(ctx context.Context, s *KeysService, start time.Time) error {
	if ix.built {
		ok, err := ix.readTail(ctx, s)
		if err == nil && ok {
			ix.refreshed, ix.probes = start, nil
			return nil
		}
		// Wrong order, a stale token or a failed read: start over.
	}
	if err := ix.readAll(ctx, s, nil); err != nil {
		return err
	}
	ix.built, ix.refreshed, ix.probes = true, start, nil
	return nil
}

// scan lists every key into a new index, as the first check does,
// handing each listed key to seen (see [Client.ScanKeys]).
func (ix *keyIndex) scan(ctx context.Context, s *KeysService, seen func(*keys.Key) error) error {
	start := time.Now()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := ix.readAll(ctx, s, seen); err != nil {
		return err
	}
	ix.built, ix.refreshed, ix.probes = true, start, nil
	return nil
}

// readAll lists every key into a new index, handing each to seen when it
// is not nil.
func (ix *keyIndex) readAll(ctx context.Context, s *KeysService, seen func(*keys.Key) error) error {
	byID, byIdent := ix.byID, ix.byIdent
	ix.byID, ix.byIdent = map[string]indexedKey{}, map[identFP][]string{}
	last, first, err := s.pages(ctx, "", func(page *keys.ListResponse) error {
		for i := range page.Items {
			if seen != nil {
				if err := seen(&page.Items[i]); err != nil {
					return err
				}
			}
			ix.put(&page.Items[i])
		}
		return nil
	})
	if err != nil {
		ix.byID, ix.byIdent = byID, byIdent
		return err
	}
	for id, k := range ix.own {
		if _, ok := ix.byID[id]; !ok {
			ix.put(&k) // confirmed by GET /keys/{keyId} before it is returned
		}
	}
	ix.tailToken, ix.tailFirst = last, first
	return nil
}

// readTail re-reads the last page seen and those after it. It reports
// false when the listing does not look like the one indexed: the page
// begins with another key, or a key this Client imported is missing.
func (ix *keyIndex) readTail(ctx context.Context, s *KeysService) (bool, error) {
	seen := map[string]bool{}
	firstPage := true
	var items []keys.Key
	last, first, err := s.pages(ctx, ix.tailToken, func(page *keys.ListResponse) error {
		if firstPage && ix.tailFirst != "" && (len(page.Items) == 0 || page.Items[0].ID != ix.tailFirst) {
			return errOrderChanged
		}
		firstPage = false
		for _, k := range page.Items {
			seen[k.ID] = true
		}
		items = append(items, page.Items...)
		return nil
	})
	if err != nil {
		return false, err
	}
	for _, id := range ix.probes {
		if !seen[id] {
			return false, nil
		}
	}
	for i := range items {
		ix.put(&items[i])
	}
	ix.tailToken, ix.tailFirst = last, first
	return true, nil
}

var errOrderChanged = fmt.Errorf("GET /keys no longer lists keys in the order indexed")

// pages lists GET /keys from token ("" for the first page) to the end,
// handing each page to fn, and returns the token of the last page and
// the ID of its first key. It has the bounds of [KeysService.All].
func (s *KeysService) pages(ctx context.Context, token string, fn func(*keys.ListResponse) error) (lastToken, lastFirst string, err error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, listDeadline)
		defer cancel()
	}
	opts := &ListOptions{Limit: indexPageSize, PaginationToken: token}
	seen := map[string]bool{}
	for pages := 1; ; pages++ {
		if pages > maxListPages {
			return "", "", fmt.Errorf("%w: GET /keys: still more keys after %d pages; stopping (does the server keep returning a next page?)", errDecode, maxListPages)
		}
		page, err := s.List(ctx, opts)
		if err != nil {
			return "", "", err
		}
		if err := fn(page); err != nil {
			return "", "", err
		}
		if len(page.Items) > 0 || pages == 1 {
			lastToken, lastFirst = opts.PaginationToken, ""
			if len(page.Items) > 0 {
				lastFirst = page.Items[0].ID
			}
		}
		if page.NextPageToken == "" {
			return lastToken, lastFirst, nil
		}
		if seen[page.NextPageToken] {
			return "", "", fmt.Errorf("%w: GET /keys returned the pagination token %s twice", errDecode, quoted(page.NextPageToken))
		}
		seen[page.NextPageToken] = true
		opts.PaginationToken = page.NextPageToken
	}
}
