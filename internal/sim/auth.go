package sim

import (
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/authwire"
	"github.com/dfnskeys/dfnskeys/internal/credkey"
)

// permissions is a token's permission set; nil means every permission.
type permissions map[string]bool

// credential is a credential of the default user. A registration under an
// existing ID replaces the whole value.
type credential struct {
	id         string
	kind       auth.CredentialKind // auth.KindKey or auth.KindFido2
	pub        crypto.PublicKey
	userHandle []byte // Fido2: the WebAuthn user.id, or nil to not check it
	signCount  uint32 // Fido2: the last signature counter seen; guarded by Server.mu
}

// signedAction is a pending challenge or an issued user-action token: the
// request it authorizes.
type signedAction struct {
	challenge          string // challenges only
	method, path, body string
	expires            time.Time
	used               bool // tokens only
}

// RegisterCredential adds a Key credential to the default user, or replaces
// the credential with that ID (of either kind). pub is ed25519.PublicKey,
// *ecdsa.PublicKey (P-256), *secp256k1.PublicKey or *rsa.PublicKey; it
// returns an error for anything else, or for an empty credID. For a WebAuthn (Fido2)
// credential use [Server.RegisterWebAuthnCredential].
func (s *Server) RegisterCredential(credID string, pub crypto.PublicKey) error {
	if credID == "" {
		return errors.New("dfnstest: RegisterCredential: empty credential ID")
	}
	if _, err := credkey.MarshalPublicKeyPEM(pub); err != nil {
		return fmt.Errorf("dfnstest: RegisterCredential(%q): %w", credID, err)
	}
	s.register(&credential{id: credID, kind: auth.KindKey, pub: pub})
	return nil
}

// register adds cr, or replaces the credential with its ID.
func (s *Server) register(cr *credential) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.IndexFunc(s.creds, func(c *credential) bool { return c.id == cr.id }); i >= 0 {
		s.creds[i] = cr
		return
	}
	s.creds = append(s.creds, cr)
}

// NewToken returns a new bearer token of the default user that has only the
// given permissions, such as "Keys:Read" or "Keys:Import".
func (s *Server) NewToken(permissions ...string) string {
	p := map[string]bool{}
	for _, x := range permissions {
		p[x] = true
	}
	tok := fakeJWT("token", s.orgID)
	s.mu.Lock()
	s.tokens[tok] = p
	s.mu.Unlock()
	return tok
}

// consumeUserAction checks the X-DFNS-USERACTION token against the request
// and spends it, whatever the outcome of the request.
func (s *Server) consumeUserAction(c *call) *apiError {
	tok := c.r.Header.Get(headerUserAction)
	if tok == "" {
		return errorf(http.StatusForbidden, "%s %s requires a signed user action in the %s header", c.r.Method, c.path, headerUserAction)
	}
	s.mu.Lock()
	a := s.actions[tok]
	var used bool
	if a != nil {
		used, a.used = a.used, true
	}
	s.mu.Unlock()
	switch {
	case a == nil:
		return errorf(http.StatusBadRequest, "unknown user action token")
	case used:
		return errorf(http.StatusBadRequest, "user action token already used: sign a new user action for every request")
	case s.now().After(a.expires):
		return errorf(http.StatusBadRequest, "user action token expired")
	case a.method != c.r.Method || (a.path != c.path && a.path != strings.TrimPrefix(c.r.URL.EscapedPath(), s.prefix)):
		// The path signed is the path sent: escaped where the ID needs it
		// (a key ID with a space or a control character), or as is.
		return errorf(http.StatusForbidden, "the user action was signed for %s %s, but this request is %s %s", a.method, a.path, c.r.Method, c.path)
	case a.body != string(c.body):
		return errorf(http.StatusForbidden, "the request body differs from the user action payload that was signed: send exactly the signed bytes")
	}
	s.mu.Lock()
	a.body = "" // spent: only the used flag matters from now on
	s.mu.Unlock()
	return nil
}

// sweepLocked forgets expired challenges and user-action tokens, every
// 1024 insertions, so that a long-running simulator stays small. s.mu must
// be held.
func (s *Server) sweepLocked() {
	s.inserts++
	if s.inserts%1024 != 0 {
		return
	}
	now := s.now()
	for k, a := range s.challenges {
		if now.After(a.expires) {
			delete(s.challenges, k)
		}
	}
	for k, a := range s.actions {
		if now.After(a.expires) {
			delete(s.actions, k)
		}
	}
}

func (s *Server) initAction(c *call) (any, *apiError) {
	var req authwire.UserActionInitRequest
	if e := decode(c.body, &req); e != nil {
		return nil, e
	}
	m, p := req.UserActionHTTPMethod, req.UserActionHTTPPath
	switch {
	case req.UserActionServerKind != authwire.ServerKindAPI:
		return nil, errorf(http.StatusBadRequest, "userActionServerKind must be %q", authwire.ServerKindAPI)
	case m == "" || strings.ToUpper(m) != m || strings.ContainsAny(m, " \t\r\n"):
		return nil, errorf(http.StatusBadRequest, "userActionHttpMethod %q is not an upper-case HTTP method", m)
	case !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "?# \t\r\n"):
		return nil, errorf(http.StatusBadRequest, "userActionHttpPath %q must be a path starting with \"/\", without host or query", p)
	}
	a := &signedAction{challenge: randomB64URL(32), method: m, path: p, body: req.UserActionPayload, expires: s.now().Add(UserActionTTL)}
	id := fakeJWT("challenge", "")
	s.mu.Lock()
	s.challenges[id] = a
	s.sweepLocked()
	allow := auth.AllowCredentials{Key: []auth.AllowCredential{}, WebAuthn: []auth.AllowCredential{}}
	for _, cr := range s.creds {
		ac := auth.AllowCredential{Type: "public-key", ID: cr.id}
		if cr.kind == auth.KindFido2 {
			allow.WebAuthn = append(allow.WebAuthn, ac)
		} else {
			allow.Key = append(allow.Key, ac)
		}
	}
	s.mu.Unlock()
	return &auth.UserActionChallenge{
		Challenge:           a.challenge,
		ChallengeIdentifier: id,
		AllowCredentials:    allow,
		SupportedCredentialKinds: []auth.SupportedCredentialKind{
			{Kind: string(auth.KindKey), Factor: "first"},
			{Kind: string(auth.KindFido2), Factor: "first"},
		},
		UserVerification: "required",
		RP:               &auth.RelyingParty{ID: WebAuthnRPID, Name: "Dfns simulator"},
		Attestation:      "direct",
	}, nil
}

func (s *Server) completeAction(c *call) (any, *apiError) {
	var req authwire.UserActionRequest
	if e := decode(c.body, &req); e != nil {
		return nil, e
	}
	s.mu.Lock()
	a := s.challenges[req.ChallengeIdentifier]
	delete(s.challenges, req.ChallengeIdentifier)
	s.mu.Unlock()
	if a == nil {
		return nil, errorf(http.StatusBadRequest, "unknown or already used challengeIdentifier: start again with POST /auth/action/init")
	}
	if s.now().After(a.expires) {
		return nil, errorf(http.StatusBadRequest, "the challenge has expired: start again with POST /auth/action/init")
	}
	f := &req.FirstFactor
	if f.Kind != auth.KindKey && f.Kind != auth.KindFido2 {
		return nil, errorf(http.StatusBadRequest, "firstFactor.kind %q is not supported: use %q or %q", f.Kind, auth.KindKey, auth.KindFido2)
	}
	if err := authwire.ValidateAssertion(f); err != nil {
		return nil, errorf(http.StatusBadRequest, "%v", err)
	}
	ca := &f.CredentialAssertion
	s.mu.Lock()
	var cr *credential
	if i := slices.IndexFunc(s.creds, func(c *credential) bool { return c.id == ca.CredID }); i >= 0 {
		cr = s.creds[i]
	}
	s.mu.Unlock()
	if e := s.verifyAssertion(f.Kind, cr, ca, a.challenge); e != nil {
		return nil, e
	}
	tok := fakeJWT("userAction", "")
	s.mu.Lock()
	s.actions[tok] = &signedAction{method: a.method, path: a.path, body: a.body, expires: s.now().Add(UserActionTTL)}
	s.sweepLocked()
	s.mu.Unlock()
	return &authwire.UserActionResponse{UserAction: tok}, nil
}

// verifyAssertion checks the assertion ca of kind against cr, the
// registered credential with its ID (nil if there is none).
func (s *Server) verifyAssertion(kind auth.CredentialKind, cr *credential, ca *auth.CredentialAssertion, challenge string) *apiError {
	name := map[auth.CredentialKind]string{auth.KindKey: "a Key", auth.KindFido2: "a WebAuthn (Fido2)"}
	switch {
	case cr == nil:
		return errorf(http.StatusUnauthorized, "credential %q is not %s credential of this user", ca.CredID, name[kind])
	case cr.kind != kind:
		return errorf(http.StatusUnauthorized, "credential %q is not %s credential of this user: it is registered as %s credential, so answer with kind %q", ca.CredID, name[kind], name[cr.kind], cr.kind)
	case kind == auth.KindKey:
		if err := credkey.VerifyKeyAssertion(cr.pub, ca.ClientData, ca.Signature, challenge); err != nil {
			return errorf(http.StatusUnauthorized, "user action signature verification failed: %v", err)
		}
		return nil
	}
	count, err := verifyWebAuthn(cr, ca, challenge)
	if err != nil {
		return errorf(http.StatusUnauthorized, "WebAuthn assertion verification failed: %v", err)
	}
	// WebAuthn Level 2 §7.2 step 21: a counter that does not increase
	// signals a cloned authenticator. Synced passkeys always report 0.
	s.mu.Lock()
	defer s.mu.Unlock()
	if (count != 0 || cr.signCount != 0) && count <= cr.signCount {
		return errorf(http.StatusUnauthorized, "WebAuthn assertion verification failed: the signature counter %d is not above the last one seen, %d: the authenticator may have been cloned", count, cr.signCount)
	}
	cr.signCount = count
	return nil
}

// fakeJWT returns a random opaque token shaped like a JWT. With an
// organisation ID, its claims name it as Dfns's access tokens do, in
// "https://custom/app_metadata".
func fakeJWT(kind, orgID string) string {
	enc := base64.RawURLEncoding
	org := ""
	if orgID != "" {
		org = fmt.Sprintf(`,"https://custom/app_metadata":{"orgId":%q,"tokenKind":"Service"}`, orgID)
	}
	return enc.EncodeToString([]byte(`{"alg":"EdDSA","typ":"JWT"}`)) + "." +
		enc.EncodeToString(fmt.Appendf(nil, `{"iss":"dfns-simulator","kind":%q,"jti":%q%s}`, kind, randomHex(16), org)) + "." +
		randomB64URL(64)
}

func randomB64URL(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
