package auth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ServerKindAPI is the userActionServerKind for calls to the Dfns API.
const ServerKindAPI = "Api"

// CredentialKind names the kind of credential that made an [Assertion].
type CredentialKind string

// Credential kinds that can appear in an [Assertion].
const (
	// KindKey is a Key credential: a private key held by the caller.
	KindKey CredentialKind = "Key"
	// KindFido2 is a WebAuthn (passkey) credential.
	KindFido2 CredentialKind = "Fido2"
	// KindPasswordProtectedKey is a Key credential whose private key Dfns
	// stores encrypted under the user's password.
	KindPasswordProtectedKey CredentialKind = "PasswordProtectedKey"
)

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

// UserActionChallenge is the response of POST /auth/action/init. Fields this
// package does not know are ignored when decoding.
type UserActionChallenge struct {
	// Challenge is the string a credential signs.
	Challenge string `json:"challenge"`
	// ChallengeIdentifier (a JWT) is sent back in [UserActionRequest].
	ChallengeIdentifier string `json:"challengeIdentifier"`
	// AllowCredentials lists the user's credentials that may sign.
	AllowCredentials AllowCredentials `json:"allowCredentials"`
	// SupportedCredentialKinds lists the credential kinds the user may use.
	SupportedCredentialKinds []SupportedCredentialKind `json:"supportedCredentialKinds,omitempty"`
	// UserVerification is the WebAuthn user-verification requirement.
	UserVerification string `json:"userVerification,omitempty"`
	// RP is the WebAuthn relying party, when Dfns sends one.
	RP *RelyingParty `json:"rp,omitempty"`
	// Attestation is the WebAuthn attestation preference.
	Attestation string `json:"attestation,omitempty"`
	// ExternalAuthenticationURL is a URL where the user can sign in a
	// browser, when Dfns sends one.
	ExternalAuthenticationURL string `json:"externalAuthenticationUrl,omitempty"`
}

// AllowCredentials lists, per credential kind, the credentials that may answer
// a [UserActionChallenge].
type AllowCredentials struct {
	// Key lists Key credentials.
	Key []AllowCredential `json:"key"`
	// WebAuthn lists Fido2 (passkey) credentials.
	WebAuthn []AllowCredential `json:"webauthn"`
	// PasswordProtectedKey lists password-protected Key credentials.
	PasswordProtectedKey []AllowCredential `json:"passwordProtectedKey,omitempty"`
}

// AllowCredential identifies one credential allowed to sign a challenge.
type AllowCredential struct {
	// Type is "public-key".
	Type string `json:"type"`
	// ID is the credential ID (credId in an assertion).
	ID string `json:"id"`
	// Transports lists WebAuthn transports, if any.
	Transports []string `json:"transports,omitempty"`
	// EncryptedPrivateKey is set for password-protected keys.
	EncryptedPrivateKey string `json:"encryptedPrivateKey,omitempty"`
}

// SupportedCredentialKind is one entry of supportedCredentialKinds. Decoding
// also accepts a bare string, taken as the kind.
type SupportedCredentialKind struct {
	// Kind is the credential kind, for example "Key".
	Kind string `json:"kind"`
	// Factor is "first", "second" or "either".
	Factor string `json:"factor,omitempty"`
	// RequiresSecondFactor says whether a second factor must follow.
	RequiresSecondFactor bool `json:"requiresSecondFactor,omitempty"`
}

// UnmarshalJSON implements [json.Unmarshaler]. It accepts an object or a bare
// string.
func (k *SupportedCredentialKind) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*k = SupportedCredentialKind{Kind: s}
		return nil
	}
	type plain SupportedCredentialKind
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*k = SupportedCredentialKind(p)
	return nil
}

// RelyingParty is the WebAuthn relying party of a challenge.
type RelyingParty struct {
	// ID is the relying-party ID, a domain.
	ID string `json:"id"`
	// Name is the display name.
	Name string `json:"name"`
}

// UserActionRequest is the body of POST /auth/action.
type UserActionRequest struct {
	// ChallengeIdentifier is copied from the [UserActionChallenge].
	ChallengeIdentifier string `json:"challengeIdentifier"`
	// FirstFactor is the assertion that answers the challenge.
	FirstFactor Assertion `json:"firstFactor"`
	// SecondFactor is an optional second assertion.
	SecondFactor *Assertion `json:"secondFactor,omitempty"`
}

// Assertion is a credential's answer to a challenge, as sent in firstFactor
// or secondFactor. A Key assertion marshals as
// {"kind":"Key","credentialAssertion":{"credId":…,"clientData":…,"signature":…}}.
type Assertion struct {
	// Kind is the credential kind.
	Kind CredentialKind `json:"kind"`
	// CredentialAssertion holds the signed data.
	CredentialAssertion CredentialAssertion `json:"credentialAssertion"`
}

// CredentialAssertion is the signed part of an [Assertion]. All byte fields
// are base64url without padding. AuthenticatorData and UserHandle are used
// only by Fido2 assertions and are omitted when empty.
type CredentialAssertion struct {
	// CredID is the credential ID.
	CredID string `json:"credId"`
	// ClientData is the signed client data.
	ClientData string `json:"clientData"`
	// AuthenticatorData is the WebAuthn authenticator data (Fido2 only).
	AuthenticatorData string `json:"authenticatorData,omitempty"`
	// Signature is the signature.
	Signature string `json:"signature"`
	// UserHandle is the WebAuthn user handle (Fido2 only).
	UserHandle string `json:"userHandle,omitempty"`
}

// Validate reports whether a has the fields its kind requires. It does not
// check the signature: that is the server's job.
func (a *Assertion) Validate() error {
	if a == nil {
		return fmt.Errorf("assertion is missing")
	}
	ca := &a.CredentialAssertion
	missing := func(field string) error {
		return fmt.Errorf("%s assertion has no %s", a.Kind, field)
	}
	switch a.Kind {
	case KindKey, KindPasswordProtectedKey, KindFido2:
	case "":
		return fmt.Errorf("assertion has no kind; expected %q or %q", KindKey, KindFido2)
	default:
		return fmt.Errorf("assertion kind %q is not supported; expected %q, %q or %q", a.Kind, KindKey, KindPasswordProtectedKey, KindFido2)
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
	if a.Kind == KindFido2 && ca.AuthenticatorData == "" {
		return missing("authenticatorData")
	}
	if a.Kind != KindFido2 && (ca.AuthenticatorData != "" || ca.UserHandle != "") {
		return fmt.Errorf("%s assertion carries Fido2-only fields (authenticatorData or userHandle)", a.Kind)
	}
	return nil
}

// UserActionResponse is the response of POST /auth/action.
type UserActionResponse struct {
	// UserAction is the token to send in the X-DFNS-USERACTION header. It is
	// good for one request.
	UserAction string `json:"userAction"`
}
