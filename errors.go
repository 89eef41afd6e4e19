package dfnskeys

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dfnskeys/dfnskeys/internal/safetext"
)

// Sentinel errors for errors.Is. An *APIError matches the one for its HTTP
// status; ErrAmbiguous matches an *AmbiguousError. A policy that holds a
// call is a *PolicyPendingError (errors.As).
var (
	ErrNotFound     = errors.New("not found")
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrRateLimited  = errors.New("rate limited")
	ErrConflict     = errors.New("conflict")
	ErrAmbiguous    = errors.New("the request may or may not have been processed")
	ErrNoSigner     = errors.New("this call is a user action and needs a credential signer (WithSigner)")
)

// APIError is an error response from the Dfns API.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// ID is Dfns's error identifier, when the body has one.
	ID string
	// Message is Dfns's error message, or the HTTP status text.
	Message string
	// Details holds the error's details object, if any.
	Details json.RawMessage
	// RequestID is the response's request ID header, when present.
	RequestID string
	// Method and Path identify the call (path relative to the base URL).
	Method, Path string
	// RetryAfter is the Retry-After of a 429 response, if it had one.
	RetryAfter time.Duration
	// Location, for a 3xx answer, is where the server tried to send the
	// request, as sent (see [ErrRedirect]).
	Location string
}

// Error describes the call, status, message and identifiers.
func (e *APIError) Error() string {
	if e.StatusCode >= 300 && e.StatusCode < 400 {
		loc := e.Location
		if loc == "" {
			loc = "(no Location header)"
		}
		return fmt.Sprintf("%s %s: the server answered %d %s and tried to redirect the request to %s; redirects are not followed (they would carry the credentials): check the API base URL", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode), quoted(loc))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	// Message and identifiers come from the server: they are escaped and
	// bounded (see docs/threat-model.md §3).
	if e.Message != "" {
		b.WriteString(": " + safetext.Text(e.Message))
	}
	var ids []string
	if e.ID != "" {
		ids = append(ids, "error id "+safetext.Text(e.ID))
	}
	if e.RequestID != "" {
		ids = append(ids, "request id "+safetext.Text(e.RequestID))
	}
	if len(ids) > 0 {
		b.WriteString(" (" + strings.Join(ids, ", ") + ")")
	}
	return b.String()
}

// Is reports whether target is the sentinel for e's status; a 3xx
// matches [ErrRedirect].
func (e *APIError) Is(target error) bool {
	if e.StatusCode >= 300 && e.StatusCode < 400 {
		return target == ErrRedirect
	}
	switch e.StatusCode {
	case http.StatusNotFound:
		return target == ErrNotFound
	case http.StatusUnauthorized:
		return target == ErrUnauthorized
	case http.StatusForbidden:
		return target == ErrForbidden
	case http.StatusTooManyRequests:
		return target == ErrRateLimited
	case http.StatusConflict:
		return target == ErrConflict
	}
	return false
}

// AmbiguousError is a failure of a mutating call after the request may have
// reached Dfns: it may or may not have been processed. From
// [Client.ImportKey], [Client.SendImport] and [Client.ImportWallet] it
// also means that no imported key with the expected public key could be
// found (PublicKey is set): before importing the same key again, call
// ImportKey again, which looks for it first.
type AmbiguousError struct {
	// Method and Path identify the call.
	Method, Path string
	// Err is what went wrong: a transport error, a context error or an
	// *APIError with a 5xx status (for an import, the call's own
	// *AmbiguousError).
	Err error
	// PublicKey, for an import, is the public key of the key being
	// imported, hex.
	PublicKey string
	// LookupErr, for an import, is set when looking for the key failed
	// too.
	LookupErr error
}

// Error says the outcome is unknown, why, and for an import what to do.
func (e *AmbiguousError) Error() string {
	if e.PublicKey == "" {
		return fmt.Sprintf("%s %s may or may not have been processed: %v", e.Method, e.Path, e.Err)
	}
	msg := fmt.Sprintf("the import of the key with public key %s may or may not have happened (%v)", safetext.Text(e.PublicKey), e.Err)
	if e.LookupErr != nil {
		return msg + "; looking for the key failed too: " + e.LookupErr.Error() + "; check for it before importing again"
	}
	return msg + "; no imported key with that public key was found yet; check again later before importing it again"
}

// Unwrap returns the underlying failure and the lookup failure, if any.
func (e *AmbiguousError) Unwrap() []error {
	if e.LookupErr != nil {
		return []error{e.Err, e.LookupErr}
	}
	return []error{e.Err}
}

// Is matches ErrAmbiguous.
func (e *AmbiguousError) Is(target error) bool { return target == ErrAmbiguous }

// PolicyPendingError is returned when Dfns answers any call with 202, as
// Dfns's own client does (@dfns/sdk 0.8.21, utils/fetch.js): a policy
// requires approval, and the body is the pending approval (ApprovalID
// names it), not the result.
type PolicyPendingError struct {
	// Method and Path identify the call.
	Method, Path string
	// ApprovalID is the approval's id, when the body has one.
	ApprovalID string
	// Status is the approval's status, when the body has one.
	Status string
	// Approval is the raw approval body.
	Approval json.RawMessage
}

// Error names the call and the approval.
func (e *PolicyPendingError) Error() string {
	id := safetext.Text(e.ApprovalID)
	if id == "" {
		id = "(no id)"
	}
	return fmt.Sprintf("%s %s needs policy approval %s before it is carried out", e.Method, e.Path, id)
}

// policyPending reports whether err is, or wraps, a *PolicyPendingError.
func policyPending(err error) bool {
	var pe *PolicyPendingError
	return errors.As(err, &pe)
}

// PublicKeyMismatchError reports that Dfns holds a different public key
// than the one computed locally.
type PublicKeyMismatchError struct {
	// KeyID is the Dfns key concerned.
	KeyID string
	// Local is the public key computed from the private key, hex.
	Local string
	// Remote is the public key Dfns reported, hex.
	Remote string
}

// Error shows both public keys.
func (e *PublicKeyMismatchError) Error() string {
	return fmt.Sprintf("key %s: Dfns reports public key %s but the local key's public key is %s", safetext.Text(e.KeyID), safetext.Text(e.Remote), e.Local)
}

// ErrRedirect is matched by an [*APIError] with a 3xx status. The client
// follows no redirect: it would send the bearer token (and, for a 307 or
// 308, the user-action token and the request body) wherever the server
// says. Check the base URL (DFNS_API_URL) instead.
var ErrRedirect = errors.New("the API answered with a redirect")

// safe is untrusted text (an ID, a name, a public key from the API) for a
// message: [safetext.Text], the one output path for server text (see
// docs/threat-model.md §3).
func safe(s string) string { return safetext.Text(s) }

// quoted is untrusted text in quotes for a message: escaped and bounded
// by [safetext.Text].
func quoted(s string) string { return `"` + safetext.Text(s) + `"` }
