package dfnskeys

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/authwire"
)

// userActionToken obtains a one-time user-action token for cl: it asks
// for a challenge bound to cl's method, path and exact body, signs it with
// the client's signer and exchanges the assertion for a token.
func (c *Client) userActionToken(ctx context.Context, cl *call) (string, error) {
	pending, err := c.initUserAction(ctx, cl)
	if err != nil {
		return "", err
	}
	assertion, err := c.signer.Sign(ctx, pending.Challenge)
	if err != nil {
		return "", fmt.Errorf("signing the user action for %s %s: %w", cl.method, cl.path, err)
	}
	return c.exchangeAssertion(ctx, pending, assertion)
}

func (c *Client) initUserAction(ctx context.Context, cl *call) (*PendingAction, error) {
	init, err := authwire.NewUserActionInitRequest(cl.method, cl.path, cl.body)
	if err != nil {
		return nil, fmt.Errorf("preparing the user action for %s %s: %w", cl.method, cl.path, err)
	}
	var challenge auth.UserActionChallenge
	ic, err := newCall(http.MethodPost, "/auth/action/init", init, &challenge)
	if err != nil {
		return nil, err
	}
	if _, _, err := c.send(ctx, ic, ""); err != nil {
		return nil, err
	}
	if challenge.Challenge == "" || challenge.ChallengeIdentifier == "" {
		return nil, fmt.Errorf("%w: POST /auth/action/init: the challenge or its identifier is missing", errDecode)
	}
	return &PendingAction{Method: cl.method, Path: cl.path, Body: cl.body, Challenge: &challenge}, nil
}

func (c *Client) exchangeAssertion(ctx context.Context, p *PendingAction, a *auth.Assertion) (string, error) {
	if a == nil {
		return "", errors.New("no assertion for the user action")
	}
	if err := authwire.ValidateAssertion(a); err != nil {
		return "", fmt.Errorf("the assertion for the user action: %w", err)
	}
	var out authwire.UserActionResponse
	ec, err := newCall(http.MethodPost, "/auth/action", &authwire.UserActionRequest{
		ChallengeIdentifier: p.Challenge.ChallengeIdentifier,
		FirstFactor:         *a,
	}, &out)
	if err != nil {
		return "", err
	}
	if _, _, err := c.send(ctx, ec, ""); err != nil {
		return "", err
	}
	if out.UserAction == "" {
		return "", fmt.Errorf("%w: POST /auth/action: no userAction token in the response", errDecode)
	}
	return out.UserAction, nil
}

// PendingAction is a user action waiting for its signature: the challenge
// to sign and the exact request that the signature will authorise. Hand the
// challenge to whoever holds the credential (an end user's passkey, an
// HSM…), then pass their assertion to [Client.CompleteUserAction].
type PendingAction struct {
	// Method and Path are the request the challenge is bound to.
	Method, Path string
	// Body is the exact request body that was bound to the challenge and
	// that CompleteUserAction sends.
	Body []byte
	// Challenge is the challenge to sign.
	Challenge *auth.UserActionChallenge
}

// InitUserAction starts a delegated user action: it serialises body once
// ([]byte and json.RawMessage are used as they are) and asks Dfns for a
// challenge bound to method, path and those bytes. path is relative to the
// base URL, for example "/keys/import".
func (c *Client) InitUserAction(ctx context.Context, method, path string, body any) (*PendingAction, error) {
	cl, err := newCall(method, path, body, nil)
	if err != nil {
		return nil, err
	}
	var p *PendingAction
	err = c.retrying(ctx, cl, func() error {
		var err error
		p, err = c.initUserAction(ctx, cl)
		return err
	})
	return p, err
}

// CompleteUserAction exchanges a signed assertion (Key or Fido2) for a
// user-action token and sends the pending request with exactly the bytes
// that were bound to the challenge, decoding the response into out. The
// token is good for one request, so the request is sent once: a failure is
// returned, never retried (a retry needs a new challenge and signature).
func (c *Client) CompleteUserAction(ctx context.Context, p *PendingAction, assertion *auth.Assertion, out any) error {
	if p == nil || p.Challenge == nil {
		return errors.New("CompleteUserAction needs the PendingAction returned by InitUserAction")
	}
	token, err := c.exchangeAssertion(ctx, p, assertion)
	if err != nil {
		return err
	}
	cl := &call{method: p.Method, path: p.Path, body: p.Body, userAction: true, token: token, out: out}
	return c.do(ctx, cl)
}

// retrying runs f, a call that changes nothing on the server, under the
// retry policy of reads.
func (c *Client) retrying(ctx context.Context, cl *call, f func() error) error {
	wait := c.retry.retries()
	for attempt := 1; ; attempt++ {
		if err := c.waitThrottle(ctx); err != nil {
			return err
		}
		err := f()
		if err == nil {
			return nil
		}
		res := classifyRead(ctx, err)
		if res.retryAfter > 0 {
			c.throttle(res.retryAfter)
		}
		if !res.retryable || attempt >= c.retry.MaxAttempts || res.retryAfter > c.retry.MaxRetryAfter {
			return res.err
		}
		if err := sleep(ctx, max(wait.Next(), res.retryAfter)); err != nil {
			return res.err
		}
	}
}
