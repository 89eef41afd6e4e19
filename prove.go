package dfnskeys

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signatures"
)

// DefaultProveTimeout bounds how long [Client.ProveKey] waits for Dfns to
// sign.
const DefaultProveTimeout = 2 * time.Minute

// ProveOptions configures [Client.ProveKey].
type ProveOptions struct {
	// PublicKey is the public key the signature must verify under, in
	// Dfns's encoding; nil means the key's own, as Dfns reports it. After
	// an import, pass the public key computed from the local secret.
	PublicKey []byte
	// Timeout bounds the wait for the signature; 0 means
	// [DefaultProveTimeout].
	Timeout time.Duration
}

// Proof is a signature Dfns made with a key and that verified locally.
type Proof struct {
	// KeyID is the key that signed.
	KeyID string
	// SignatureID is Dfns's ID of the signature request.
	SignatureID string
	// Scheme is how the signature was verified.
	Scheme keys.Scheme
	// PublicKey is the public key it verified under, hex.
	PublicKey string
	// Hash is the fresh random hash that was signed.
	Hash []byte
	// Signature is the signature as Dfns returned it.
	Signature signatures.Signature
}

// ProofError is a proof that did not succeed after Dfns was asked to sign:
// the request failed or was rejected, or the signature does not verify
// (errors.Is(err, signatures.ErrInvalid)).
type ProofError struct {
	// KeyID is the key that was to sign.
	KeyID string
	// SignatureID is the signature request, when one was made.
	SignatureID string
	// Status is the request's last status.
	Status string
	// Err says what went wrong.
	Err error
}

// Error names the key and what went wrong.
func (e *ProofError) Error() string {
	return fmt.Sprintf("proof with key %s (signature %s, status %s): %v", safe(e.KeyID), safe(e.SignatureID), safe(e.Status), e.Err)
}

// Unwrap returns the cause.
func (e *ProofError) Unwrap() error { return e.Err }

// ProveKey shows that Dfns signs with key: it asks Dfns to sign a fresh
// random hash (POST /keys/{keyId}/signatures, kind Hash; a user action and
// the Keys:Signatures:Create permission), polls until the request is
// Signed (backing off as the client's [RetryPolicy] says, within
// opts.Timeout), and verifies the signature locally under opts.PublicKey
// (see the signatures package for each scheme). A policy holding the
// request returns a *PolicyPendingError; a Failed or Rejected request, a
// timeout, or a signature that does not verify returns a *ProofError.
// See docs/protocol.md §7.
func (c *Client) ProveKey(ctx context.Context, key *keys.Key, opts ProveOptions) (*Proof, error) {
	if key == nil {
		return nil, errors.New("no key to prove")
	}
	scheme, err := signatures.SchemeOf(key)
	if err != nil {
		return nil, err
	}
	pub := opts.PublicKey
	if pub == nil {
		b, err := hex.DecodeString(key.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("key %s: publicKey is not hex", safe(key.ID))
		}
		pub = b
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultProveTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	hash := signatures.NewProofHash(scheme.Curve)
	req, err := c.Keys.Sign(ctx, key.ID, signatures.NewSignRequest(scheme, hash))
	if err != nil {
		return nil, err
	}
	fail := func(err error) error {
		return &ProofError{KeyID: key.ID, SignatureID: req.ID, Status: req.Status, Err: err}
	}
	wait := c.retry.polls()
	for req.Status != signatures.StatusSigned {
		switch req.Status {
		case signatures.StatusPending, signatures.StatusExecuting:
		case signatures.StatusFailed, signatures.StatusRejected:
			reason := "Dfns gives no reason"
			if req.Reason != "" {
				reason = "Dfns says: " + safe(req.Reason)
			}
			return nil, fail(fmt.Errorf("the signature request ended %s (%s)", safe(req.Status), reason))
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
		req = next
	}
	if req.Signature == nil {
		return nil, fail(errors.New("the request is Signed but carries no signature"))
	}
	if err := signatures.Verify(scheme, pub, hash, req.Signature); err != nil {
		// The public key is not printed: a caller may have been given the
		// wrong value (a private key pasted by mistake).
		return nil, fail(fmt.Errorf("the signature Dfns returned was checked against the public key given: %w", err))
	}
	return &Proof{KeyID: key.ID, SignatureID: req.ID, Scheme: scheme, PublicKey: hex.EncodeToString(pub), Hash: hash, Signature: *req.Signature}, nil
}
