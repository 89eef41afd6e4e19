package dfnskeys

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// An import is two steps, which every path takes: [Client.PlanImport]
// (or [ImportTarget.Plan], offline) decides what to send, and
// [Client.SendImport] sends it. [Client.ImportKey] is the two together.

// ImportKeyOptions configures [Client.ImportKey], [Client.PlanImport] and
// [ImportTarget.Plan].
type ImportKeyOptions struct {
	// Target is the cluster to import into, listed and checked against
	// pinned signers once (see [NewImportTarget]): many imports share
	// one. Without it the signers
	// are listed (GET /signers) for each plan, and ClusterID and
	// PinnedSigners choose and check the cluster.
	Target *ImportTarget
	// ClusterID chooses the signing cluster when GET /signers lists
	// several; with one cluster it may be empty. Not used with Target.
	ClusterID string
	// PinnedSigners, when set, must list exactly the cluster's signers
	// with the same encryption keys; otherwise nothing is sent and the
	// error wraps [signers.ErrPinMismatch], naming the signers that
	// differ. Pinning protects against a tampered GET /signers response:
	// save the response once (dfnskeys signers --save), verify its
	// fingerprints out of band, and pin it. With Target, they are checked
	// against the target's signers.
	PinnedSigners []signers.Signer
	// Protocol defaults to CGGMP24 (secp256k1, stark) or FROST (ed25519);
	// see [keys.DefaultProtocol].
	Protocol keys.Protocol
	// Threshold defaults to 3.
	Threshold int
	// Name is an optional key name.
	Name string
	// ListedSince, when set, lets the look-up for an existing key use the
	// Client's index of the organisation's keys as listed at or after this
	// time (with the keys this Client imported since), instead of
	// re-reading GET /keys for the call: a caller importing many keys in
	// one run lists them once with [Client.ScanKeys] and passes the time
	// it started. Zero means the call's own start (see [Client.ImportKey]).
	ListedSince time.Time
	// AllowDuplicate imports the key even when Dfns already holds it (an
	// imported key with the same public key, protocol and curve, active
	// and never exported), creating a second Dfns key for it. Without it,
	// [Client.ImportKey] returns the existing key and sends nothing.
	AllowDuplicate bool
}

// Check checks the options before any key is read: the name (not one
// that looks like a secret, at most 100 characters) and the threshold (at
// least 2, and at most the number of signers of o.Target when it is set).
// [ImportTarget.Plan] runs the same check. A bad name or a threshold below
// 2 wraps [keys.ErrInvalidOption].
func (o ImportKeyOptions) Check() error {
	n := 0
	if o.Target != nil {
		n = len(o.Target.builder.Signers())
	}
	return importbuild.CheckOptions(o.Name, o.Threshold, n)
}

// ImportResult is what [Client.ImportKey] and [Client.SendImport] did.
// It is the key, with whether this call created it.
type ImportResult struct {
	// Key is the Dfns key: the one created, or the one Dfns already held.
	*keys.Key
	// Created is true when the import was sent and Dfns created Key (or
	// processed it although its answer was lost), false when Dfns
	// already held the key and nothing was sent.
	Created bool `json:"-"`
}

// ImportPlan is the first step of an import: either the key Dfns already
// holds, or the request that would create it. Make one with
// [Client.PlanImport] or, offline, [ImportTarget.Plan]; send it with
// [Client.SendImport]. A plan holds no secret: the shares in Request are
// encrypted to the signers. As JSON it is the import request document of
// the air-gapped ceremony (see [ImportPlan.MarshalJSON]).
type ImportPlan struct {
	// Existing, when set, is the key Dfns already holds (see
	// [Client.ImportKey]); Request is then nil and sending the plan sends
	// nothing.
	Existing *keys.Key
	// Request is the POST /keys/import body.
	Request *keys.ImportRequest
	// ClusterID is the cluster Request is for.
	ClusterID string
	// Signers are the signers Request's shares are encrypted to, in share
	// order: what an offline plan records for the online side to check
	// (see [Client.PlanImportRequest]).
	Signers []signers.Signer
	// Identity is the identity of the Dfns key the import makes.
	Identity keys.Identity
}

// ImportTarget is a signing cluster checked against pinned signers, which
// builds import requests locally: make it once with [NewImportTarget] from
// a GET /signers answer ([SignersService.List]) or a saved one, offline. It
// is safe for concurrent use.
type ImportTarget struct {
	clusterID string
	builder   *importbuild.Builder
}

// NewImportTarget chooses the cluster clusterID of list (it may be empty
// when list has one cluster) and, when pinned is not nil, checks that the
// cluster's signers are exactly the pinned ones (an error wrapping
// [signers.ErrPinMismatch] if not). It needs no network: list may be a
// saved 'dfnskeys signers --save' file.
func NewImportTarget(list *signers.ListResponse, clusterID string, pinned []signers.Signer) (*ImportTarget, error) {
	if list == nil {
		return nil, errors.New("no signers listing to import into")
	}
	cluster, err := list.Cluster(clusterID)
	if err != nil {
		return nil, err
	}
	if pinned != nil {
		if err := signers.CheckPinned(cluster.Signers, pinned); err != nil {
			return nil, fmt.Errorf("refusing to import into cluster %s: %w", safe(cluster.ClusterID), err)
		}
	}
	b, err := importbuild.New(cluster.Signers)
	if err != nil {
		return nil, err
	}
	return &ImportTarget{clusterID: cluster.ClusterID, builder: b}, nil
}

// ClusterID is the target's cluster.
func (t *ImportTarget) ClusterID() string { return t.clusterID }

// Plan splits and encrypts key for the target's signers and returns the
// plan that imports it, without looking for an existing key and without
// the network. opts.Target and opts.ClusterID are not used; PinnedSigners,
// when set, are checked against the target's signers.
func (t *ImportTarget) Plan(key *keys.PrivateKey, opts ImportKeyOptions) (*ImportPlan, error) {
	if key == nil {
		return nil, errors.New("no private key to import")
	}
	if opts.PinnedSigners != nil {
		if err := t.builder.CheckPinned(opts.PinnedSigners); err != nil {
			return nil, fmt.Errorf("refusing to import into cluster %s: %w", safe(t.clusterID), err)
		}
	}
	req, err := t.builder.Build(key, importbuild.Options{Protocol: opts.Protocol, Threshold: opts.Threshold, Name: opts.Name})
	if err != nil {
		return nil, err
	}
	scheme := keys.Scheme{Protocol: req.Protocol, Curve: req.Curve}
	listed := t.builder.Signers()
	ss := make([]signers.Signer, len(listed))
	for i, s := range listed {
		ss[i] = signers.Signer{SignerID: s.SignerID, EncryptionKey: s.EncryptionKey.String()}
	}
	return &ImportPlan{Request: req, ClusterID: t.clusterID, Signers: ss, Identity: importbuild.Identity(scheme, key.PublicKey())}, nil
}

// PlanImport is the first step of [Client.ImportKey]: unless
// opts.AllowDuplicate is set, it looks for the key in Dfns (see
// ImportKey for the cost and freshness of that look-up) and returns a plan
// with Existing set when Dfns holds it; otherwise it lists the signers
// (unless opts.Target is set), chooses the cluster, checks pinned signers
// and builds the request. Nothing is sent. A failed look-up is an error;
// it is never taken for "not found".
func (c *Client) PlanImport(ctx context.Context, key *keys.PrivateKey, opts ImportKeyOptions) (*ImportPlan, error) {
	if key == nil {
		return nil, errors.New("no private key to import")
	}
	if !opts.AllowDuplicate {
		scheme := keys.Scheme{Protocol: opts.Protocol, Curve: key.Curve()}
		if scheme.Protocol == "" {
			scheme.Protocol = keys.DefaultProtocol(key.Curve())
		}
		ident := importbuild.Identity(scheme, key.PublicKey())
		existing, err := c.index.find(ctx, c.Keys, ident, opts.ListedSince)
		if err != nil {
			return nil, &lookupError{err}
		}
		if existing != nil {
			return &ImportPlan{Existing: existing, Identity: ident}, nil
		}
	}
	return c.planNew(ctx, key, opts)
}

// planNew is the plan that imports key, without looking for it first.
func (c *Client) planNew(ctx context.Context, key *keys.PrivateKey, opts ImportKeyOptions) (*ImportPlan, error) {
	t := opts.Target
	if t == nil {
		list, err := c.Signers.List(ctx)
		if err != nil {
			return nil, err
		}
		if t, err = NewImportTarget(list, opts.ClusterID, opts.PinnedSigners); err != nil {
			return nil, err
		}
		opts.PinnedSigners = nil // checked
	}
	return t.Plan(key, opts)
}

// SendImport is the second step of [Client.ImportKey]: for a plan with
// Existing set it returns that key (Created false) and sends nothing;
// otherwise it sends the signed POST /keys/import (a user action), checks
// that the key Dfns created has the plan's public key (a
// *PublicKeyMismatchError if not, with the key), and after an ambiguous
// failure looks for the key instead of resending (an
// *AmbiguousError (with PublicKey set) if it is not found).
func (c *Client) SendImport(ctx context.Context, plan *ImportPlan) (*ImportResult, error) {
	if plan == nil {
		return nil, errors.New("no import plan to send")
	}
	if plan.Existing != nil {
		return &ImportResult{Key: plan.Existing}, nil
	}
	if plan.Request == nil {
		return nil, errors.New("the import plan has no request")
	}
	if c.signer == nil {
		return nil, ErrNoSigner
	}
	sent := time.Now()
	created, err := c.Keys.importRequest(ctx, plan.Request)
	if err != nil {
		if !errors.Is(err, ErrAmbiguous) {
			return nil, err
		}
		k, err := c.resolveAmbiguousImport(ctx, plan, sent, err)
		if err != nil {
			return nil, err
		}
		return &ImportResult{Key: k, Created: true}, nil
	}
	c.index.added(created)
	res := &ImportResult{Key: created, Created: true}
	if err := checkPublicKey(created.ID, plan.Identity.PublicKey, created.PublicKey); err != nil {
		return res, err
	}
	return res, nil
}

// ImportKey imports key into Dfns, once: when Dfns already holds it — an
// imported key with the same public key, protocol and curve, active and
// never exported — ImportKey returns that key with Created false and
// sends nothing, so a script rerun after a crash or a timeout does not
// create a second key (set [ImportKeyOptions.AllowDuplicate] to import
// anyway). It is [Client.PlanImport] then [Client.SendImport]; a caller
// that shows the request first (a dry run) or plans offline
// ([ImportTarget.Plan]) takes the two steps itself.
//
// Finding it costs, on a Client's first call, a listing of the
// organisation (one GET /keys per 500 keys); the Client then keeps an
// index of the organisation's imported keys (a fingerprint of the
// identity, an ID and a date each), and each later call re-reads only the last page of
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
// key from two processes at once can make two Dfns keys.
//
// Otherwise it lists the signers (unless opts.Target is set), chooses the
// cluster, checks pinned signers if any, splits and encrypts the key
// locally, sends the signed POST /keys/import, and checks that the key
// Dfns created has the public key computed locally (a
// *PublicKeyMismatchError if not). After an ambiguous failure it never
// resends: it looks for the key the import would have created and returns
// it, or returns an *AmbiguousError (with PublicKey set). The key it looks for is an
// imported key with the same [keys.Identity] (public key, curve and
// signature scheme), active and never exported, with the same name when
// one was given, and created no earlier than ten minutes (for clock skew) before the
// import was sent — so an older import of the same private key is never
// mistaken for this one.
func (c *Client) ImportKey(ctx context.Context, key *keys.PrivateKey, opts ImportKeyOptions) (*ImportResult, error) {
	if c.signer == nil {
		return nil, ErrNoSigner
	}
	plan, err := c.PlanImport(ctx, key, opts)
	if err != nil {
		return nil, err
	}
	return c.SendImport(ctx, plan)
}

// ImportWallet is [Client.ImportKey] through the older POST /wallets/import,
// which also creates a wallet on network (and takes an optional external
// ID); it does not look for an existing key. An ambiguous failure is
// resolved the same way, by looking for the key; the wallet is then not
// returned, only an error that names the key.
func (c *Client) ImportWallet(ctx context.Context, key *keys.PrivateKey, network, externalID string, opts ImportKeyOptions) (*keys.Wallet, error) {
	if c.signer == nil {
		return nil, ErrNoSigner
	}
	if key == nil {
		return nil, errors.New("no private key to import")
	}
	plan, err := c.planNew(ctx, key, opts) // a wallet import always makes a wallet
	if err != nil {
		return nil, err
	}
	sent := time.Now()
	w, err := c.importWalletRequest(ctx, &importbuild.WalletRequest{Network: network, ExternalID: externalID, ImportRequest: *plan.Request})
	if err != nil {
		if !errors.Is(err, ErrAmbiguous) {
			return nil, err
		}
		k, rerr := c.resolveAmbiguousImport(ctx, plan, sent, err)
		if rerr != nil {
			return nil, rerr
		}
		return nil, fmt.Errorf("the wallet import was processed although its response was lost: the key is %s; find its wallet by that key: %w", safe(k.ID), err)
	}
	if err := checkPublicKey(w.SigningKey.ID, plan.Identity.PublicKey, w.SigningKey.PublicKey); err != nil {
		return w, err
	}
	return w, nil
}

// lookupError is a failed look for an existing key; nothing was sent.
type lookupError struct{ err error }

func (e *lookupError) Error() string {
	return "looking for a key Dfns already holds with this public key (nothing was sent; allow a duplicate, with AllowDuplicate or --allow-duplicate, to import without looking): " + e.err.Error()
}

func (e *lookupError) Unwrap() error { return e.err }

// importClockSkew is how much earlier than the local clock says an import
// was sent Dfns may date the key it created: a key dated earlier than that
// was not created by this import. A clock more than this far ahead of
// Dfns's makes an ambiguous import unresolvable (reported, never resent),
// not wrongly resolved.
const importClockSkew = 10 * time.Minute

func (c *Client) resolveAmbiguousImport(ctx context.Context, plan *ImportPlan, sent time.Time, cause error) (*keys.Key, error) {
	req := plan.Request
	scheme := keys.Scheme{Protocol: req.Protocol, Curve: req.Curve}
	notBefore := sent.Add(-importClockSkew)
	thisImport := func(k *keys.Key) bool {
		return k.Unusable() == "" && (req.Name == "" || k.Name == req.Name) &&
			(k.DateCreated.IsZero() || !k.DateCreated.Before(notBefore))
	}
	// The caller's context may be what expired: look on a fresh one.
	lookCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	c.lookups.Add(1)
	var lookupErr error
	looks, wait := c.retry.lookups()
	for i := 0; i < looks; i++ {
		if i > 0 {
			if err := wait.Wait(lookCtx); err != nil {
				break
			}
		}
		k, err := c.Keys.findImported(lookCtx, scheme, plan.Identity.PublicKey, thisImport)
		lookupErr = err
		if err == nil && k != nil {
			if c.logger != nil {
				c.logger.WarnContext(ctx, "dfns import was processed although its response was lost; found the key by its public key", "keyId", k.ID)
			}
			c.index.added(k)
			return k, nil
		}
	}
	amb := &AmbiguousError{Method: "POST", Path: "/keys/import", PublicKey: plan.Identity.PublicKey, Err: cause, LookupErr: lookupErr}
	var call *AmbiguousError
	if errors.As(cause, &call) {
		amb.Method, amb.Path = call.Method, call.Path
	}
	return nil, amb
}

func checkPublicKey(id, local, remote string) error {
	if !strings.EqualFold(strings.TrimSpace(remote), local) {
		return &PublicKeyMismatchError{KeyID: id, Local: local, Remote: remote}
	}
	return nil
}
