package dfnskeys

import (
	"context"
	"errors"

	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/keys"
)

// NewClientFromEnvFunc exposes newClientFromEnv to the external tests,
// which use dfnstest (which imports this package).
var NewClientFromEnvFunc = newClientFromEnv

// PendingAction is a user action waiting for its signature, for the tests
// of delegated signing and of the simulator's assertion checks.
type PendingAction = pendingAction

// InitUserAction asks for a challenge bound to method, path and body, as
// the Client does before every user action.
func InitUserAction(c *Client, ctx context.Context, method, path string, body any) (*PendingAction, error) {
	cl, err := newCall(method, path, body, nil)
	if err != nil {
		return nil, err
	}
	return c.initUserAction(ctx, cl)
}

// CompleteUserAction exchanges assertion for a token and sends p's request
// once with it, decoding the answer into out.
func CompleteUserAction(c *Client, ctx context.Context, p *PendingAction, assertion *auth.Assertion, out any) error {
	if p == nil || p.Challenge == nil {
		return errors.New("no pending action")
	}
	token, err := c.exchangeAssertion(ctx, p, assertion)
	if err != nil {
		return err
	}
	return c.do(ctx, &call{method: p.Method, path: p.Path, body: p.Body, userAction: true, token: token, out: out})
}

// ImportRequest is the raw POST /keys/import, without the checks of
// SendImport.
func ImportRequest(c *Client, ctx context.Context, req *keys.ImportRequest) (*keys.Key, error) {
	return c.Keys.importRequest(ctx, req)
}

// ImportWalletRequest is the raw POST /wallets/import.
func ImportWalletRequest(c *Client, ctx context.Context, req *importbuild.WalletRequest) (*keys.Wallet, error) {
	return c.importWalletRequest(ctx, req)
}

// FindImported is the look-up that resolves an ambiguous import.
func FindImported(c *Client, ctx context.Context, scheme keys.Scheme, publicKeyHex string) (*keys.Key, error) {
	return c.Keys.findImported(ctx, scheme, publicKeyHex, nil)
}

// CompleteImport is CompleteUserAction for a prepared POST /keys/import.
func CompleteImport(c *Client, ctx context.Context, p *PendingAction, assertion *auth.Assertion) (*keys.Key, error) {
	var out keys.Key
	if err := CompleteUserAction(c, ctx, p, assertion, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ImportClockSkew is importClockSkew, for the tests of resolving an
// ambiguous import.
const ImportClockSkew = importClockSkew
