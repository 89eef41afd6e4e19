package dfnskeys

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

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
// [keys.ExportContext.Recover]): the key is then returned with the
// signers whose shares were faulty, which the caller should report. A key
// is never returned that does not match the public key.
func (c *Client) ExportKey(ctx context.Context, keyID string, opts ExportOptions) (*keys.PrivateKey, []keys.FaultySigner, error) {
	plan, err := c.PlanExport(ctx, keyID, opts)
	if err != nil {
		return nil, nil, err
	}
	return c.SendExport(ctx, plan)
}

// ExportPlan is the first step of [Client.ExportKey]: the key to export, as
// GET /keys/{keyId} reports it and checked against the key the user
// expects. Nothing has been sent. A caller checks what it must against
// Key (an output format against its curve, a destination) and then calls
// [Client.SendExport]; the key is read once.
type ExportPlan struct {
	// Key is the key as the API reports it. With ExportOptions.Expect
	// its public key and curve are the expected ones.
	Key  *keys.Key
	opts ExportOptions
}

// PlanExport reads the key (one GET /keys/{keyId}) and refuses, before
// anything is sent, a key the API reports with another public key than
// opts.Expect (a [*keys.UnexpectedKeyError]).
func (c *Client) PlanExport(ctx context.Context, keyID string, opts ExportOptions) (*ExportPlan, error) {
	k, err := c.Keys.Get(ctx, keyID)
	if err != nil {
		return nil, err
	}
	if err := checkExpected(keyID, k, opts.Expect); err != nil {
		return nil, err
	}
	return &ExportPlan{Key: k, opts: opts}, nil
}

// SendExport is the second step of [Client.ExportKey]: it makes a
// one-time export context, sends the signed POST /keys/{keyId}/export and
// recovers the key against the plan's key and expectation; see ExportKey.
func (c *Client) SendExport(ctx context.Context, plan *ExportPlan) (*keys.PrivateKey, []keys.FaultySigner, error) {
	if plan == nil || plan.Key == nil {
		return nil, nil, errors.New("no export plan to send")
	}
	keyID := plan.Key.ID
	return c.export(ctx, keyID, plan.Key.PublicKey, plan.opts, func(req *keys.ExportRequest) (*keys.ExportResponse, error) {
		return c.Keys.export(ctx, keyID, req)
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
		return c.exportWalletRequest(ctx, walletID, req)
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
	key, faulty, err := ec.Recover(context.WithoutCancel(ctx), resp, ropts)
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
		c.logger.WarnContext(ctx, "dfns export: some signers returned faulty shares; the key was recovered from the others and matches its public key", "id", id, "faulty", fmt.Sprint(faulty))
	}
	return key, faulty, nil
}
