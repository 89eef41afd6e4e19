package auth

import (
	"bytes"
	"encoding/json"
)

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

// UserActionChallenge is the response of POST /auth/action/init. Fields this
// package does not know are ignored when decoding.
type UserActionChallenge struct {
	// Challenge is the string a credential signs.
	Challenge string `json:"challenge"`
	// ChallengeIdentifier (a JWT) is sent back with the assertion.
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
