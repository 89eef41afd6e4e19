// Package authwire holds the bodies of the user-action routes (POST
// /auth/action/init and POST /auth/action, docs/protocol.md §6) that the
// client sends and the simulator reads. Package auth keeps what a caller
// touches: the challenge, the assertion and the signers.
package authwire

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/dfnskeys/dfnskeys/auth"
)

// ServerKindAPI is the userActionServerKind for calls to the Dfns API.
const ServerKindAPI = "Api"

// UserActionInitRequest is the body of POST /auth/action/init. It names the
// exact request the user action will authorize.
type UserActionInitRequest struct {
	// UserActionPayload is the exact JSON body that will be sent, as a
	// string, or "" for a request without a body.
	UserActionPayload string `json:"userActionPayload"`
	// UserActionHTTPMethod is the HTTP method, for example "POST".
	UserActionHTTPMethod string `json:"userActionHttpMethod"`
	// UserActionHTTPPath is the request path without host or query, for
	// example "/keys/import".
	UserActionHTTPPath string `json:"userActionHttpPath"`
	// UserActionServerKind is normally [ServerKindAPI].
	UserActionServerKind string `json:"userActionServerKind"`
}

// NewUserActionInitRequest returns the init request for a call with the given
// method, path and body. The body must be exactly the bytes that will be sent
// (nil or empty for no body); path must start with "/" and carry no host,
// query or fragment.
func NewUserActionInitRequest(method, path string, body []byte) (*UserActionInitRequest, error) {
	if method == "" || strings.ToUpper(method) != method || strings.ContainsAny(method, " \t\r\n") {
		return nil, fmt.Errorf("HTTP method %q is not valid; use an upper-case method such as \"POST\"", method)
	}
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.ContainsAny(path, "?# \t\r\n") {
		return nil, fmt.Errorf("HTTP path %q is not valid; use the path alone, starting with \"/\", without host or query (for example \"/keys/import\")", path)
	}
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("request body is not valid UTF-8; the user action payload must be the exact JSON text that will be sent")
	}
	if len(body) > 0 && !json.Valid(body) {
		return nil, fmt.Errorf("request body is not valid JSON; the user action payload must be the exact JSON text that will be sent")
	}
	return &UserActionInitRequest{
		UserActionPayload:    string(body),
		UserActionHTTPMethod: method,
		UserActionHTTPPath:   path,
		UserActionServerKind: ServerKindAPI,
	}, nil
}

// UserActionRequest is the body of POST /auth/action.
type UserActionRequest struct {
	// ChallengeIdentifier is copied from the [auth.UserActionChallenge].
	ChallengeIdentifier string `json:"challengeIdentifier"`
	// FirstFactor is the assertion that answers the challenge.
	FirstFactor auth.Assertion `json:"firstFactor"`
	// SecondFactor is an optional second assertion.
	SecondFactor *auth.Assertion `json:"secondFactor,omitempty"`
}

// UserActionResponse is the response of POST /auth/action.
type UserActionResponse struct {
	// UserAction is the token to send in the X-DFNS-USERACTION header. It is
	// good for one request.
	UserAction string `json:"userAction"`
}

// String describes the response without its token: a user-action token
// authorizes a request, so it is never printed.
func (r UserActionResponse) String() string {
	if r.UserAction == "" {
		return "authwire.UserActionResponse{UserAction: none}"
	}
	return "authwire.UserActionResponse{UserAction: REDACTED}"
}

// GoString is String, for %#v.
func (r UserActionResponse) GoString() string { return r.String() }

// Format implements [fmt.Formatter]: every verb prints String.
func (r UserActionResponse) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue implements [slog.LogValuer] with String.
func (r UserActionResponse) LogValue() slog.Value { return slog.StringValue(r.String()) }

// ValidateAssertion reports whether a has the fields its kind requires. It does not
// check the signature: that is the server's job.
func ValidateAssertion(a *auth.Assertion) error {
	if a == nil {
		return fmt.Errorf("assertion is missing")
	}
	ca := &a.CredentialAssertion
	missing := func(field string) error {
		return fmt.Errorf("%s assertion has no %s", a.Kind, field)
	}
	switch a.Kind {
	case auth.KindKey, auth.KindPasswordProtectedKey, auth.KindFido2:
	case "":
		return fmt.Errorf("assertion has no kind; expected %q or %q", auth.KindKey, auth.KindFido2)
	default:
		return fmt.Errorf("assertion kind %q is not supported; expected %q, %q or %q", a.Kind, auth.KindKey, auth.KindPasswordProtectedKey, auth.KindFido2)
	}
	if ca.CredID == "" {
		return missing("credId")
	}
	if ca.ClientData == "" {
		return missing("clientData")
	}
	if ca.Signature == "" {
		return missing("signature")
	}
	if a.Kind == auth.KindFido2 && ca.AuthenticatorData == "" {
		return missing("authenticatorData")
	}
	if a.Kind != auth.KindFido2 && (ca.AuthenticatorData != "" || ca.UserHandle != "") {
		return fmt.Errorf("%s assertion carries Fido2-only fields (authenticatorData or userHandle)", a.Kind)
	}
	return nil
}
