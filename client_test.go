package dfnskeys

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

// fastRetries keeps retry tests quick without changing their logic.
func fastRetries() Option {
	return WithRetryPolicy(RetryPolicy{MaxAttempts: 4, InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 3 * time.Second})
}

func TestNewClientOptions(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		opts []Option
		want string
	}{
		"no token":          {nil, "auth token is required"},
		"empty token":       {[]Option{WithAuthToken("  ")}, "auth token is empty"},
		"bearer prefix":     {[]Option{WithAuthToken("Bearer abc")}, "without \"Bearer\""},
		"http remote":       {[]Option{WithAuthToken("t"), WithBaseURL("http://api.dfns.io")}, "only loopback hosts"},
		"http private addr": {[]Option{WithAuthToken("t"), WithBaseURL("http://10.0.0.1:8080")}, "only loopback hosts"},
		"relative":          {[]Option{WithAuthToken("t"), WithBaseURL("/api")}, "absolute http(s) URL"},
		"ftp":               {[]Option{WithAuthToken("t"), WithBaseURL("ftp://x")}, "absolute http(s) URL"},
		"query":             {[]Option{WithAuthToken("t"), WithBaseURL("https://x/?a=b")}, "query"},
		"userinfo":          {[]Option{WithAuthToken("t"), WithBaseURL("https://u:p@x")}, "credentials"},
		"nil http client":   {[]Option{WithAuthToken("t"), WithHTTPClient(nil)}, "WithHTTPClient(nil)"},
		"bad retry":         {[]Option{WithAuthToken("t"), WithRetryPolicy(RetryPolicy{})}, "invalid retry policy"},
		"newline UA":        {[]Option{WithAuthToken("t"), WithUserAgent("a\nb")}, "line break"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := NewClient(c.opts...)
			require.ErrorContains(t, err, c.want)
		})
	}
	for _, u := range []string{"http://localhost:1234", "http://127.0.0.1:9/x/", "http://[::1]:80", "https://api.uae.dfns.io"} {
		c, err := NewClient(WithAuthToken("t"), WithBaseURL(u))
		require.NoError(t, err, u)
		require.False(t, strings.HasSuffix(c.BaseURL(), "/"), "trailing slash trimmed")
	}
	c, err := NewClient(WithAuthToken("secret-token"))
	require.NoError(t, err)
	require.Equal(t, "https://api.dfns.io", c.BaseURL())
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v %#v %s", c, c, c)} {
		require.NotContains(t, s, "secret-token")
	}
}

// The caller's http.Client is used as it is and never modified.
func TestHTTPClientNotMutated(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"clusters":[]}`)
	}))
	defer srv.Close()
	hc := &http.Client{Timeout: 7 * time.Second}
	before := *hc
	c, err := NewClient(WithAuthToken("t"), WithBaseURL(srv.URL), WithHTTPClient(hc))
	require.NoError(t, err)
	_, err = c.Signers.List(context.Background())
	require.NoError(t, err)
	require.Equal(t, before.Timeout, hc.Timeout)
	require.Nil(t, hc.Transport)
	require.Nil(t, hc.CheckRedirect)
	require.Nil(t, hc.Jar)
}

func TestAPIErrorIsAs(t *testing.T) {
	t.Parallel()
	sentinels := []error{ErrNotFound, ErrUnauthorized, ErrForbidden, ErrRateLimited, ErrConflict}
	cases := []struct {
		status int
		want   error
	}{
		{404, ErrNotFound}, {401, ErrUnauthorized}, {403, ErrForbidden}, {429, ErrRateLimited}, {409, ErrConflict}, {400, nil}, {500, nil}, {402, nil},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.status), func(t *testing.T) {
			var err error = &APIError{StatusCode: c.status, Method: "GET", Path: "/keys/x"}
			wrapped := fmt.Errorf("context: %w", err)
			for _, s := range sentinels {
				require.Equal(t, s == c.want, errors.Is(wrapped, s), "%v", s)
			}
			var ae *APIError
			require.ErrorAs(t, wrapped, &ae)
			require.Equal(t, c.status, ae.StatusCode)
		})
	}
	amb := &AmbiguousError{Method: "POST", Path: "/keys/import", Err: &APIError{StatusCode: 502}}
	require.ErrorIs(t, amb, ErrAmbiguous)
	var ae *APIError
	require.ErrorAs(t, amb, &ae)
	imp := &AmbiguousError{PublicKey: "02ab", Err: amb}
	require.ErrorIs(t, imp, ErrAmbiguous)
	require.ErrorAs(t, imp, &ae)
	require.True(t, policyPending(fmt.Errorf("wrapped: %w", &PolicyPendingError{})))
	require.False(t, policyPending(amb))
	require.NotErrorIs(t, &PolicyPendingError{}, ErrAmbiguous)
}

func TestAPIErrorParsing(t *testing.T) {
	t.Parallel()
	bodies := map[string]struct {
		body, wantMsg, wantID string
	}{
		"current":   {`{"error":{"id":"e-1","status":404,"message":"Key not found","details":{"keyId":"key-1"}}}`, "Key not found", "e-1"},
		"older":     {`{"error":{"message":"Forbidden: missing permission"}}`, "Forbidden: missing permission", ""},
		"not json":  {`<html>bad gateway</html>`, "Not Found", ""},
		"huge":      {`{"error":{"message":"` + strings.Repeat("x", 200<<10) + `"}}`, "Not Found", ""}, // capped, so unparsable
		"echoes tk": {`{"error":{"message":"bad token secret-token"}}`, "bad token REDACTED", ""},
	}
	for name, b := range bodies {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-Id", "req-42")
				w.WriteHeader(404)
				_, _ = io.WriteString(w, b.body)
			}))
			defer srv.Close()
			c, err := NewClient(WithAuthToken("secret-token"), WithBaseURL(srv.URL+"/prefix"))
			require.NoError(t, err)
			_, err = c.Keys.Get(context.Background(), "key-1")
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, 404, ae.StatusCode)
			require.Equal(t, b.wantMsg, ae.Message)
			require.Equal(t, b.wantID, ae.ID)
			require.Equal(t, "req-42", ae.RequestID)
			require.Equal(t, "GET", ae.Method)
			require.Equal(t, "/keys/key-1", ae.Path)
			require.ErrorIs(t, err, ErrNotFound)
			require.NotContains(t, err.Error(), "secret-token")
			require.Contains(t, err.Error(), "request id req-42")
		})
	}
}

func TestReadsRetry(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.WriteHeader(503)
		case 2:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
		default:
			_, _ = io.WriteString(w, `{"id":"key-1","publicKey":"02aa"}`)
		}
	}))
	defer srv.Close()
	c, err := NewClient(WithAuthToken("t"), WithBaseURL(srv.URL), fastRetries())
	require.NoError(t, err)
	start := time.Now()
	k, err := c.Keys.Get(context.Background(), "key-1")
	require.NoError(t, err)
	require.Equal(t, "key-1", k.ID)
	require.EqualValues(t, 3, calls.Load())
	require.GreaterOrEqual(t, time.Since(start), time.Second, "Retry-After is honoured")
}

func TestReadsGiveUp(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(500)
	}))
	defer srv.Close()
	c, err := NewClient(WithAuthToken("t"), WithBaseURL(srv.URL), fastRetries())
	require.NoError(t, err)
	_, err = c.Keys.Get(context.Background(), "key-1")
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 500, ae.StatusCode)
	require.EqualValues(t, 4, calls.Load(), "MaxAttempts attempts")

	// 4xx other than 429 are not retried.
	calls.Store(0)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1); w.WriteHeader(400) })
	_, err = c.Keys.Get(context.Background(), "key-1")
	require.Error(t, err)
	require.EqualValues(t, 1, calls.Load())

	// A Retry-After beyond the policy's limit stops the retries at once.
	calls.Store(0)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
	})
	c2, _ := NewClient(WithAuthToken("t"), WithBaseURL(srv.URL), fastRetries())
	_, err = c2.Keys.Get(context.Background(), "key-1")
	require.ErrorIs(t, err, ErrRateLimited)
	require.ErrorContains(t, err, "exceeds the retry policy's limit")
	require.EqualValues(t, 1, calls.Load())
}

func TestRetriesStopWithContext(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3") // the most fastRetries honours
		w.WriteHeader(429)
	}))
	defer srv.Close()
	c, err := NewClient(WithAuthToken("t"), WithBaseURL(srv.URL), fastRetries())
	require.NoError(t, err)
	// The context is canceled once the first 429 is being waited out: a
	// client that ignored it would sleep through three Retry-Afters and
	// end with ErrRateLimited alone, never context.Canceled.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			c.throttleMu.Lock()
			throttled := !c.throttleUntil.IsZero()
			c.throttleMu.Unlock()
			if throttled {
				break
			}
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err = c.Keys.Get(ctx, "key-1")
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, ErrRateLimited)
	c.throttleMu.Lock()
	defer c.throttleMu.Unlock()
	require.True(t, time.Now().Before(c.throttleUntil), "the call returned while the Retry-After still ran: it did not wait it out")
}

func TestConnectionRefusedIsRetriedThenReported(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	c, err := NewClient(WithAuthToken("t"), WithBaseURL(url), fastRetries())
	require.NoError(t, err)
	_, err = c.Signers.List(context.Background())
	require.Error(t, err)
	require.Contains(t, err.Error(), "GET /signers")
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	require.Equal(t, 3*time.Second, parseRetryAfter("3"))
	require.Equal(t, time.Duration(0), parseRetryAfter("-1"))
	require.Equal(t, time.Duration(0), parseRetryAfter("soon"))
	future := time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat)
	require.InDelta(t, 5*time.Second, parseRetryAfter(future), float64(1500*time.Millisecond))
}

func TestLoggerSeesNoSecrets(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-7")
		if n.Add(1) == 1 {
			w.WriteHeader(502)
			return
		}
		_, _ = io.WriteString(w, `{"clusters":[]}`)
	}))
	defer srv.Close()
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := NewClient(WithAuthToken("tok-SECRET"), WithBaseURL(srv.URL), WithLogger(logger), fastRetries())
	require.NoError(t, err)
	_, err = c.Signers.List(context.Background())
	require.NoError(t, err)
	out := buf.String()
	require.Contains(t, out, `"path":"/signers"`)
	require.Contains(t, out, `"requestId":"req-7"`)
	require.Contains(t, out, "will be retried")
	require.NotContains(t, out, "tok-SECRET")
}

func TestIDsAreEscapedOrRejected(t *testing.T) {
	t.Parallel()
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.EscapedPath())
		_, _ = io.WriteString(w, `{"id":"key-a b"}`)
	}))
	defer srv.Close()
	c, err := NewClient(WithAuthToken("t"), WithBaseURL(srv.URL+"/v1"))
	require.NoError(t, err)
	_, err = c.Keys.Get(context.Background(), "key-a b")
	require.NoError(t, err)
	require.Equal(t, []string{"/v1/keys/key-a%20b"}, paths)
	for _, bad := range []string{"", "..", "a/b", "a?b", "a#b", "%2e", " key"} {
		_, err := c.Keys.Get(context.Background(), bad)
		require.ErrorContains(t, err, "not a valid ID", bad)
	}
}

// A Fido2 assertion from a delegate (an end user's passkey) is sent in the
// docs/protocol.md §6 shape, and the prepared body is sent byte for byte.
func TestCompleteUserActionFido2(t *testing.T) {
	t.Parallel()
	var exchange, sent []byte
	var sentToken string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/auth/action/init":
			_, _ = io.WriteString(w, `{"challenge":"Y2hhbA","challengeIdentifier":"a.b.c","allowCredentials":{"key":[],"webauthn":[{"type":"public-key","id":"pk-1"}]}}`)
		case "/auth/action":
			exchange = body
			_, _ = io.WriteString(w, `{"userAction":"ua-token"}`)
		case "/keys/import":
			sent, sentToken = body, r.Header.Get("X-DFNS-USERACTION")
			_, _ = io.WriteString(w, `{"id":"key-1","publicKey":"02aa","imported":true}`)
		default:
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	c, err := NewClient(WithAuthToken("t"), WithBaseURL(srv.URL))
	require.NoError(t, err)
	body := []byte(`{"protocol":"CGGMP21", "curve":"secp256k1"}`) // exact bytes, odd spacing kept
	p, err := InitUserAction(c, context.Background(), "POST", "/keys/import", body)
	require.NoError(t, err)
	require.Equal(t, "Y2hhbA", p.Challenge.Challenge)
	a := &auth.Assertion{Kind: auth.KindFido2, CredentialAssertion: auth.CredentialAssertion{
		CredID: "pk-1", ClientData: "Y2Q", AuthenticatorData: "YWQ", Signature: "c2ln", UserHandle: "dWg",
	}}
	var out keys.Key
	require.NoError(t, CompleteUserAction(c, context.Background(), p, a, &out))
	require.Equal(t, "key-1", out.ID)
	require.JSONEq(t, `{"challengeIdentifier":"a.b.c","firstFactor":{"kind":"Fido2","credentialAssertion":{"credId":"pk-1","clientData":"Y2Q","authenticatorData":"YWQ","signature":"c2ln","userHandle":"dWg"}}}`, string(exchange))
	require.Equal(t, body, sent)
	require.Equal(t, "ua-token", sentToken)
}

// One 429 with Retry-After holds back every caller of the client, not only
// the one that got it: bulk workers slow down together.
func TestRateLimitThrottlesAllCallers(t *testing.T) {
	t.Parallel()
	var first atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/signers" && first.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
			return
		}
		_, _ = io.WriteString(w, `{"id":"key-1","clusters":[]}`)
	}))
	defer srv.Close()
	c, err := NewClient(WithAuthToken("t"), WithBaseURL(srv.URL), fastRetries())
	require.NoError(t, err)
	start := time.Now()
	done := make(chan error, 1)
	go func() { _, err := c.Signers.List(context.Background()); done <- err }()
	throttled := func() bool {
		c.throttleMu.Lock()
		defer c.throttleMu.Unlock()
		return !c.throttleUntil.IsZero()
	}
	require.Eventually(t, throttled, time.Second, time.Millisecond)
	// Another caller, on another route, after the 429 arrived.
	_, err = c.Keys.Get(context.Background(), "key-1")
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "the second caller waited for the Retry-After too")
	require.NoError(t, <-done)
}

// Text from the server is printed with control and bidi characters
// escaped, so that an error message cannot drive the user's terminal.
func TestAPIErrorEscapesServerText(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-\u202e9") // control bytes are refused by net/http itself
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":{"id":"err-\u202e1","message":"bad \u001b[2J\u001b[31mred\r\nfake line\u009b"}}`)
	}))
	defer srv.Close()
	c, err := NewClient(WithAuthToken("escape-test-token"), WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = c.Signers.List(context.Background())
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "bad \x1b[2J\x1b[31mred\r\nfake line\u009b", ae.Message, "the field keeps the server's text")
	require.Equal(t, `GET /signers: 400 Bad Request: bad \x1b[2J\x1b[31mred\r\nfake line\u009b (error id err-\u202e1, request id req-\u202e9)`, err.Error())
}

// A server's text is bounded in messages: a megabyte message or ID is cut
// with a marker, and an escaped backslash cannot pass for an escape.
func TestAPIErrorBoundsServerText(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":{"id":"err\\x1b","message":"`+strings.Repeat("A", 10000)+`"}}`)
	}))
	defer srv.Close()
	c, err := NewClient(WithAuthToken("bound-test-token"), WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = c.Signers.List(context.Background())
	require.Error(t, err)
	require.Equal(t, "GET /signers: 400 Bad Request: "+strings.Repeat("A", 256)+`\…[747 more bytes] (error id err\\x1b)`, err.Error())
}

// GET /keys/{id} answering about another key is refused: the answer is not
// about the key asked for (docs/threat-model.md §1), and the other ID is
// shown escaped.
func TestGetKeyRefusesAnotherKey(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"id":"key-2\u001b[8m\nfake","publicKey":"02aa"}`)
	}))
	defer srv.Close()
	c, err := NewClient(WithAuthToken("t"), WithBaseURL(srv.URL), fastRetries())
	require.NoError(t, err)
	k, err := c.Keys.Get(context.Background(), "key-1")
	require.Nil(t, k)
	require.ErrorContains(t, err, "GET /keys/key-1 answered with key key-2")
	require.NotContains(t, err.Error(), "\x1b")
	require.NotContains(t, err.Error(), "\n")
}
