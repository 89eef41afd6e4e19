package dfnstest

import (
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// fault is the fault-injection state of one route.
type fault struct {
	failNext, failStatus     int
	rateLimitNext            int
	retryAfter               time.Duration
	errRate                  float64
	errStatus                int
	dropNext                 int
	failAfter, failAfterCode int
	delayAfter               int
	delayAfterDur            time.Duration
	policy                   bool
	// Rate-based faults (the count-based ones above take precedence).
	rateLimitRate     float64
	rateLimitRetry    time.Duration
	dropRate          float64
	failAfterRate     float64
	failAfterRateCode int
}

// faultFor returns the fault state of route; s.mu must be held. It panics on
// a name that is not in [Routes], so that a typo does not silently disable
// a fault.
func (s *Server) faultFor(route string) *fault {
	if !slices.Contains(Routes(), route) {
		panic(fmt.Sprintf("unknown route %q; routes are %q", route, Routes()))
	}
	f := s.faults[route]
	if f == nil {
		f = &fault{}
		s.faults[route] = f
	}
	return f
}

func (s *Server) setFault(route string, status int, set func(*fault)) {
	if status != 0 && (status < 400 || status > 599) {
		panic(fmt.Sprintf("fault status %d for %q is not an HTTP error status (400-599)", status, route))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	set(s.faultFor(route))
}

// SetLatency delays every response by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
}

// The fault knobs below take a route name from [Routes], such as
// "POST /keys/import", and panic on any other; statuses must be 400 to 599.

// SetErrorRate makes a random fraction rate (0 to 1) of the requests to
// route fail with status before they are processed. Rate 0 turns it off.
func (s *Server) SetErrorRate(route string, rate float64, status int) {
	checkRate(route, rate)
	s.setFault(route, status, func(f *fault) { f.errRate, f.errStatus = rate, status })
}

// FailNext makes the next n requests to route fail with status before they
// are processed.
func (s *Server) FailNext(route string, n int, status int) {
	s.setFault(route, status, func(f *fault) { f.failNext, f.failStatus = n, status })
}

// RateLimitNext answers the next n requests to route with 429 and a
// Retry-After header of retryAfter in whole seconds, rounded up, without
// processing them.
func (s *Server) RateLimitNext(route string, n int, retryAfter time.Duration) {
	s.setFault(route, 0, func(f *fault) { f.rateLimitNext, f.retryAfter = n, retryAfter })
}

// DropNextResponse processes the next n requests to route (a key is
// created, a token consumed) and then closes the connection in the middle
// of the status line, so the client gets a transport error. Because bytes
// were received, net/http does not transparently retry, even a GET.
func (s *Server) DropNextResponse(route string, n int) {
	s.setFault(route, 0, func(f *fault) { f.dropNext = n })
}

// FailAfterProcessing processes the next n requests to route and then
// answers with status (for example 502 or 504) instead of the result.
func (s *Server) FailAfterProcessing(route string, n int, status int) {
	s.setFault(route, status, func(f *fault) { f.failAfter, f.failAfterCode = n, status })
}

// DelayAfterProcessing processes the next n requests to route and then
// holds the response for d, even if the client has given up: a client
// timeout during d leaves the request processed, the other ambiguous case.
func (s *Server) DelayAfterProcessing(route string, n int, d time.Duration) {
	s.setFault(route, 0, func(f *fault) { f.delayAfter, f.delayAfterDur = n, d })
}

// RateLimitRate answers a random fraction rate (0 to 1) of the requests to
// route with 429 and a Retry-After header of retryAfter in whole seconds,
// rounded up, without processing them. Rate 0 turns it off.
func (s *Server) RateLimitRate(route string, rate float64, retryAfter time.Duration) {
	checkRate(route, rate)
	s.setFault(route, 0, func(f *fault) { f.rateLimitRate, f.rateLimitRetry = rate, retryAfter })
}

// DropResponseRate processes a random fraction rate (0 to 1) of the
// requests to route and then drops their responses, as
// [Server.DropNextResponse] does. Rate 0 turns it off.
func (s *Server) DropResponseRate(route string, rate float64) {
	checkRate(route, rate)
	s.setFault(route, 0, func(f *fault) { f.dropRate = rate })
}

// FailAfterProcessingRate processes a random fraction rate (0 to 1) of the
// requests to route and then answers with status instead of the result, as
// [Server.FailAfterProcessing] does. Rate 0 turns it off.
func (s *Server) FailAfterProcessingRate(route string, rate float64, status int) {
	checkRate(route, rate)
	s.setFault(route, status, func(f *fault) { f.failAfterRate, f.failAfterRateCode = rate, status })
}

func checkRate(route string, rate float64) {
	if !(rate >= 0 && rate <= 1) {
		panic(fmt.Sprintf("dfnstest: fault rate %v for %q is not between 0 and 1", rate, route))
	}
}

// RequirePolicyApproval makes the mutating route answer 202 with a pending
// approval instead of processing the request (after the user action has
// been checked and consumed). It has no effect on other routes.
func (s *Server) RequirePolicyApproval(route string, on bool) {
	s.setFault(route, 0, func(f *fault) { f.policy = on })
}

// plan is what the faults do to one request.
type plan struct {
	pre        *apiError // fail before processing
	retryAfter string
	drop       bool
	failAfter  int
	delayAfter time.Duration
	policy     bool
}

func (s *Server) plan(route string) plan {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults[route]
	if f == nil {
		return plan{}
	}
	switch {
	case f.failNext > 0:
		f.failNext--
		return plan{pre: errorf(f.failStatus, "simulated failure (FailNext)")}
	case f.rateLimitNext > 0:
		f.rateLimitNext--
		secs := (f.retryAfter + time.Second - 1) / time.Second
		return plan{pre: errorf(http.StatusTooManyRequests, "rate limited: retry later"), retryAfter: strconv.FormatInt(int64(max(secs, 0)), 10)}
	case f.rateLimitRate > 0 && mrand.Float64() < f.rateLimitRate:
		secs := (f.rateLimitRetry + time.Second - 1) / time.Second
		return plan{pre: errorf(http.StatusTooManyRequests, "rate limited: retry later"), retryAfter: strconv.FormatInt(int64(max(secs, 0)), 10)}
	case f.errRate > 0 && mrand.Float64() < f.errRate:
		return plan{pre: errorf(f.errStatus, "simulated failure (SetErrorRate)")}
	}
	p := plan{policy: f.policy}
	switch {
	case f.dropNext > 0:
		f.dropNext--
		p.drop = true
	case f.failAfter > 0:
		f.failAfter--
		p.failAfter = f.failAfterCode
	case f.dropRate > 0 && mrand.Float64() < f.dropRate:
		p.drop = true
	case f.failAfterRate > 0 && mrand.Float64() < f.failAfterRate:
		p.failAfter = f.failAfterRateCode
	}
	if f.delayAfter > 0 {
		f.delayAfter--
		p.delayAfter = f.delayAfterDur
	}
	return p
}
