package dfnskeys

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dfnskeys/dfnskeys/auth"
)

// defaultBaseURL is the Dfns API in its default region, the base URL of a
// client made without [WithBaseURL].
const defaultBaseURL = "https://api.dfns.io"

// Version is this module's version, sent in the default User-Agent.
const Version = "0.1.0"

const (
	maxResponseBody = 16 << 20 // a successful response
	maxErrorBody    = 64 << 10 // an error response
)

// Client is a Dfns API client. Make one with [NewClient]; it is safe for
// concurrent use.
type Client struct {
	baseURL   *url.URL
	token     string
	signer    auth.UserActionSigner
	http      *http.Client
	userAgent string
	retry     RetryPolicy
	logger    *slog.Logger

	throttleMu    sync.Mutex
	throttleUntil time.Time

	// stats counts what the network did to this Client's calls (Stats).
	faults, retries, lookups atomic.Int64

	// index is what ImportKey knows of the organisation's imported keys.
	index keyIndex

	// Signers calls GET /signers.
	Signers *SignersService
	// Keys calls the /keys endpoints.
	Keys *KeysService
}

// CallStats counts, since a [Client] was made, what the network did to its
// calls: Faults the transient failures its requests met (429, 5xx, a
// connection lost or timed out), Retries the requests it sent again
// because of one, and Lookups the imports whose answer was lost, looked up
// by public key (GET /keys) rather than sent again.
type CallStats struct {
	// Faults, Retries and Lookups are the counts described above.
	Faults, Retries, Lookups int64
}

// Stats returns the counts so far; a bulk run reports its share of them.
func (c *Client) Stats() CallStats {
	return CallStats{Faults: c.faults.Load(), Retries: c.retries.Load(), Lookups: c.lookups.Load()}
}

// Option configures a [Client].
type Option func(*Client) error

// WithBaseURL sets the API's base URL (default https://api.dfns.io). It
// must be https, except that plain http is allowed for loopback hosts
// (local simulators). A path prefix is kept: requests go below it.
func WithBaseURL(raw string) Option {
	return func(c *Client) error {
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("base URL %q is not a URL: %w", raw, err)
		}
		if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return fmt.Errorf("base URL %q must be an absolute http(s) URL such as %s", raw, defaultBaseURL)
		}
		if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			return fmt.Errorf("base URL %q uses plain http; only loopback hosts (localhost, 127.0.0.1, ::1) may, everything else must use https", raw)
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("base URL %q must not contain credentials, a query or a fragment", raw)
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = ""
		c.baseURL = u
		return nil
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// WithAuthToken sets the bearer token (a service account's or a personal
// access token). It is required.
func WithAuthToken(token string) Option {
	return func(c *Client) error {
		token = strings.TrimSpace(token)
		if token == "" {
			return errors.New("the auth token is empty")
		}
		if strings.ContainsAny(token, "\r\n ") {
			return errors.New("the auth token contains white space; pass the token alone, without \"Bearer\"")
		}
		c.token = token
		return nil
	}
}

// WithSigner sets the credential signer for user actions (imports and
// exports). Without one, those calls fail with ErrNoSigner; reads work.
func WithSigner(s auth.UserActionSigner) Option {
	return func(c *Client) error { c.signer = s; return nil }
}

// WithHTTPClient makes the client send requests with hc's transport,
// timeout and cookie jar. hc is never modified: the client uses a copy
// that follows no redirect (see [ErrRedirect]). The default is a client
// with a 60-second timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("WithHTTPClient(nil)")
		}
		c.http = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		if strings.ContainsAny(ua, "\r\n") {
			return errors.New("the user agent contains a line break")
		}
		c.userAgent = ua
		return nil
	}
}

// WithRetryPolicy sets how failed calls are retried; see [RetryPolicy].
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *Client) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.retry = p
		return nil
	}
}

// WithLogger makes the client log each call (method, path, status,
// attempt, duration, request ID) at Debug level and each retry at Warn
// level. It never logs tokens, bodies or key material.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error { c.logger = l; return nil }
}

// NewClient returns a client for the Dfns API. WithAuthToken is required.
func NewClient(opts ...Option) (*Client, error) {
	c := &Client{
		http:      &http.Client{Timeout: 60 * time.Second},
		userAgent: "dfnskeys-go/" + Version,
		retry:     DefaultRetryPolicy(),
	}
	if err := WithBaseURL(defaultBaseURL)(c); err != nil {
		return nil, err
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.token == "" {
		return nil, errors.New("an auth token is required (WithAuthToken)")
	}
	// Never follow a redirect: it would carry the bearer token, and for
	// a 307 or 308 the user-action token and the body, wherever the server
	// says. A copy, so that the caller's client is left as it was.
	hc := *c.http
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http = &hc
	c.Signers = &SignersService{c: c}
	c.Keys = &KeysService{c: c}
	return c, nil
}

// BaseURL returns the API base URL the client sends requests to.
func (c *Client) BaseURL() string { return c.baseURL.String() }

// String describes the client without its token.
func (c *Client) String() string { return "dfnskeys.Client{" + c.baseURL.String() + "}" }

// Format prints the client without its token for every verb.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// call is one API call: its body is serialised once, and exactly those
// bytes are signed (for user actions) and sent on every attempt.
type call struct {
	method string
	path   string // relative to the base URL, escaped, no query
	query  url.Values
	body   []byte // nil for no body
	// userAction marks a mutating call that needs a user-action token.
	userAction bool
	// token is a pre-obtained user-action token (delegated signing); it is
	// good for one attempt only.
	token string
	// idempotent marks a mutating call that Dfns deduplicates (a
	// signature request with an externalId): a failure after sending (a
	// 5xx, a dropped answer) is retried like a read, since the repeated
	// request is answered with the one made first.
	idempotent bool
	out        any
	// decode, when set, reads a 2xx body as a stream instead of
	// unmarshalling it into out.
	decode func(io.Reader) error
}

func newCall(method, path string, body any, out any) (*call, error) {
	cl := &call{method: method, path: path, out: out}
	if body != nil {
		switch b := body.(type) {
		case []byte:
			cl.body = b
		case json.RawMessage:
			cl.body = b
		default:
			var err error
			if cl.body, err = json.Marshal(body); err != nil {
				return nil, fmt.Errorf("encoding the %s %s body: %w", method, path, err)
			}
		}
	}
	return cl, nil
}

// do runs a call with the retry policy.
func (c *Client) do(ctx context.Context, cl *call) error {
	if cl.userAction && cl.token == "" && c.signer == nil {
		return ErrNoSigner
	}
	wait := c.retry.retries()
	for attempt := 1; ; attempt++ {
		if err := c.waitThrottle(ctx); err != nil {
			return err
		}
		res := c.attempt(ctx, cl, attempt)
		if res.err == nil {
			return nil
		}
		var amb *AmbiguousError
		if res.retryable || errors.As(res.err, &amb) {
			c.faults.Add(1) // a transient failure: 429, 5xx, a lost connection or answer
		}
		if res.retryAfter > 0 {
			c.throttle(res.retryAfter)
		}
		if !res.retryable || attempt >= c.retry.MaxAttempts || cl.token != "" {
			return res.err
		}
		if res.retryAfter > c.retry.MaxRetryAfter {
			return fmt.Errorf("%w (Retry-After of %s exceeds the retry policy's limit of %s)", res.err, res.retryAfter, c.retry.MaxRetryAfter)
		}
		delay := max(wait.Next(), res.retryAfter)
		c.retries.Add(1)
		c.log(ctx, slog.LevelWarn, "dfns call will be retried", cl, attempt, 0, "", slog.Duration("delay", delay), slog.String("reason", res.reason))
		if err := sleep(ctx, delay); err != nil {
			return fmt.Errorf("%w (gave up waiting to retry: %w)", res.err, err)
		}
	}
}

type attemptResult struct {
	err        error
	retryable  bool
	retryAfter time.Duration
	reason     string // for logs; never secret
}

func (c *Client) attempt(ctx context.Context, cl *call, attempt int) attemptResult {
	token := cl.token
	if cl.userAction && token == "" {
		var err error
		token, err = c.userActionToken(ctx, cl)
		if err != nil {
			// The mutating request itself was not sent: safe to retry
			// whenever the failure is transient.
			return classifyRead(ctx, err)
		}
	}
	start := time.Now()
	status, requestID, err := c.send(ctx, cl, token)
	c.log(ctx, slog.LevelDebug, "dfns call", cl, attempt, status, requestID, slog.Duration("duration", time.Since(start)))
	if err == nil {
		return attemptResult{}
	}
	if !cl.userAction {
		return classifyRead(ctx, err)
	}
	var ne *notSentError
	var ae *APIError
	switch {
	case errors.As(err, &ne):
		return attemptResult{err: ne, retryable: ctx.Err() == nil, reason: "connection not established"}
	case errors.As(err, &ae) && ae.StatusCode == http.StatusTooManyRequests:
		return attemptResult{err: err, retryable: true, retryAfter: retryAfterOf(err), reason: "rate limited"}
	case errors.As(err, &ae) && ae.StatusCode < 500:
		return attemptResult{err: err}
	case policyPending(err), errors.Is(err, ErrRedirect):
		return attemptResult{err: err}
	default:
		// A 5xx, a timeout or a broken connection after sending, or a
		// 2xx whose body cannot be read: the call may well have been
		// carried out. An idempotent call is sent again: Dfns answers it
		// with what it did the first time.
		amb := &AmbiguousError{Method: cl.method, Path: cl.path, Err: err}
		if cl.idempotent && ctx.Err() == nil && !errors.Is(err, errDecode) {
			return attemptResult{err: amb, retryable: true, reason: "no answer to an idempotent request"}
		}
		return attemptResult{err: amb}
	}
}

// classifyRead decides whether a failure of a call that changed nothing
// may be retried: 429, 5xx and transport errors may, unless ctx is done.
func classifyRead(ctx context.Context, err error) attemptResult {
	if ctx.Err() != nil {
		return attemptResult{err: err}
	}
	var ae *APIError
	if errors.As(err, &ae) {
		switch {
		case ae.StatusCode == http.StatusTooManyRequests:
			return attemptResult{err: err, retryable: true, retryAfter: retryAfterOf(err), reason: "rate limited"}
		case ae.StatusCode >= 500:
			return attemptResult{err: err, retryable: true, reason: "server error " + strconv.Itoa(ae.StatusCode)}
		}
		return attemptResult{err: err}
	}
	var ne *notSentError
	if errors.As(err, &ne) {
		return attemptResult{err: ne, retryable: true, reason: "connection not established"}
	}
	var te *transportError
	if errors.As(err, &te) {
		return attemptResult{err: err, retryable: true, reason: "network error"}
	}
	return attemptResult{err: err}
}

// notSentError is a transport failure before a connection was obtained:
// the server cannot have seen the request.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// transportError is a transport failure after a connection was obtained.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

var errDecode = errors.New("malformed response body")

func retryAfterOf(err error) time.Duration {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.RetryAfter
	}
	return 0
}

// send performs one HTTP exchange. It returns the status and request ID
// for logging, and decodes a 2xx body into cl.out.
func (c *Client) send(ctx context.Context, cl *call, userActionToken string) (int, string, error) {
	u := *c.baseURL
	unescaped, err := url.PathUnescape(cl.path)
	if err != nil {
		return 0, "", fmt.Errorf("invalid path %q: %w", cl.path, err)
	}
	u.Path = c.baseURL.Path + unescaped
	u.RawPath = c.baseURL.EscapedPath() + cl.path
	if cl.query != nil {
		u.RawQuery = cl.query.Encode()
	}
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	var connected bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected = true }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), cl.method, u.String(), body)
	if err != nil {
		return 0, "", fmt.Errorf("building the %s %s request: %w", cl.method, cl.path, err)
	}
	if cl.body != nil {
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(cl.body)), nil }
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if userActionToken != "" {
		req.Header.Set("X-DFNS-USERACTION", userActionToken)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		err = fmt.Errorf("%s %s: %w", cl.method, cl.path, c.scrub(err, userActionToken))
		if !connected {
			return 0, "", &notSentError{err}
		}
		return 0, "", &transportError{err}
	}
	defer resp.Body.Close()
	requestID := firstHeader(resp.Header, "X-Request-Id", "X-Dfns-Request-Id", "X-Amzn-Requestid")

	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return resp.StatusCode, requestID, &APIError{Method: cl.method, Path: cl.path, StatusCode: resp.StatusCode, RequestID: requestID, Location: resp.Header.Get("Location")}
	case resp.StatusCode == http.StatusAccepted:
		// Any 202, as Dfns's own client (@dfns/sdk, utils/fetch.js
		// catchPolicyPending) reads it: a policy holds the call, and the
		// body is the pending approval, never the result.
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		pe := &PolicyPendingError{Method: cl.method, Path: cl.path, Approval: raw}
		var a struct{ ID, Status string }
		_ = json.Unmarshal(raw, &a)
		pe.ApprovalID, pe.Status = a.ID, a.Status
		return resp.StatusCode, requestID, pe
	case resp.StatusCode >= 200 && resp.StatusCode < 300 && cl.decode != nil:
		if err := cl.decode(resp.Body); err != nil {
			var te *transportError
			if errors.As(err, &te) {
				return resp.StatusCode, requestID, err
			}
			return resp.StatusCode, requestID, fmt.Errorf("%w: %s %s: %v", errDecode, cl.method, cl.path, err)
		}
		return resp.StatusCode, requestID, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
		if err != nil {
			return resp.StatusCode, requestID, &transportError{fmt.Errorf("%s %s: reading the response: %w", cl.method, cl.path, err)}
		}
		if len(raw) > maxResponseBody {
			return resp.StatusCode, requestID, fmt.Errorf("%w: %s %s: response larger than %d bytes", errDecode, cl.method, cl.path, maxResponseBody)
		}
		if cl.out != nil {
			if err := json.Unmarshal(raw, cl.out); err != nil {
				return resp.StatusCode, requestID, fmt.Errorf("%w: %s %s: %v", errDecode, cl.method, cl.path, err)
			}
		}
		return resp.StatusCode, requestID, nil
	default:
		apiErr := c.apiError(cl, resp, requestID, userActionToken)
		if resp.StatusCode == http.StatusTooManyRequests {
			apiErr.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
		}
		return resp.StatusCode, requestID, apiErr
	}
}

func (c *Client) apiError(cl *call, resp *http.Response, requestID, userActionToken string) *APIError {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{StatusCode: resp.StatusCode, RequestID: requestID, Method: cl.method, Path: cl.path}
	var body struct {
		Error struct {
			ID      string          `json:"id"`
			Message string          `json:"message"`
			Details json.RawMessage `json:"details"`
		} `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &body) == nil {
		e.ID, e.Message, e.Details = body.Error.ID, body.Error.Message, body.Error.Details
		if e.Message == "" {
			e.Message = body.Message
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	e.Message = c.scrubString(e.Message, userActionToken)
	if len(e.Message) > 1000 {
		e.Message = e.Message[:1000] + "…"
	}
	return e
}

// scrub removes tokens from an error's text (transport errors can quote
// URLs or headers).
func (c *Client) scrub(err error, extra string) error {
	s := err.Error()
	if clean := c.scrubString(s, extra); clean != s {
		return errors.New(clean)
	}
	return err
}

func (c *Client) scrubString(s, extra string) string {
	for _, secret := range []string{c.token, extra} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "REDACTED")
		}
	}
	return s
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}

func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// throttle makes every call of this client wait d before its next attempt,
// so that one 429 slows down all concurrent callers, not just one.
func (c *Client) throttle(d time.Duration) {
	c.throttleMu.Lock()
	defer c.throttleMu.Unlock()
	if until := time.Now().Add(min(d, c.retry.MaxRetryAfter)); until.After(c.throttleUntil) {
		c.throttleUntil = until
	}
}

func (c *Client) waitThrottle(ctx context.Context) error {
	c.throttleMu.Lock()
	d := time.Until(c.throttleUntil)
	c.throttleMu.Unlock()
	if d <= 0 {
		return nil
	}
	return sleep(ctx, d)
}

func (c *Client) log(ctx context.Context, level slog.Level, msg string, cl *call, attempt, status int, requestID string, extra ...slog.Attr) {
	if c.logger == nil || !c.logger.Enabled(ctx, level) {
		return
	}
	attrs := append([]slog.Attr{
		slog.String("method", cl.method),
		slog.String("path", cl.path),
		slog.Int("attempt", attempt),
	}, extra...)
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	if requestID != "" {
		attrs = append(attrs, slog.String("requestId", requestID))
	}
	c.logger.LogAttrs(ctx, level, msg, attrs...)
}

// RetryPolicy controls retries. Reads are retried on 429, 5xx and network
// errors; mutating calls only when they surely were not processed (429, or
// no connection established), each time with a fresh user-action token,
// except signature requests with an externalId, which Dfns deduplicates:
// those are retried on 5xx and network errors too, with the same body.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts, at least 1 (no retry).
	MaxAttempts int
	// InitialBackoff is the delay before the first retry; it doubles on
	// each further retry, up to MaxBackoff, with random jitter of up to
	// half the delay.
	InitialBackoff time.Duration
	// MaxBackoff caps the delay computed from InitialBackoff.
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits for; a
	// longer one ends the retries with the 429 error.
	MaxRetryAfter time.Duration
	// LookupAttempts is how many times ImportKey looks for the key after
	// an ambiguous import failure before reporting the ambiguity, and
	// [Client.ScanKeys] lists the keys (bulk imports use it for rows an
	// interrupted run may have sent) (0 means 3); LookupDelay is the delay
	// before the second look, doubling after (0 means 1 s): a key can
	// appear a moment after a lost response.
	LookupAttempts int
	LookupDelay    time.Duration
}

// DefaultRetryPolicy returns 4 attempts, backoff from 250 ms to 8 s,
// Retry-After honoured up to 60 s, and 3 looks for an ambiguously imported
// key, 1 s and 2 s apart.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, InitialBackoff: 250 * time.Millisecond, MaxBackoff: 8 * time.Second, MaxRetryAfter: time.Minute, LookupAttempts: 3, LookupDelay: time.Second}
}

func (p RetryPolicy) validate() error {
	if p.MaxAttempts < 1 || p.InitialBackoff < 0 || p.MaxBackoff < p.InitialBackoff || p.MaxRetryAfter < 0 || p.LookupAttempts < 0 || p.LookupDelay < 0 {
		return fmt.Errorf("invalid retry policy: need MaxAttempts ≥ 1, 0 ≤ InitialBackoff ≤ MaxBackoff, and MaxRetryAfter, LookupAttempts, LookupDelay ≥ 0 (got %+v)", p)
	}
	return nil
}
