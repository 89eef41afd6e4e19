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

func (c *Client) initUserAction(ctx context.Context, cl *call) (*pendingAction, error) {
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
	return &pendingAction{Method: cl.method, Path: cl.path, Body: cl.body, Challenge: &challenge}, nil
}

func (c *Client) exchangeAssertion(ctx context.Context, p *pendingAction, a *auth.Assertion) (string, error) {
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

// pendingAction is a user action waiting for its signature: the challenge
// to sign and the exact request that the signature will authorise.
type pendingAction struct {
	// Method and Path are the request the challenge is bound to.
	Method, Path string
	// Body is the exact request body that was bound to the challenge.
	Body []byte
	// Challenge is the challenge to sign.
	Challenge *auth.UserActionChallenge
}
