package sim

import (
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dfnskeys/dfnskeys/internal/suggest"
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

var faultKindNames = map[FaultKind]string{
	FailBefore: "FailBefore", RateLimit: "RateLimit", FailAfter: "FailAfter", DropResponse: "DropResponse",
	DelayAfter: "DelayAfter", PolicyApproval: "PolicyApproval", BadSignature: "BadSignature", Confirmed: "Confirmed",
}

// String returns the kind's Go name, such as "FailBefore".
func (k FaultKind) String() string {
	if n, ok := faultKindNames[k]; ok {
		return n
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// Fault is one fault to inject with [Server.SetFaults]: what it does, to
// which route, and to how many requests. A fault hits either the next
// Count requests or, at random, a fraction Rate of them; with neither, it
// turns that kind off on the route. A Count and a Rate of one kind on one
// route are kept apart, and the Count is served first.
type Fault struct {
	// Kind is what the fault does.
	Kind FaultKind
	// Route is the route whose requests get the fault. Empty means every
	// route, each counting its own requests. It must be empty for
	// BadSignature and Confirmed.
	Route Route
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

// faultKey names where a fault setting lives: one kind on one route ("" for
// the signature kinds).
type faultKey struct {
	route Route
	kind  FaultKind
}

// faultSlot is the setting of one kind on one route: a countdown and a rate,
// each with its status and wait.
type faultSlot struct {
	count                   int
	countStatus, rateStatus int
	countWait, rateWait     time.Duration
	rate                    float64
}

// check validates f and fills in its default status.
func (f *Fault) check() error {
	name := f.Kind.String()
	if _, ok := faultKindNames[f.Kind]; !ok {
		return fmt.Errorf("dfnstest: %s is not a fault kind: use one of the FaultKind constants, such as FailBefore", name)
	}
	if f.Route != "" && !slices.Contains(routeNames(), f.Route) {
		return fmt.Errorf("dfnstest: %s fault: unknown route %q%s; the routes are %s", name, f.Route, didYouMean(string(f.Route), routeStrings()), strings.Join(routeStrings(), ", "))
	}
	if (f.Kind == BadSignature || f.Kind == Confirmed) && f.Route != "" {
		return fmt.Errorf("dfnstest: %s fault: it concerns signature requests only; leave Route empty (got %q)", name, f.Route)
	}
	switch {
	case f.Count < 0:
		return fmt.Errorf("dfnstest: %s fault: Count %d is negative", name, f.Count)
	case !(f.Rate >= 0 && f.Rate <= 1):
		return fmt.Errorf("dfnstest: %s fault: Rate %v is not a fraction from 0 to 1", name, f.Rate)
	case f.Count > 0 && f.Rate > 0:
		return fmt.Errorf("dfnstest: %s fault: give Count or Rate, not both (use two Faults for both)", name)
	case f.Wait < 0:
		return fmt.Errorf("dfnstest: %s fault: Wait %s is negative", name, f.Wait)
	case f.Wait != 0 && f.Kind != RateLimit && f.Kind != DelayAfter:
		return fmt.Errorf("dfnstest: %s fault takes no Wait (only RateLimit and DelayAfter do)", name)
	}
	switch f.Kind {
	case FailBefore, FailAfter:
		if f.Status == 0 {
			f.Status = http.StatusServiceUnavailable
			if f.Kind == FailAfter {
				f.Status = http.StatusBadGateway
			}
		}
		if f.Status < 400 || f.Status > 599 {
			return fmt.Errorf("dfnstest: %s fault: Status %d is not an HTTP error status (400 to 599)", name, f.Status)
		}
	default:
		if f.Status != 0 {
			return fmt.Errorf("dfnstest: %s fault takes no Status (only FailBefore and FailAfter do)", name)
		}
	}
	return nil
}

// SetFaults injects faults, in order: a later fault of the same kind on the
// same route replaces an earlier one (its Count, or its Rate). It checks
// every fault first and injects none when one is invalid: an unknown Kind
// or Route, a Rate outside 0 to 1, a negative Count or Wait, both a Count
// and a Rate, or a Status or Wait the kind does not take. Faults last until
// their Count runs out or they are turned off; they are not kept in a state
// file. See [ParseFaults] for faults written as text.
func (s *Server) SetFaults(faults ...Fault) error {
	fs := slices.Clone(faults)
	for i := range fs {
		if err := fs[i].check(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range fs {
		targets := []Route{f.Route}
		if f.Route == "" && f.Kind != BadSignature && f.Kind != Confirmed {
			targets = routeNames()
		}
		for _, r := range targets {
			k := faultKey{r, f.Kind}
			sl := s.faults[k]
			if sl == nil {
				sl = &faultSlot{}
				s.faults[k] = sl
			}
			switch {
			case f.Count > 0:
				sl.count, sl.countStatus, sl.countWait = f.Count, f.Status, f.Wait
			case f.Rate > 0:
				sl.rate, sl.rateStatus, sl.rateWait = f.Rate, f.Status, f.Wait
			default:
				*sl = faultSlot{}
			}
		}
	}
	return nil
}

// fireLocked reports whether the fault of kind on route hits this request,
// with its status and wait, spending one of its Count. s.mu must be held.
// half selects the Count, the Rate or both, so that plan keeps the order
// of the faults.
func (s *Server) fireLocked(route Route, kind FaultKind, half int) (bool, int, time.Duration) {
	sl := s.faults[faultKey{route, kind}]
	if sl == nil {
		return false, 0, 0
	}
	if half != rateHalf && sl.count > 0 {
		sl.count--
		return true, sl.countStatus, sl.countWait
	}
	if half != countHalf && sl.rate > 0 && mrand.Float64() < sl.rate {
		return true, sl.rateStatus, sl.rateWait
	}
	return false, 0, 0
}

const (
	bothHalves = iota
	countHalf
	rateHalf
)

// SetLatency delays every response by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
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

func retryAfter(d time.Duration) string {
	secs := (d + time.Second - 1) / time.Second
	return strconv.FormatInt(int64(max(secs, 0)), 10)
}

func (s *Server) plan(route Route) plan {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok, st, _ := s.fireLocked(route, FailBefore, countHalf); ok {
		return plan{pre: errorf(st, "simulated failure (dfnstest FailBefore)")}
	}
	if ok, _, w := s.fireLocked(route, RateLimit, bothHalves); ok {
		return plan{pre: errorf(http.StatusTooManyRequests, "rate limited: retry later"), retryAfter: retryAfter(w)}
	}
	if ok, st, _ := s.fireLocked(route, FailBefore, rateHalf); ok {
		return plan{pre: errorf(st, "simulated failure (dfnstest FailBefore)")}
	}
	var p plan
	p.policy, _, _ = s.fireLocked(route, PolicyApproval, bothHalves)
	if ok, _, _ := s.fireLocked(route, DropResponse, countHalf); ok {
		p.drop = true
	} else if ok, st, _ := s.fireLocked(route, FailAfter, countHalf); ok {
		p.failAfter = st
	} else if ok, _, _ := s.fireLocked(route, DropResponse, rateHalf); ok {
		p.drop = true
	} else if ok, st, _ := s.fireLocked(route, FailAfter, rateHalf); ok {
		p.failAfter = st
	}
	if ok, _, w := s.fireLocked(route, DelayAfter, bothHalves); ok {
		p.delayAfter = w
	}
	return p
}

// faultNameKinds are the faults [ParseFaults] reads on routes, by name.
var faultNameKinds = []struct {
	name string
	f    Fault
}{
	{"429", Fault{Kind: RateLimit, Wait: time.Second}},
	{"5xx", Fault{Kind: FailBefore, Status: http.StatusServiceUnavailable}},
	{"5xx-after", Fault{Kind: FailAfter, Status: http.StatusBadGateway}},
	{"drop", Fault{Kind: DropResponse}},
}

// faultPrefixes are the route groups of [ParseFaults], in the order they
// are listed; "" is every route.
var faultPrefixes = []string{"", "import", "export", "sign", "action", "read"}

// faultGroupRoutes returns the routes of a group of [ParseFaults].
func faultGroupRoutes(group string) []Route {
	switch group {
	case "":
		return []Route{""}
	case "import":
		return []Route{RouteImportKey, RouteImportWallet}
	case "export":
		return []Route{RouteExportKey, RouteExportWallet}
	case "action":
		return []Route{RouteActionInit, RouteAction}
	case "sign":
		return []Route{RouteCreateSignature}
	}
	var out []Route // read: every GET
	for _, r := range routeNames() {
		if strings.HasPrefix(string(r), "GET ") {
			out = append(out, r)
		}
	}
	return out
}

// faultNames lists every name [ParseFaults] accepts.
func faultNames() []string {
	out := []string{"bad-signature", "confirmed"}
	for _, g := range faultPrefixes {
		for _, k := range faultNameKinds {
			if g == "" {
				out = append(out, k.name)
			} else {
				out = append(out, g+"-"+k.name)
			}
		}
	}
	return out
}

// ParseFaults reads faults written as text, as the dfnskeys simulator's
// --faults flag takes them: a comma list of NAME=RATE, each name once,
// RATE the fraction from 0 to 1 of requests that get the fault. The names:
//
//	429          RateLimit with Retry-After: 1
//	5xx          FailBefore with 503
//	5xx-after    FailAfter with 502
//	drop         DropResponse
//	bad-signature  BadSignature
//	confirmed    Confirmed
//
// The first four apply to every route, or, prefixed with import- (key and
// wallet imports), export- (key and wallet exports), sign- (POST
// /keys/{keyId}/signatures), action- (user-action signing) or read- (every
// GET), to those routes only: import-drop=0.01. The faults are returned for
// [Server.SetFaults], those on every route first so that a route's own
// setting wins. An unknown name is reported with the closest known one and
// the list of names.
func ParseFaults(spec string) ([]Fault, error) {
	var global, own []Fault
	seen := map[string]bool{}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, v, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not NAME=RATE, for example 429=0.05", item)
		}
		name = strings.TrimSpace(name)
		names := faultNames()
		if !slices.Contains(names, name) {
			return nil, fmt.Errorf("unknown fault %q%s: the faults are %s", name, didYouMean(name, names), strings.Join(names, ", "))
		}
		if seen[name] {
			return nil, fmt.Errorf("fault %s is given twice", name)
		}
		seen[name] = true
		rate, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !(rate >= 0 && rate <= 1) {
			return nil, fmt.Errorf("%s=%s: the rate is a fraction from 0 to 1, for example 0.05", name, v)
		}
		switch name {
		case "bad-signature":
			global = append(global, Fault{Kind: BadSignature, Rate: rate})
			continue
		case "confirmed":
			global = append(global, Fault{Kind: Confirmed, Rate: rate})
			continue
		}
		group, kind := "", name
		for _, g := range faultPrefixes[1:] {
			if k, ok := strings.CutPrefix(name, g+"-"); ok {
				group, kind = g, k
				break
			}
		}
		for _, k := range faultNameKinds {
			if k.name != kind {
				continue
			}
			for _, r := range faultGroupRoutes(group) {
				f := k.f
				f.Route, f.Rate = r, rate
				if group == "" {
					global = append(global, f)
				} else {
					own = append(own, f)
				}
			}
		}
	}
	if len(global)+len(own) == 0 {
		return nil, errors.New("no fault given: use NAME=RATE, for example 429=0.05,import-drop=0.01")
	}
	return append(global, own...), nil
}

func routeStrings() []string {
	var out []string
	for _, r := range routeNames() {
		out = append(out, string(r))
	}
	return out
}

// didYouMean returns `; did you mean "x"?` for the known name closest to
// name, or "" when none is close.
func didYouMean(name string, known []string) string {
	best, bestD := "", len(name)/2+2
	for _, k := range known {
		if d := suggest.Distance(strings.ToLower(name), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// logFaults logs (WithFaultLog) each fault p injects into request c.
func (s *Server) logFaults(route Route, c *call, p plan) {
	if s.faultLog == nil {
		return
	}
	var what []string
	switch {
	case p.pre != nil && p.pre.Status == http.StatusTooManyRequests:
		what = append(what, "RateLimit (429, unprocessed)")
	case p.pre != nil:
		what = append(what, fmt.Sprintf("FailBefore (%d, unprocessed)", p.pre.Status))
	}
	if p.pre == nil {
		if p.policy {
			what = append(what, "PolicyApproval (202, pending approval)")
		}
		if p.drop {
			what = append(what, "DropResponse (processed, connection dropped)")
		}
		if p.failAfter != 0 {
			what = append(what, fmt.Sprintf("FailAfter (processed, then %d)", p.failAfter))
		}
		if p.delayAfter > 0 {
			what = append(what, fmt.Sprintf("DelayAfter (processed, answer held %s)", p.delayAfter))
		}
	}
	for _, w := range what {
		s.faultLog(fmt.Sprintf("fault %s on %s: request %d, %s %s", w, route, c.seq+1, c.r.Method, c.path))
	}
}

// logSignatureFaults logs the faults a new signature request gets.
func (s *Server) logSignatureFaults(id string, confirmed, bad bool) {
	if s.faultLog == nil {
		return
	}
	if confirmed {
		s.faultLog("fault Confirmed (reported Confirmed, not Signed) on signature request " + id)
	}
	if bad {
		s.faultLog("fault BadSignature (a signature that does not verify) on signature request " + id)
	}
}
