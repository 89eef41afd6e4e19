package dfnskeys

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// ImportKeyOptions configures [Client.ImportKey].
type ImportKeyOptions struct {
	// ClusterID chooses the signing cluster when GET /signers lists
	// several; with one cluster it may be empty.
	ClusterID string
	// PinnedSigners, when set, must list exactly the cluster's signers (or
	// the Builder's) with the same encryption keys; otherwise nothing is
	// sent and the error wraps [signers.ErrPinMismatch], naming the
	// signers that differ. Pinning protects against a tampered
	// GET /signers response: save the response once (dfnskeys signers
	// --save), verify its fingerprints out of band, and pin it.
	PinnedSigners []signers.Signer
	// Protocol defaults to CGGMP24 (secp256k1, stark) or FROST (ed25519);
	// see [keys.DefaultProtocol].
	Protocol keys.Protocol
	// Threshold defaults to 3.
	Threshold int
	// Name is an optional key name.
	Name string
	// MasterKey must be false: importing an HD master key is refused with
	// [keys.ErrMasterKey].
	MasterKey bool
	// Builder, when set, builds the request for its cluster instead of
	// listing the signers on every call: a bulk import fetches the
	// signers once and shares one builder. ClusterID is then not used;
	// PinnedSigners is checked against the builder's signers.
	Builder *keys.ImportBuilder
	// AllowDuplicate imports the key even when Dfns already holds it (an
	// imported key with the same public key, protocol and curve, active
	// and never exported), creating a second Dfns key for it. Without it,
	// [Client.ImportKey] returns the existing key and sends nothing.
	AllowDuplicate bool
}

// ImportKey imports key into Dfns, once: when Dfns already holds it — an
// imported key with the same public key, protocol and curve, active and
// never exported — ImportKey returns that key and sends nothing, so a
// script rerun after a crash or a timeout does not create a second key
// (set [ImportKeyOptions.AllowDuplicate] to import anyway).
//
// Finding it costs, on a Client's first call, a listing of the
// organisation (one GET /keys per 500 keys); the Client then keeps an
// index of the organisation's imported keys (an identity, an ID and a
// date each), and each later call re-reads only the last page of
// GET /keys and any after it, and confirms a key it finds with one
// GET /keys/{keyId}: about one request at any size. The freshness rule:
// every call sees the keys listed when it starts, including those other
// writers imported since; keys this Client imported are in the index at
// once. That re-reading relies on GET /keys listing keys oldest first,
// which Dfns does not document (docs/protocol.md §9); the order is
// checked on every call, against the page's first key and against this
// Client's own imports, and when it does not hold the Client lists
// everything again. The duplicate window for other writers is the one any
// look-up has: a key another process is importing at the same moment, or
// one Dfns does not list yet, is not seen, and importing the same private
// key from two processes at once can make two Dfns keys. Use
// [KeysService.FindImported] to tell the two outcomes apart beforehand.
//
// Otherwise it lists the signers, chooses the cluster, checks pinned
// signers if any, splits and encrypts the key locally, sends the signed
// POST /keys/import, and checks that the key Dfns created has the public
// key computed locally (a *PublicKeyMismatchError if not). After an
// ambiguous failure it never resends: it looks for the key the import would
// have created and returns it, or returns an *AmbiguousImportError. The key
// it looks for is an imported key with the same [keys.Identity] (public
// key, curve and signature scheme), active and never exported, with the same name when one was given,
// and created no earlier than [ImportClockSkew] before the import was sent
// — so an older import of the same private key is never mistaken for this
// one.
func (c *Client) ImportKey(ctx context.Context, key *keys.PrivateKey, opts ImportKeyOptions) (*keys.Key, error) {
	if key != nil && !opts.AllowDuplicate {
		scheme := keys.Scheme{Protocol: opts.Protocol, Curve: key.Curve()}
		if scheme.Protocol == "" {
			scheme.Protocol = keys.DefaultProtocol(key.Curve())
		}
		existing, err := c.index.find(ctx, c.Keys, keys.NewIdentity(scheme, key.PublicKey()))
		if err != nil {
			return nil, &lookupError{err}
		}
		if existing != nil {
			return existing, nil
		}
	}
	req, err := c.buildImport(ctx, key, opts)
	if err != nil {
		return nil, err
	}
	sent := time.Now()
	created, err := c.Keys.Import(ctx, req)
	if err != nil {
		if !errors.Is(err, ErrAmbiguous) {
			return nil, err
		}
		return c.resolveAmbiguousImport(ctx, key, req, sent, err)
	}
	c.index.added(created)
	if err := checkPublicKey(created.ID, key, created.PublicKey); err != nil {
		return created, err
	}
	return created, nil
}

// ImportWallet is [Client.ImportKey] through the older POST /wallets/import,
// which also creates a wallet on network (and takes an optional external
// ID). An ambiguous failure is resolved the same way, by looking for the
// key; the wallet is then not returned, only an error that names the key.
func (c *Client) ImportWallet(ctx context.Context, key *keys.PrivateKey, network, externalID string, opts ImportKeyOptions) (*keys.Wallet, error) {
	req, err := c.buildImport(ctx, key, opts)
	if err != nil {
		return nil, err
	}
	sent := time.Now()
	w, err := c.Wallets.Import(ctx, &keys.WalletImportRequest{Network: network, ExternalID: externalID, ImportRequest: *req})
	if err != nil {
		if !errors.Is(err, ErrAmbiguous) {
			return nil, err
		}
		k, rerr := c.resolveAmbiguousImport(ctx, key, req, sent, err)
		if rerr != nil {
			return nil, rerr
		}
		return nil, fmt.Errorf("the wallet import was processed although its response was lost: the key is %s; find its wallet by that key: %w", safe(k.ID), err)
	}
	if err := checkPublicKey(w.SigningKey.ID, key, w.SigningKey.PublicKey); err != nil {
		return w, err
	}
	return w, nil
}

// lookupError is a failed look for an existing key; nothing was sent.
type lookupError struct{ err error }

func (e *lookupError) Error() string {
	return "looking for a key Dfns already holds with this public key (set AllowDuplicate to import without looking): " + e.err.Error()
}

func (e *lookupError) Unwrap() error { return e.err }

func (c *Client) buildImport(ctx context.Context, key *keys.PrivateKey, opts ImportKeyOptions) (*keys.ImportRequest, error) {
	if key == nil {
		return nil, errors.New("no private key to import")
	}
	if c.signer == nil {
		return nil, ErrNoSigner
	}
	importOpts := keys.ImportOptions{
		Protocol:  opts.Protocol,
		Threshold: opts.Threshold,
		Name:      opts.Name,
		MasterKey: opts.MasterKey,
	}
	if opts.Builder != nil {
		if opts.PinnedSigners != nil {
			if err := opts.Builder.CheckPinned(opts.PinnedSigners); err != nil {
				return nil, fmt.Errorf("refusing to import: %w", err)
			}
		}
		return opts.Builder.Build(key, importOpts)
	}
	list, err := c.Signers.List(ctx)
	if err != nil {
		return nil, err
	}
	cluster, err := list.Cluster(opts.ClusterID)
	if err != nil {
		return nil, err
	}
	if opts.PinnedSigners != nil {
		if err := signers.CheckPinned(cluster.Signers, opts.PinnedSigners); err != nil {
			return nil, fmt.Errorf("refusing to import into cluster %s: %w", safe(cluster.ClusterID), err)
		}
	}
	return keys.BuildImportRequest(key, cluster.Signers, importOpts)
}

// ImportClockSkew is how much earlier than the local clock says an import
// was sent Dfns may date the key it created: a key dated earlier than that
// was not created by this import. A clock more than this far ahead of
// Dfns's makes an ambiguous import unresolvable (reported, never resent),
// not wrongly resolved.
const ImportClockSkew = 10 * time.Minute

func (c *Client) resolveAmbiguousImport(ctx context.Context, key *keys.PrivateKey, req *keys.ImportRequest, sent time.Time, cause error) (*keys.Key, error) {
	scheme := keys.Scheme{Protocol: req.Protocol, Curve: req.Curve}
	notBefore := sent.Add(-ImportClockSkew)
	thisImport := func(k *keys.Key) bool {
		return k.Usable() && (req.Name == "" || k.Name == req.Name) &&
			(k.DateCreated.IsZero() || !k.DateCreated.Before(notBefore))
	}
	// The caller's context may be what expired: look on a fresh one.
	lookCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	var lookupErr error
	looks, wait := c.retry.lookups()
	for i := 0; i < looks; i++ {
		if i > 0 {
			if err := wait.Wait(lookCtx); err != nil {
				break
			}
		}
		k, err := c.Keys.findImported(lookCtx, scheme, key.PublicKeyHex(), thisImport)
		lookupErr = err
		if err == nil && k != nil {
			if c.logger != nil {
				c.logger.WarnContext(ctx, "dfns import was processed although its response was lost; found the key by its public key", "keyId", k.ID)
			}
			c.index.added(k)
			return k, nil
		}
	}
	return nil, &AmbiguousImportError{PublicKey: key.PublicKeyHex(), Err: cause, LookupErr: lookupErr}
}

func checkPublicKey(id string, key *keys.PrivateKey, remote string) error {
	if !strings.EqualFold(remote, key.PublicKeyHex()) {
		return &PublicKeyMismatchError{KeyID: id, Local: key.PublicKeyHex(), Remote: remote}
	}
	return nil
}

// ExportOptions configures [Client.ExportKey] and [Client.ExportWallet].
type ExportOptions struct {
	// Expect is the key the user expects, from what the user knows (a
	// public key kept from the import, a bulk-import report's publicKey,
	// an address: see [keys.ParseExpectedPublicKey], [keys.ExpectIdentity]
	// and address.Expect). When the API reports another public key before
	// the export, nothing is sent; when the key recovered is another one,
	// it is destroyed. Either way the error is a [*keys.UnexpectedKeyError]
	// and no key is returned.
	//
	// Without it the key is checked only against the public key the API
	// itself reports, which an API that substitutes another key
	// consistently controls (see docs/threat-model.md §2): the client's
	// logger, if any, says so, and callers should tell the user.
	Expect keys.Expectation
	// PinnedSigners, when set, are the signers of the key's cluster (for
	// example saved by 'dfnskeys signers --save' and checked out of band):
	// a share from any other signer is refused and the signer named
	// faulty (see docs/threat-model.md §7).
	PinnedSigners []signers.Signer
}

// ExportKey exports a key from Dfns and returns it: it reads the key, makes
// a one-time export context, sends the signed POST /keys/{keyId}/export,
// decrypts and recombines the shares, and checks the result against the
// key's public key and, when opts.Expect is set, against the key the user
// expects. Dfns by default stops signing with an exported key. The caller
// owns the returned key and should Destroy it.
//
// With opts.Expect, a key whose GET /keys/{keyId} reports another public
// key (or a curve the expectation cannot fit) is refused before anything
// is sent; a key recovered from the export that is not the expected one
// is destroyed. Both return a [*keys.UnexpectedKeyError] (Exported says
// whether the export had been sent) and no key.
//
// An export cannot be undone, and the key comes back only in its response:
// if ctx ends while the request is on its way, Dfns may have exported the
// key and the result is lost. A caller that must not lose it checks for
// cancellation first and then passes [context.WithoutCancel] (the HTTP
// client's timeout still bounds the call), as the CLI does.
//
// Faulty shares are corrected where they can be (see
// [keys.ExportContext.RecoverWith]): the key is then returned with the
// signers whose shares were faulty, which the caller should report. A key
// is never returned that does not match the public key.
func (c *Client) ExportKey(ctx context.Context, keyID string, opts ExportOptions) (*keys.PrivateKey, []keys.FaultySigner, error) {
	k, err := c.Keys.Get(ctx, keyID)
	if err != nil {
		return nil, nil, err
	}
	if err := checkExpected(keyID, k, opts.Expect); err != nil {
		return nil, nil, err
	}
	return c.export(ctx, keyID, k.PublicKey, opts, func(req *keys.ExportRequest) (*keys.ExportResponse, error) {
		return c.Keys.Export(ctx, keyID, req)
	})
}

// checkExpected refuses, before an export is sent, a key the API reports
// with another public key than the one expected.
func checkExpected(keyID string, k *keys.Key, exp keys.Expectation) error {
	if exp == nil {
		return nil
	}
	reason := exp.CheckCurve(k.Curve)
	pub, err := hex.DecodeString(strings.TrimSpace(k.PublicKey))
	if reason != nil || err != nil || !exp.Matches(k.Curve, pub) {
		return &keys.UnexpectedKeyError{KeyID: keyID, Expected: exp.String(), Curve: k.Curve, PublicKey: k.PublicKey, Reason: reason}
	}
	return nil
}

// ExportWallet is [Client.ExportKey] through the deprecated
// POST /wallets/{walletId}/export. Without a wallet read endpoint the
// result is checked against the public key in the export response (and
// opts.Expect) only: a mismatch with opts.Expect is found only after the
// export.
func (c *Client) ExportWallet(ctx context.Context, walletID string, opts ExportOptions) (*keys.PrivateKey, []keys.FaultySigner, error) {
	return c.export(ctx, walletID, "", opts, func(req *keys.ExportRequest) (*keys.ExportResponse, error) {
		return c.Wallets.Export(ctx, walletID, req)
	})
}

func (c *Client) export(ctx context.Context, id, expectedPublicKey string, opts ExportOptions, send func(*keys.ExportRequest) (*keys.ExportResponse, error)) (*keys.PrivateKey, []keys.FaultySigner, error) {
	if c.signer == nil {
		return nil, nil, ErrNoSigner
	}
	ropts := keys.RecoverOptions{Expect: opts.Expect}
	for _, s := range opts.PinnedSigners {
		ropts.Signers = append(ropts.Signers, s.SignerID)
	}
	if opts.PinnedSigners != nil && ropts.Signers == nil {
		ropts.Signers = []string{}
	}
	ec, err := keys.NewExportContext()
	if err != nil {
		return nil, nil, err
	}
	defer ec.Destroy()
	resp, err := send(ec.Request())
	if err != nil {
		return nil, nil, err
	}
	if expectedPublicKey != "" && !strings.EqualFold(resp.PublicKey, expectedPublicKey) {
		if opts.Expect != nil {
			// The key was reported as the expected one, and the export
			// is of another: the API answered for another key.
			return nil, nil, &keys.UnexpectedKeyError{KeyID: id, Expected: opts.Expect.String(), Curve: resp.Curve, PublicKey: resp.PublicKey, Exported: true}
		}
		return nil, nil, fmt.Errorf("%s: the export response is for public key %s, but the key's public key is %s", safe(id), safe(resp.PublicKey), safe(expectedPublicKey))
	}
	// The export was processed: recover even if the caller's context ends
	// now, or the key Dfns marked exported would be lost. Recovery is
	// bounded (polynomial in the number of shares).
	key, faulty, err := ec.RecoverWith(context.WithoutCancel(ctx), resp, ropts)
	if err != nil {
		var uk *keys.UnexpectedKeyError
		if errors.As(err, &uk) {
			uk.KeyID = id
			return nil, nil, uk
		}
		return nil, nil, fmt.Errorf("recovering %s: %w", id, err)
	}
	if opts.Expect == nil && c.logger != nil {
		c.logger.WarnContext(ctx, "dfns export: no expected key was given, so the key was checked only against the public key the API reports (see docs/threat-model.md §2)", "id", id)
	}
	if len(faulty) > 0 && c.logger != nil {
		c.logger.WarnContext(ctx, "dfns export: some signers returned faulty shares; the key was recovered from the others and matches its public key", "id", id, "faulty", keys.FaultySignersString(faulty))
	}
	return key, faulty, nil
}
