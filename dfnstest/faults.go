package dfnstest

import (
	"time"

	"github.com/dfnskeys/dfnskeys/internal/sim"
)

// FaultKind is what a [Fault] does to a request.
type FaultKind int

// The kinds of fault. Unless said otherwise a kind concerns the requests
// to one route (see [Fault.Route]).
const (
	// FailBefore answers with Fault.Status (default 503) without
	// processing the request.
	FailBefore FaultKind = iota + 1
	// RateLimit answers 429 with a Retry-After header of Fault.Wait in
	// whole seconds, rounded up, without processing the request.
	RateLimit
	// FailAfter processes the request (a key is imported, a token spent)
	// and then answers with Fault.Status (default 502) instead of the
	// result: an ambiguous outcome.
	FailAfter
	// DropResponse processes the request and then closes the connection
	// in the middle of the status line, so the client gets a transport
	// error. Because bytes were received, net/http does not transparently
	// retry, even a GET.
	DropResponse
	// DelayAfter processes the request and then holds the response for
	// Fault.Wait, even if the client has given up: a client timeout
	// meanwhile leaves the request processed, the other ambiguous case.
	DelayAfter
	// PolicyApproval makes a mutating route answer 202 with a pending
	// approval instead of processing the request, after the user action
	// has been checked and spent. It has no effect on reading routes.
	PolicyApproval
	// BadSignature makes signatures the server produces invalid (one bit
	// of s flipped), so that a caller's verification can be seen to fail.
	// It concerns signature requests only: Fault.Route must be empty.
	BadSignature
	// Confirmed makes signature requests read back as Confirmed instead of
	// Signed once signed (with dateConfirmed set), as Dfns reports a
	// signature that was broadcast and confirmed: a client must take
	// Confirmed as signed. Fault.Route must be empty.
	Confirmed
)

// String returns the kind's Go name, such as "FailBefore".
func (k FaultKind) String() string { return sim.FaultKind(k).String() }

// Fault is one fault to inject with [Server.SetFaults]: what it does, to
// which route, and to how many requests. A fault hits either the next
// Count requests or, at random, a fraction Rate of them; with neither, it
// turns that kind off on the route. A Count and a Rate of one kind on one
// route are kept apart, and the Count is served first.
type Fault struct {
	// Kind is what the fault does.
	Kind FaultKind
	// Route is the route whose requests get the fault, written as the
	// method, a space and the path pattern of Dfns's API reference:
	// "GET /signers", "POST /auth/action/init", "POST /auth/action",
	// "GET /keys", "POST /keys", "GET /keys/{keyId}", "POST /keys/import",
	// "POST /keys/{keyId}/export", "POST /keys/{keyId}/signatures",
	// "GET /keys/{keyId}/signatures/{signatureId}",
	// "GET /keys/{keyId}/signatures", "GET /wallets/{walletId}",
	// "POST /wallets/import" or "POST /wallets/{walletId}/export". Empty
	// means every route, each counting its own requests. It must be empty
	// for BadSignature and Confirmed.
	Route string
	// Count is how many of the next requests get the fault.
	Count int
	// Rate is the fraction, from 0 to 1, of requests that get the fault;
	// 1 gives it to every request until it is turned off.
	Rate float64
	// Status is the HTTP error status (400 to 599) of FailBefore (default
	// 503) and FailAfter (default 502); other kinds take none.
	Status int
	// Wait is the Retry-After of RateLimit and the hold of DelayAfter;
	// other kinds take none.
	Wait time.Duration
}

// SetFaults injects faults, in order: a later fault of the same kind on the
// same route replaces an earlier one (its Count, or its Rate). It checks
// every fault first and injects none when one is invalid: an unknown Kind
// or Route (the error lists the routes and suggests the nearest), a Rate
// outside 0 to 1, a negative Count or Wait, both a Count and a Rate, or a
// Status or Wait the kind does not take. It never panics. Faults last
// until their Count runs out or they are turned off.
func (s *Server) SetFaults(faults ...Fault) error {
	fs := make([]sim.Fault, len(faults))
	for i, f := range faults {
		fs[i] = sim.Fault{Kind: sim.FaultKind(f.Kind), Route: sim.Route(f.Route), Count: f.Count, Rate: f.Rate, Status: f.Status, Wait: f.Wait}
	}
	return s.s.SetFaults(fs...)
}
