package dfnskeys

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/dfnskeys/dfnskeys/internal/optionerr"
	"github.com/dfnskeys/dfnskeys/internal/proof"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signatures"
)

// defaultProveTimeout bounds how long [Client.ProveKey] waits for Dfns to
// sign when [ProveOptions.Timeout] is 0.
const defaultProveTimeout = 2 * time.Minute

// maxExternalIDLength bounds [ProveOptions.ExternalID]. Dfns documents no
// limit; this one is dfnskeys's own, generous for any identifier.
const maxExternalIDLength = 200

// ProveOptions configures [Client.ProveKey].
type ProveOptions struct {
	// PublicKey is the public key the signature must verify under, in
	// Dfns's encoding; nil means the key's own, as Dfns reports it. After
	// an import, pass the public key computed from the local secret.
	PublicKey []byte
	// Timeout bounds the wait for the signature; 0 means 2 minutes.
	Timeout time.Duration
	// ExternalID is the signature request's externalId, Dfns's idempotency
	// key; "" means one derived from the key's ID and PublicKey, the same
	// on every run (SHA-256 over "dfnskeys proof externalId v1", a zero
	// byte, then the key ID and the public key, each preceded by its
	// 8-byte big-endian length; its first 16 bytes in hex after
	// "dfnskeys-proof-v1-"). The hash signed is derived from it (see
	// [Proof.Hash]). Pass another
	// value for a fresh proof: with the same one, Dfns answers with the
	// request it signed before. At most 200 bytes of
	// printable ASCII.
	ExternalID string
}

// Proof is a signature Dfns made with a key and that verified locally.
type Proof struct {
	// KeyID is the key that signed.
	KeyID string
	// SignatureID is Dfns's ID of the signature request.
	SignatureID string
	// ExternalID is the request's externalId, from which Hash was derived.
	ExternalID string
	// Scheme is how the signature was verified.
	Scheme keys.Scheme
	// PublicKey is the public key it verified under, hex.
	PublicKey string
	// Hash is the hash that was signed, derived from ExternalID alone
	// (so a proof sent again asks for the same signature): SHA-256 over
	// "dfnskeys proof hash v1", a zero byte, the externalId's 8-byte
	// big-endian length and the externalId, its top 5 bits cleared for a
	// stark key (StarkNet signs values below 2^251).
	Hash []byte
	// Signature is the signature as Dfns returned it.
	Signature signatures.Signature
}

// ProofError is a proof that did not succeed after Dfns was asked to sign:
// it could not be completed (Incomplete: rerun to finish), the request
// failed or was rejected, or the signature does not verify
// (errors.Is(err, signatures.ErrInvalid)).
type ProofError struct {
	// KeyID is the key that was to sign.
	KeyID string
	// SignatureID is the signature request, when one is known.
	SignatureID string
	// ExternalID is the request's externalId.
	ExternalID string
	// Status is the request's last status.
	Status string
	// Incomplete is set when the proof could not be completed because of
	// the network or Dfns's availability (a refused connection, a lost
	// answer, 5xx or 429 answers after every retry, or no signature within
	// the timeout). Nothing is known to be wrong with the key: rerun the
	// proof to finish it; with the same externalId it asks Dfns for the
	// same signature request.
	Incomplete bool
	// Err says what went wrong.
	Err error
}

// Error names the key and what went wrong; for an incomplete proof, that
// a rerun finishes it.
func (e *ProofError) Error() string {
	sig, status := e.SignatureID, e.Status
	if sig == "" {
		sig = "not known yet"
	}
	if status == "" {
		status = "unknown"
	}
	if e.Incomplete {
		return fmt.Sprintf("proof with key %s not completed (signature request %s, externalId %s, status %s): %v; rerun to finish: the rerun asks Dfns for the same signature request", safe(e.KeyID), safe(sig), safe(e.ExternalID), safe(status), e.Err)
	}
	return fmt.Sprintf("proof with key %s (signature %s, status %s): %v", safe(e.KeyID), safe(sig), safe(status), e.Err)
}

// Unwrap returns the cause.
func (e *ProofError) Unwrap() error { return e.Err }

// ProveKey shows that Dfns signs with key: it asks Dfns to sign a hash
// (POST /keys/{keyId}/signatures, kind Hash; a user action and the
// Keys:Signatures:Create permission), polls until the request is Signed or
// Confirmed (backing off as the client's [RetryPolicy] says, within
// opts.Timeout), and verifies the signature locally under opts.PublicKey
// (see the signatures package for each scheme). See docs/protocol.md §7
// and docs/threat-model.md §8.
//
// The request carries an externalId (opts.ExternalID, by default one
// derived from the key ID and the public key), and the hash is
// derived from it, so every attempt sends the identical body: a POST that
// failed or whose answer was lost (5xx, a dropped connection, 429) is
// retried, and a rerun after a crash asks for the same request, which
// Dfns answers with the one it made first. A 409 for the externalId is
// resolved by listing the key's signature requests: the one holding the
// externalId is used when it asks for our hash, and is an error otherwise.
// So a proof shows that the key signed that hash once, when the request
// was first made; pass another ExternalID for a fresh proof.
//
// A policy holding the request (a 202, or a request read back Pending
// with an approvalId) returns a *PolicyPendingError. Otherwise
// every failure is a *ProofError: one that could not be completed because
// of the network has [ProofError.Incomplete] set (rerun to finish); a Failed
// or Rejected request, or a signature that does not verify
// (errors.Is(err, signatures.ErrInvalid)), does not.
func (c *Client) ProveKey(ctx context.Context, key *keys.Key, opts ProveOptions) (*Proof, error) {
	return c.prove(ctx, key, opts, false)
}

// ErrProofNotFound is matched by the error of [Client.CheckProof] when
// Dfns lists no signature request with the proof's externalId.
var ErrProofNotFound = errors.New("no signature request with this externalId is listed by Dfns")

// CheckProof asks Dfns for the signature request an earlier [Client.ProveKey]
// with the same key and options made, and verifies it as ProveKey does,
// sending no signature request: it lists the key's signature requests
// (GET /keys/{keyId}/signatures, permission Keys:Signatures:Read; reads
// only, no user action), takes the one with the proof's externalId if it
// asks for the proof's hash, waits for it to be signed and verifies the
// signature. So a proof recorded earlier (in a journal, say) is grounded in
// what Dfns answers now (docs/threat-model.md §4, §8). When Dfns lists no
// such request the error matches [ErrProofNotFound]: prove with
// [Client.ProveKey]. Other errors are those of ProveKey.
func (c *Client) CheckProof(ctx context.Context, key *keys.Key, opts ProveOptions) (*Proof, error) {
	return c.prove(ctx, key, opts, true)
}

// prove is ProveKey, or CheckProof when onlyExisting is set.
func (c *Client) prove(ctx context.Context, key *keys.Key, opts ProveOptions, onlyExisting bool) (*Proof, error) {
	if key == nil {
		return nil, errors.New("no key to prove")
	}
	scheme, err := proof.SchemeOf(key)
	if err != nil {
		return nil, err
	}
	pub := opts.PublicKey
	if pub != nil {
		// Before anything is sent: a public key that cannot be one of this
		// curve (a private key pasted?) is never shown.
		if err := keys.ExpectPublicKey(pub).CheckCurve(scheme.Curve); err != nil {
			return nil, optionerr.New("the public key to verify under (PublicKey, --public-key; not shown) cannot be key %s's: %w", safe(key.ID), err)
		}
	} else {
		b, err := hex.DecodeString(key.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("key %s: publicKey is not hex", safe(key.ID))
		}
		pub = b
	}
	extID := opts.ExternalID
	if extID == "" {
		extID = proof.ExternalID(key.ID, pub)
	} else if err := checkExternalID(extID); err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultProveTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	hash := proof.Hash(scheme.Curve, extID)
	body := signatures.NewSignRequest(scheme, hash)
	body.ExternalID = extID
	var req *signatures.Request
	fail := func(err error) error {
		pe := &ProofError{KeyID: key.ID, ExternalID: extID, Err: err, Incomplete: transient(err)}
		if req != nil {
			pe.SignatureID, pe.Status = safe(req.ID), safe(req.Status)
		}
		return pe
	}
	if onlyExisting {
		req, err = c.Keys.FindSignature(ctx, key.ID, extID)
		switch {
		case err != nil:
			return nil, fail(fmt.Errorf("listing the key's signature requests: %w", err))
		case req == nil:
			return nil, fail(ErrProofNotFound)
		}
	} else {
		req, err = c.Keys.Sign(ctx, key.ID, body)
	}
	switch {
	case onlyExisting:
	case policyPending(err):
		return nil, err
	case errors.Is(err, ErrConflict):
		// Dfns holds a request with this externalId: ours, answered
		// before, or another body's.
		found, ferr := c.Keys.FindSignature(ctx, key.ID, extID)
		switch {
		case ferr != nil:
			return nil, fail(fmt.Errorf("a 409 from Dfns for externalId %s, and listing the key's signature requests to find it failed: %w (the 409: %v)", extID, ferr, err))
		case found == nil:
			return nil, fail(fmt.Errorf("a 409 from Dfns for externalId %s, but no signature request of key %s with it is listed: %w", extID, key.ID, err))
		}
		req = found
	case err != nil:
		return nil, fail(err)
	}
	if err := checkRequest(req, key.ID, body); err != nil {
		return nil, fail(err)
	}
	wait := c.retry.polls()
	for !proof.IsSigned(req.Status) {
		switch req.Status {
		case "Pending", "Executing":
			if req.ApprovalID != "" && req.Status == "Pending" {
				// Held by a policy: waiting would only run out the
				// timeout.
				return nil, &PolicyPendingError{Method: http.MethodPost, Path: "/keys/" + key.ID + "/signatures",
					ApprovalID: safe(req.ApprovalID), Status: req.Status}
			}
		case "Failed", "Rejected":
			reason := "Dfns gives no reason"
			if req.Reason != "" {
				reason = "Dfns says: " + safe(req.Reason)
			}
			return nil, fail(fmt.Errorf("the signature request ended %s (%s); a rerun with the same externalId gets the same request: pass another externalId for a new one", safe(req.Status), reason))
		default:
			return nil, fail(fmt.Errorf("unknown signature status %s", quoted(req.Status)))
		}
		if err := wait.Wait(ctx); err != nil {
			return nil, fail(fmt.Errorf("no signature within %s: %w", timeout, err))
		}
		next, err := c.Keys.GetSignature(ctx, key.ID, req.ID)
		if err != nil {
			return nil, fail(err)
		}
		if next.ID != req.ID {
			return nil, fail(fmt.Errorf("GET returned signature request %s", quoted(next.ID)))
		}
		if err := checkRequest(next, key.ID, body); err != nil {
			return nil, fail(err)
		}
		req = next
	}
	if req.Signature == nil {
		return nil, fail(fmt.Errorf("the request is %s but carries no signature", req.Status))
	}
	if err := signatures.Verify(scheme, pub, hash, req.Signature); err != nil {
		// The public key is not printed: a caller may have been given the
		// wrong value (a private key pasted by mistake).
		return nil, fail(fmt.Errorf("the signature Dfns returned was checked against the public key given: %w", err))
	}
	return &Proof{KeyID: key.ID, SignatureID: req.ID, ExternalID: extID, Scheme: scheme, PublicKey: hex.EncodeToString(pub), Hash: hash, Signature: *req.Signature}, nil
}

// checkRequest refuses a signature request that is not the one asked for:
// another key's, or, when Dfns reports them, another externalId or body.
func checkRequest(r *signatures.Request, keyID string, body *signatures.SignRequest) error {
	switch {
	case r.ID == "":
		return errors.New("the answer is a signature request without an ID")
	case r.KeyID != "" && r.KeyID != keyID:
		return fmt.Errorf("the answer is signature request %s of another key (%s)", safe(r.ID), safe(r.KeyID))
	case r.ExternalID != "" && r.ExternalID != body.ExternalID:
		return fmt.Errorf("the answer is signature request %s, whose externalId is %q, not %s", safe(r.ID), safe(r.ExternalID), body.ExternalID)
	case r.RequestBody != nil && !proof.SameBody(r.RequestBody, body):
		return fmt.Errorf("signature request %s holds externalId %s but asks for another signature (hash %s, not %s): Dfns keeps that externalId for that request; pass another externalId to prove the key", safe(r.ID), body.ExternalID, safe(r.RequestBody.Hash), body.Hash)
	}
	return nil
}

// checkExternalID refuses an externalId dfnskeys would not send.
func checkExternalID(id string) error {
	if len(id) > maxExternalIDLength || !utf8.ValidString(id) {
		return fmt.Errorf("the externalId has %d bytes; use at most %d printable ASCII characters", len(id), maxExternalIDLength)
	}
	for _, r := range id {
		if r < 0x21 || r > 0x7e {
			return fmt.Errorf("the externalId %s holds a character that is not printable ASCII (or a space): use letters, digits and punctuation", safe(id))
		}
	}
	return nil
}

// transient reports whether err is a failure of the network or of Dfns's
// availability, after which the same request may succeed: a 5xx or 429,
// a request whose answer was lost, a refused or broken connection, or a
// deadline.
func transient(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500 || ae.StatusCode == http.StatusTooManyRequests
	}
	if policyPending(err) || errors.Is(err, ErrRedirect) || errors.Is(err, errDecode) || errors.Is(err, ErrNoSigner) {
		return false
	}
	var ue *url.Error
	var ne net.Error
	var ns *notSentError
	var te *transportError
	return errors.Is(err, ErrAmbiguous) || errors.As(err, &ns) || errors.As(err, &te) || errors.As(err, &ue) || errors.As(err, &ne) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}
