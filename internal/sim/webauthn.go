package sim

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/dfnskeys/dfnskeys/auth"
)

// WebAuthnRPID is the relying-party ID of the simulator: it is rp.id in
// every challenge, and Fido2 assertions must carry SHA-256 of it as the
// rpIdHash of their authenticator data.
const WebAuthnRPID = "localhost"

// WebAuthnOrigin is the origin a [Passkey] reports in its client data. The
// simulator accepts any origin on [WebAuthnRPID]: http or https, the host
// itself or a subdomain, any port.
const WebAuthnOrigin = "http://localhost"

// Authenticator data flags (WebAuthn Level 2 §6.1, Level 3 for BE and BS).
const (
	flagUP = 0x01 // user present
	flagUV = 0x04 // user verified
	flagBE = 0x08 // backup eligible
	flagBS = 0x10 // backed up
	flagAT = 0x40 // attested credential data included
	flagED = 0x80 // extension data included
)

// authDataHeaderLen is the length of rpIdHash, flags and signCount.
const authDataHeaderLen = 32 + 1 + 4

// RegisterWebAuthnCredential adds a WebAuthn (Fido2, passkey) credential to
// the default user, or replaces the credential with that ID (of either
// kind), resetting its signature counter. pub is the credential public key:
// *ecdsa.PublicKey on P-256 (ES256) or ed25519.PublicKey (EdDSA).
// userHandle is the WebAuthn user.id the credential was created with; when
// it is non-empty, an assertion that carries a userHandle must carry this
// one. It returns an error for an empty credID or another kind of key.
//
// The credential is listed under allowCredentials.webauthn and answers
// challenges with "kind": "Fido2"; see [Passkey] for an authenticator that
// produces such assertions.
func (s *Server) RegisterWebAuthnCredential(credID string, pub crypto.PublicKey, userHandle []byte) error {
	if credID == "" {
		return errors.New("dfnstest: RegisterWebAuthnCredential: empty credential ID")
	}
	if _, err := webAuthnAlgorithm(pub); err != nil {
		return fmt.Errorf("dfnstest: RegisterWebAuthnCredential(%q): %w", credID, err)
	}
	s.register(&credential{id: credID, kind: auth.KindFido2, pub: pub, userHandle: bytes.Clone(userHandle)})
	return nil
}

// webAuthnAlgorithm names the COSE algorithm of a WebAuthn credential
// public key, or says why the key is not supported.
func webAuthnAlgorithm(pub crypto.PublicKey) (string, error) {
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		if p == nil || p.Curve != elliptic.P256() {
			return "", errors.New("ECDSA public key is not on P-256; WebAuthn credentials are ES256 (P-256) or EdDSA (Ed25519)")
		}
		if _, err := p.ECDH(); err != nil {
			return "", fmt.Errorf("invalid P-256 public key: %v", err)
		}
		return "ES256", nil
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return "", fmt.Errorf("Ed25519 public key is %d bytes; expected %d", len(p), ed25519.PublicKeySize)
		}
		return "EdDSA", nil
	}
	return "", fmt.Errorf("public key type %T is not supported; WebAuthn credentials are ES256 (*ecdsa.PublicKey on P-256) or EdDSA (ed25519.PublicKey)", pub)
}

// verifyWebAuthn checks a Fido2 assertion for the WebAuthn credential cr
// against challenge, the string from POST /auth/action/init, following the
// steps of WebAuthn Level 2 §7.2 ("Verifying an Authentication Assertion")
// that apply to a relying party with one origin: the user handle (step 6),
// the client data type, challenge and origin (steps 10 to 13), the
// authenticator data's rpIdHash and flags (steps 15 to 17) and the signature
// over authenticatorData || SHA-256(clientDataJSON) (steps 19 and 20). It
// returns the authenticator's signature counter, for step 21, which needs
// the stored counter. The challenge in clientDataJSON is base64url (no
// padding) of the UTF-8 bytes of challenge, what a browser produces when
// the challenge's bytes are passed to navigator.credentials.get, as Dfns's
// WebAuthnSigner does.
func verifyWebAuthn(cr *credential, ca *auth.CredentialAssertion, challenge string) (uint32, error) {
	if ca.UserHandle != "" {
		uh, err := decodeField("userHandle", ca.UserHandle)
		if err != nil {
			return 0, err
		}
		if len(cr.userHandle) > 0 && !bytes.Equal(uh, cr.userHandle) {
			return 0, errors.New("userHandle is not the user handle the credential was registered with: the credential belongs to another user")
		}
	}
	clientData, err := decodeField("clientData", ca.ClientData)
	if err != nil {
		return 0, err
	}
	authData, err := decodeField("authenticatorData", ca.AuthenticatorData)
	if err != nil {
		return 0, err
	}
	sig, err := decodeField("signature", ca.Signature)
	if err != nil {
		return 0, err
	}

	cd, err := parseCollectedClientData(clientData)
	if err != nil {
		return 0, err
	}
	switch cd.typ {
	case "webauthn.get":
	case "webauthn.create":
		return 0, errors.New(`clientData type is "webauthn.create", the type of a registration (navigator.credentials.create); a user action needs an assertion, type "webauthn.get"`)
	case "key.get":
		return 0, errors.New(`clientData type is "key.get", the client data of a Key credential; a Fido2 assertion has type "webauthn.get"`)
	default:
		return 0, fmt.Errorf(`clientData type is %q; expected "webauthn.get"`, cd.typ)
	}
	if want := base64.RawURLEncoding.EncodeToString([]byte(challenge)); cd.challenge != want {
		if cd.challenge == challenge {
			return 0, fmt.Errorf("clientData challenge is the challenge string itself; a WebAuthn client puts base64url of the challenge's bytes there, so pass the UTF-8 bytes of the challenge (Buffer.from(challenge)) to navigator.credentials.get: expected %q", want)
		}
		return 0, fmt.Errorf("clientData challenge %q is not base64url (no padding) of the UTF-8 bytes of this challenge, %q", cd.challenge, want)
	}
	if !cd.hasOrigin {
		return 0, errors.New(`clientData has no "origin"`)
	}
	if err := checkOrigin(cd.origin, WebAuthnRPID); err != nil {
		return 0, err
	}
	if cd.crossOrigin {
		return 0, errors.New("clientData crossOrigin is true: the simulator does not accept assertions made in a cross-origin iframe")
	}

	if len(authData) < authDataHeaderLen {
		return 0, fmt.Errorf("authenticatorData is %d bytes; it must be at least %d (rpIdHash, flags, signCount)", len(authData), authDataHeaderLen)
	}
	if rpIDHash := sha256.Sum256([]byte(WebAuthnRPID)); !bytes.Equal(authData[:32], rpIDHash[:]) {
		return 0, fmt.Errorf("authenticatorData rpIdHash is not SHA-256 of the relying-party ID %q: the credential was created for another relying party", WebAuthnRPID)
	}
	flags := authData[32]
	if flags&flagUP == 0 {
		return 0, errors.New("authenticatorData flags: User Present (UP) is not set")
	}
	if flags&flagUV == 0 {
		return 0, errors.New(`authenticatorData flags: User Verified (UV) is not set, and the challenge's userVerification is "required"`)
	}
	if flags&flagBS != 0 && flags&flagBE == 0 {
		return 0, errors.New("authenticatorData flags: Backup State (BS) is set without Backup Eligibility (BE)")
	}
	if len(authData) > authDataHeaderLen && flags&(flagAT|flagED) == 0 {
		return 0, fmt.Errorf("authenticatorData is %d bytes, but with neither the AT nor the ED flag set it must be exactly %d", len(authData), authDataHeaderLen)
	}

	clientDataHash := sha256.Sum256(clientData)
	signed := append(bytes.Clone(authData), clientDataHash[:]...)
	ok := false
	switch p := cr.pub.(type) {
	case *ecdsa.PublicKey:
		digest := sha256.Sum256(signed)
		ok = ecdsa.VerifyASN1(p, digest[:], sig)
	case ed25519.PublicKey:
		ok = ed25519.Verify(p, signed, sig)
	}
	if !ok {
		alg, _ := webAuthnAlgorithm(cr.pub)
		return 0, fmt.Errorf("the %s signature does not verify with the credential's public key over authenticatorData || SHA-256(clientDataJSON)", alg)
	}
	return binary.BigEndian.Uint32(authData[33:authDataHeaderLen]), nil
}

// decodeField decodes a non-empty base64url (no padding) assertion field.
func decodeField(name, s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s is not base64url without padding", name)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%s is empty", name)
	}
	return b, nil
}

// collectedClientData holds the members of clientDataJSON the relying party
// checks.
type collectedClientData struct {
	typ, challenge, origin string
	hasOrigin, crossOrigin bool
}

// parseCollectedClientData parses clientDataJSON strictly: a UTF-8 JSON
// object without duplicate members, whose type, challenge, origin and
// topOrigin are strings and crossOrigin a boolean; other members are
// ignored, as WebAuthn requires.
func parseCollectedClientData(b []byte) (*collectedClientData, error) {
	bad := func(why string) (*collectedClientData, error) {
		return nil, fmt.Errorf("clientData %s", why)
	}
	if !utf8.Valid(b) {
		return bad("is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return bad("is not a JSON object")
	}
	cd := &collectedClientData{}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		key, ok := tok.(string)
		if err != nil || !ok {
			return bad("is not valid JSON")
		}
		if seen[key] {
			return bad(fmt.Sprintf("has the member %q twice", key))
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return bad("is not valid JSON")
		}
		switch key {
		case "type", "challenge", "origin", "topOrigin":
			var s string
			if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
				return bad(fmt.Sprintf("member %q is not a string", key))
			}
			switch key {
			case "type":
				cd.typ = s
			case "challenge":
				cd.challenge = s
			case "origin":
				cd.origin, cd.hasOrigin = s, true
			}
		case "crossOrigin":
			if err := json.Unmarshal(raw, &cd.crossOrigin); err != nil || string(raw) == "null" {
				return bad(`member "crossOrigin" is not a boolean`)
			}
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return bad("is not valid JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return bad("has data after the JSON object")
	}
	if !seen["type"] {
		return bad(`has no "type"`)
	}
	if !seen["challenge"] {
		return bad(`has no "challenge"`)
	}
	return cd, nil
}

// checkOrigin reports whether origin is a serialized origin on rpID: https,
// or http on localhost, with the host rpID or a subdomain of it.
func checkOrigin(origin, rpID string) error {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" || u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return fmt.Errorf("clientData origin %q is not an origin (scheme://host[:port])", origin)
	}
	host := u.Hostname()
	localhost := host == "localhost" || strings.HasSuffix(host, ".localhost")
	if u.Scheme != "https" && (u.Scheme != "http" || !localhost) {
		return fmt.Errorf("clientData origin %q is not https (http is allowed only on localhost)", origin)
	}
	if host != rpID && !strings.HasSuffix(host, "."+rpID) {
		return fmt.Errorf("clientData origin %q is not on the relying-party ID %q (expected, for example, %q)", origin, rpID, WebAuthnOrigin)
	}
	return nil
}

// Passkey plays a WebAuthn authenticator holding one credential, as a
// browser would drive it for Dfns's WebAuthnSigner: it answers challenges
// with Fido2 assertions that the [Server] verifies once the credential is
// registered with [Server.RegisterWebAuthnCredential]. It behaves like a
// synced passkey: user present and verified, backup eligible and backed up,
// signature counter always 0. Printing a Passkey shows only its credential
// ID. A Passkey implements [auth.UserActionSigner] and is safe for concurrent use.
type Passkey struct {
	credID       string
	pub          crypto.PublicKey
	userHandle   []byte
	rpID, origin string
	// sign holds the private key in a closure, out of reach of reflection.
	sign func(msg []byte) ([]byte, error)
}

var _ auth.UserActionSigner = (*Passkey)(nil)

// NewPasskey returns a Passkey for the credential credID that signs with
// key: *ecdsa.PrivateKey on P-256 (ES256), ed25519.PrivateKey (EdDSA), or
// any other crypto.Signer whose public key is one of those. userHandle is
// the WebAuthn user.id, sent in every assertion when non-empty.
func NewPasskey(credID string, key crypto.Signer, userHandle []byte) (*Passkey, error) {
	if credID == "" {
		return nil, errors.New("NewPasskey: empty credential ID")
	}
	if key == nil {
		return nil, errors.New("NewPasskey: nil key")
	}
	pub := key.Public()
	if _, err := webAuthnAlgorithm(pub); err != nil {
		return nil, fmt.Errorf("NewPasskey: %w", err)
	}
	sign := func(msg []byte) ([]byte, error) {
		if _, ok := pub.(ed25519.PublicKey); ok {
			return key.Sign(rand.Reader, msg, crypto.Hash(0))
		}
		digest := sha256.Sum256(msg)
		return key.Sign(rand.Reader, digest[:], crypto.SHA256)
	}
	return &Passkey{
		credID: credID, pub: pub, userHandle: bytes.Clone(userHandle),
		rpID: WebAuthnRPID, origin: WebAuthnOrigin, sign: sign,
	}, nil
}

// CredentialID returns the credential ID.
func (p *Passkey) CredentialID() string { return p.credID }

// PublicKey returns the credential public key, *ecdsa.PublicKey or
// ed25519.PublicKey, for [Server.RegisterWebAuthnCredential].
func (p *Passkey) PublicKey() crypto.PublicKey { return p.pub }

// UserHandle returns a copy of the user handle, nil if there is none.
func (p *Passkey) UserHandle() []byte { return bytes.Clone(p.userHandle) }

// String returns the credential ID, never key material.
func (p *Passkey) String() string { return fmt.Sprintf("dfnstest.Passkey{credID: %q}", p.credID) }

// GoString returns the same as String.
func (p *Passkey) GoString() string { return p.String() }

// Format implements [fmt.Formatter]: every verb prints String.
func (p *Passkey) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, p.String()) }

// Sign answers challenge as a browser would for navigator.credentials.get
// with the challenge's bytes, its rp.id and allowCredentials.webauthn. It
// refuses a challenge for another relying party, or whose
// allowCredentials.webauthn does not list the credential.
func (p *Passkey) Sign(ctx context.Context, challenge *auth.UserActionChallenge) (*auth.Assertion, error) {
	if ctx != nil {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("passkey not signing the challenge: %w", err)
		}
	}
	if challenge == nil {
		return nil, errors.New("passkey: challenge is nil")
	}
	if challenge.RP != nil && challenge.RP.ID != p.rpID {
		return nil, fmt.Errorf("passkey %q belongs to the relying party %q, but the challenge is for rp.id %q", p.credID, p.rpID, challenge.RP.ID)
	}
	listed := false
	for _, c := range challenge.AllowCredentials.WebAuthn {
		listed = listed || c.ID == p.credID
	}
	if !listed {
		return nil, fmt.Errorf("passkey %q is not in the challenge's allowCredentials.webauthn; register it with Server.RegisterWebAuthnCredential", p.credID)
	}
	return p.Assert(challenge.Challenge)
}

// Assert returns the Fido2 assertion for the challenge string, without
// the checks of [Passkey.Sign].
func (p *Passkey) Assert(challenge string) (*auth.Assertion, error) {
	if challenge == "" || !utf8.ValidString(challenge) {
		return nil, errors.New("passkey: the challenge is empty or not valid UTF-8")
	}
	clientData := p.clientData("webauthn.get", base64.RawURLEncoding.EncodeToString([]byte(challenge)))
	return p.assertion(clientData, authenticatorData(p.rpID, flagUP|flagUV|flagBE|flagBS, 0))
}

// clientData returns clientDataJSON as browsers serialize it.
func (p *Passkey) clientData(typ, encodedChallenge string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		Type        string `json:"type"`
		Challenge   string `json:"challenge"`
		Origin      string `json:"origin"`
		CrossOrigin bool   `json:"crossOrigin"`
	}{typ, encodedChallenge, p.origin, false})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// authenticatorData returns authenticator data without attested credential
// data or extensions.
func authenticatorData(rpID string, flags byte, signCount uint32) []byte {
	h := sha256.Sum256([]byte(rpID))
	return binary.BigEndian.AppendUint32(append(h[:], flags), signCount)
}

// assertion signs authData || SHA-256(clientData) and encodes the result.
func (p *Passkey) assertion(clientData, authData []byte) (*auth.Assertion, error) {
	h := sha256.Sum256(clientData)
	sig, err := p.sign(append(bytes.Clone(authData), h[:]...))
	if err != nil {
		return nil, fmt.Errorf("passkey signing failed: %w", err)
	}
	return p.encode(clientData, authData, sig), nil
}

// encode builds the assertion from its raw parts.
func (p *Passkey) encode(clientData, authData, sig []byte) *auth.Assertion {
	enc := base64.RawURLEncoding
	return &auth.Assertion{Kind: auth.KindFido2, CredentialAssertion: auth.CredentialAssertion{
		CredID:            p.credID,
		ClientData:        enc.EncodeToString(clientData),
		AuthenticatorData: enc.EncodeToString(authData),
		Signature:         enc.EncodeToString(sig),
		UserHandle:        enc.EncodeToString(p.userHandle),
	}}
}
